package actors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Route is an extra HTTP endpoint served beside health and metrics: the
// Telegram webhook, the Kie callback, or whatever the caller mounts (a
// pattern ending in "/" serves the whole subtree, e.g. "/admin/").
type Route struct {
	Pattern string // net/http pattern, e.g. "POST /telegram/webhook"
	Handler http.Handler
	// MaxBodyBytes bounds the request body; default 1 MiB.
	MaxBodyBytes int64
	// Stream serves the route without the 30 s route timeout, which
	// buffers a whole answer before sending it: for a handler that writes
	// as it goes (a download) and bounds itself, extending the server's
	// write deadline with http.ResponseController where it needs longer.
	Stream bool
}

// HTTPServerConfig configures the health, metrics, webhook and callback
// server.
type HTTPServerConfig struct {
	Addr     string // ":10000"; ":0" in tests
	Instance string
	Version  string
	Logger   *slog.Logger
	Metrics  *Metrics
	Status   *StatusBoard
	// Ready reports whether the database answers and migrations are
	// applied; /readyz is 200 exactly when it returns nil, whatever the role.
	Ready func(ctx context.Context) error
	// ReadyEvery is how often Ready runs at most: /readyz and /health
	// answer from the last result until it is this old, and concurrent
	// requests share one check, so a flood of probes costs the database
	// one query per period, not two per request. Default 1s; negative:
	// check on every request.
	ReadyEvery time.Duration
	Routes     []Route
	// StopAfter, when set, keeps the server up after its context ends until
	// the channel closes (the leader has released the lock), so the webhook
	// keeps storing updates to the last moment. ShutdownTimeout bounds both
	// that wait and the drain of open requests.
	StopAfter       <-chan struct{}
	ShutdownTimeout time.Duration
}

// HTTPServer is the HTTP actor.
type HTTPServer struct {
	cfg HTTPServerConfig
	ln  net.Listener
	srv *http.Server
	log *slog.Logger
	now func() time.Time // tests move it

	readyMu    sync.Mutex // held while a check runs: one at a time
	readyAt    time.Time
	readyErr   error
	readyValid bool
}

// Handler timeouts: every route answers within routeTimeout or gets 503.
const (
	routeTimeout   = 30 * time.Second
	readyTimeout   = 3 * time.Second
	defaultMaxBody = 1 << 20
)

// NewHTTPServer binds cfg.Addr at once, so a port clash is a start-up error
// and Render sees the port open early.
func NewHTTPServer(cfg HTTPServerConfig) (*HTTPServer, error) {
	if cfg.Logger == nil || cfg.Status == nil || cfg.Ready == nil || cfg.Metrics == nil {
		panic("actors.NewHTTPServer: Logger, Status, Ready and Metrics are required")
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 10 * time.Second
	}
	if cfg.ReadyEvery == 0 {
		cfg.ReadyEvery = time.Second
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	s := &HTTPServer{cfg: cfg, ln: ln, log: cfg.Logger.With("component", "http"), now: time.Now}
	mux := http.NewServeMux()
	handle := func(pattern string, h http.Handler, maxBody int64, stream ...bool) {
		if maxBody <= 0 {
			maxBody = defaultMaxBody
		}
		if len(stream) > 0 && stream[0] {
			mux.Handle(pattern, limitBody(h, maxBody))
			return
		}
		mux.Handle(pattern, http.TimeoutHandler(limitBody(h, maxBody), routeTimeout, "timeout\n"))
	}
	handle("GET /healthz", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	}), 0)
	handle("GET /readyz", http.HandlerFunc(s.readyz), 0)
	handle("GET /health", http.HandlerFunc(s.readyz), 0)
	handle("GET /metrics", promhttp.HandlerFor(cfg.Metrics.Registry, promhttp.HandlerOpts{Timeout: 10 * time.Second}), 0)
	for _, r := range cfg.Routes {
		handle(r.Pattern, r.Handler, r.MaxBodyBytes, r.Stream)
	}
	s.srv = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       20 * time.Second,
		WriteTimeout:      routeTimeout + 5*time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	return s, nil
}

// Addr is the address the server listens on.
func (s *HTTPServer) Addr() string { return s.ln.Addr().String() }

// Run serves until ctx ends, then waits for StopAfter (bounded) and drains
// open requests within ShutdownTimeout.
func (s *HTTPServer) Run(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- s.srv.Serve(s.ln) }()
	s.log.Info("http: listening", "addr", s.Addr())

	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	deadline := time.Now().Add(s.cfg.ShutdownTimeout)
	if s.cfg.StopAfter != nil {
		select {
		case <-s.cfg.StopAfter:
		case <-time.After(time.Until(deadline)):
			s.log.Warn("http: stopping before the leader released its lock: shutdown timeout reached")
		}
	}
	sctx, cancel := context.WithDeadline(context.WithoutCancel(ctx), deadline)
	defer cancel()
	err := s.srv.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil {
		_ = s.srv.Close()
		return fmt.Errorf("http shutdown: %w", err)
	}
	s.log.Info("http: stopped")
	return nil
}

type readyBody struct {
	Role     Role   `json:"role"`
	Instance string `json:"instance"`
	Epoch    int64  `json:"epoch"`
	Version  string `json:"version"`
	Error    string `json:"error,omitempty"`
}

func (s *HTTPServer) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	st := s.cfg.Status.Get()
	body := readyBody{Role: st.Role, Instance: s.cfg.Instance, Epoch: st.Epoch, Version: s.cfg.Version}
	code := http.StatusOK
	if err := s.readiness(ctx); err != nil {
		code = http.StatusServiceUnavailable
		body.Error = "not ready: " + err.Error()
	}
	writeJSON(w, code, body)
}

// readiness is Ready's answer, at most ReadyEvery old.
func (s *HTTPServer) readiness(ctx context.Context) error {
	if s.cfg.ReadyEvery < 0 {
		return s.cfg.Ready(ctx)
	}
	s.readyMu.Lock()
	defer s.readyMu.Unlock()
	if s.readyValid && s.now().Sub(s.readyAt) < s.cfg.ReadyEvery {
		return s.readyErr
	}
	err := s.cfg.Ready(ctx)
	s.readyAt, s.readyErr, s.readyValid = s.now(), err, true
	return err
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func limitBody(h http.Handler, n int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, n)
		h.ServeHTTP(w, r)
	})
}
