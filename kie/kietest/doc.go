// Package kietest is a fake Kie.ai for tests, in the manner of
// net/http/httptest: real HTTP servers on loopback that the real kie client
// is pointed at (Config.BaseURL = srv.URL, Config.UploadBaseURL =
// srv.UploadURL), with no seam in production code.
package kietest
