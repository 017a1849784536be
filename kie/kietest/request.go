package kietest

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// Route names an endpoint of the fake, for faults and request counts.
type Route string

// Routes. RouteAny matches every API and upload route in a Fault.
const (
	RouteAny          Route = ""
	RouteCreateTask   Route = "createTask"
	RouteRecordInfo   Route = "recordInfo"
	RouteCredit       Route = "credit"
	RouteDownloadURL  Route = "download-url"
	RouteUploadStream Route = "file-stream-upload"
	RouteUploadBase64 Route = "file-base64-upload"
	RouteUploadURL    Route = "file-url-upload"
	RouteModels       Route = "models"
	RouteSchema       Route = "schema"
	RoutePrice        Route = "price"
	RouteSunoGenerate Route = "generate"
	RouteSunoRecord   Route = "generate/record-info"
	RouteUnknown      Route = "unknown"
)

// Request records one request as it arrived.
type Request struct {
	Route  Route
	Method string
	Path   string
	// Time is the fake clock at arrival.
	Time time.Time
	// Model is the createTask model or the catalogue model; TaskID the
	// task queried or created.
	Model, TaskID string
	// Fault is the injected fault that hit this request (0 for none).
	Fault FaultKind
	// Code is the envelope code answered (0 for faults without one).
	Code int
}

// Requests returns every request so far, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Count returns how many requests reached route (RouteAny: all of them).
func (s *Server) Count(route Route) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if route == RouteAny || r.Route == route {
			n++
		}
	}
	return n
}

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

type reqKey struct{}

// note updates this request's record.
func (s *Server) note(r *http.Request, f func(*Request)) {
	i, ok := r.Context().Value(reqKey{}).(int)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if i < len(s.requests) {
		f(&s.requests[i])
	}
}

func routeOf(path string) Route {
	switch {
	case path == "/api/v1/jobs/createTask":
		return RouteCreateTask
	case path == "/api/v1/jobs/recordInfo":
		return RouteRecordInfo
	case path == "/api/v1/generate":
		return RouteSunoGenerate
	case path == "/api/v1/generate/record-info":
		return RouteSunoRecord
	case path == "/api/v1/chat/credit":
		return RouteCredit
	case path == "/api/v1/common/download-url":
		return RouteDownloadURL
	case path == "/api/file-stream-upload":
		return RouteUploadStream
	case path == "/api/file-base64-upload":
		return RouteUploadBase64
	case path == "/api/file-url-upload":
		return RouteUploadURL
	case path == "/api/v1/models":
		return RouteModels
	case strings.HasPrefix(path, "/api/v1/models/") && strings.HasSuffix(path, "/schema"):
		return RouteSchema
	case strings.HasPrefix(path, "/api/v1/models/") && strings.HasSuffix(path, "/price"):
		return RoutePrice
	}
	return RouteUnknown
}

// front records the request, applies faults and auth, then calls next.
func (s *Server) front(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route := routeOf(r.URL.Path)
		s.mu.Lock()
		s.requests = append(s.requests, Request{Route: route, Method: r.Method, Path: r.URL.Path, Time: s.now})
		idx := len(s.requests) - 1
		fault := s.takeFaultLocked(route)
		if fault != nil {
			s.requests[idx].Fault = fault.Kind
		}
		s.notifyLocked()
		s.mu.Unlock()
		r = r.WithContext(context.WithValue(r.Context(), reqKey{}, idx))

		handle := func(w http.ResponseWriter, r *http.Request) {
			if !s.authorized(r) {
				s.writeEnvelope(w, r, 401, "You do not have access permissions", nil)
				return
			}
			next.ServeHTTP(w, r)
		}
		if fault == nil {
			handle(w, r)
			return
		}
		s.applyFault(w, r, *fault, handle)
	})
}

// authorized accepts only "Authorization: Bearer <key>"; Kie rejects an
// "apikey" header and anything else.
func (s *Server) authorized(r *http.Request) bool {
	return r.Header.Get("Authorization") == "Bearer "+s.APIKey
}

// writeEnvelope answers {"code","msg","data"} with HTTP 200, or with the
// code as status when SetMirrorStatus is on.
func (s *Server) writeEnvelope(w http.ResponseWriter, r *http.Request, code int, msg string, data any) {
	s.writeEnvelopeExtra(w, r, code, msg, data, nil)
}

func (s *Server) writeEnvelopeExtra(w http.ResponseWriter, r *http.Request, code int, msg string, data any, extra map[string]any) {
	s.mu.Lock()
	mirror, msgKey := s.opts.mirrorStatus, s.opts.messageKey
	s.mu.Unlock()
	s.note(r, func(q *Request) { q.Code = code })
	body := map[string]any{"code": code, "data": data}
	key := "msg"
	if msgKey {
		key = "message"
	}
	body[key] = msg
	for k, v := range extra {
		body[k] = v
	}
	status := http.StatusOK
	if mirror && code != 200 && code >= 100 && code <= 999 {
		status = code
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func (s *Server) apiHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/jobs/createTask", s.createTask)
	mux.HandleFunc("GET /api/v1/jobs/recordInfo", s.recordInfo)
	mux.HandleFunc("POST /api/v1/generate", s.sunoGenerate)
	mux.HandleFunc("GET /api/v1/generate/record-info", s.sunoRecordInfo)
	mux.HandleFunc("GET /api/v1/chat/credit", s.credit)
	mux.HandleFunc("POST /api/v1/common/download-url", s.downloadURL)
	mux.HandleFunc("GET /api/v1/models", s.listModels)
	mux.HandleFunc("GET /api/v1/models/{rest...}", s.modelDetail)
	mux.HandleFunc("/", s.notFound)
	return s.front(s.switchGate(mux))
}

func (s *Server) uploadHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/file-stream-upload", s.uploadStream)
	mux.HandleFunc("POST /api/file-base64-upload", s.uploadBase64)
	mux.HandleFunc("POST /api/file-url-upload", s.uploadURL)
	mux.HandleFunc("/", s.notFound)
	return s.front(mux)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.writeEnvelope(w, r, 404, "Not Found", nil)
}

// switchGate applies the account switches after auth, in Kie's order for
// createTask: usage cap 433, maintenance 455 (every API call), feature
// disabled 505.
func (s *Server) switchGate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		o := s.opts
		s.mu.Unlock()
		route := routeOf(r.URL.Path)
		create := route == RouteCreateTask || route == RouteSunoGenerate
		switch {
		case create && o.usageCap:
			s.writeEnvelope(w, r, 433, "The usage limit of this API key has been exceeded", nil)
		case o.maintenance:
			s.writeEnvelope(w, r, 455, "The service is under maintenance, please try again later", nil)
		case create && o.featureDisabled:
			s.writeEnvelope(w, r, 505, "This feature is currently disabled", nil)
		default:
			next.ServeHTTP(w, r)
		}
	})
}
