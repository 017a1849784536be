package kietest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
)

// credit answers the balance as a bare number.
func (s *Server) credit(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	bal := microJSON(s.balance)
	s.mu.Unlock()
	s.writeEnvelope(w, r, 200, "success", bal)
}

// downloadLinkTTL is how long a download-url link works (Kie: 20 minutes).
const downloadLinkTTL = 20 * time.Minute

// downloadURL turns a fake-CDN URL into a temporary /dl/ link; any other URL
// gets 422, as on Kie.
func (s *Server) downloadURL(w http.ResponseWriter, r *http.Request) {
	var body struct {
		URL string `json:"url"`
	}
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err := json.Unmarshal(raw, &body); err != nil || body.URL == "" {
		s.writeEnvelope(w, r, 400, "url is required", nil)
		return
	}
	s.mu.Lock()
	p, ok := strings.CutPrefix(body.URL, s.CDNURL+"/")
	f, exists := s.files[p]
	if !ok || !exists || s.now.After(f.expires) || strings.HasPrefix(p, "dl/") {
		s.mu.Unlock()
		s.writeEnvelope(w, r, 422, "The URL is not a valid file URL hosted by KIE", nil)
		return
	}
	link := "dl/" + s.newTaskIDLocked()
	s.files[link] = &file{data: f.data, mime: f.mime, expires: minTime(f.expires, s.now.Add(downloadLinkTTL))}
	cdn := s.CDNURL
	s.mu.Unlock()
	s.writeEnvelope(w, r, 200, "success", cdn+"/"+link)
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
