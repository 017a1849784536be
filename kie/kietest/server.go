package kietest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"time"
)

// DefaultAPIKey is the key a new Server accepts.
const DefaultAPIKey = "kietest-0123456789abcdef0123456789abcdef"

// Server is a fake Kie.ai: three real HTTP listeners on loopback (the API,
// the upload host and a CDN serving files without auth), driven by a manual
// clock. Methods are safe for concurrent use and may be called before or
// after Start.
type Server struct {
	// URL is the API base URL (Config.BaseURL), UploadURL the upload host
	// (Config.UploadBaseURL), CDNURL the fake CDN. Set by Start.
	URL, UploadURL, CDNURL string
	// APIKey is the only key the server accepts (DefaultAPIKey unless set
	// before Start).
	APIKey string

	api, upload, cdn *httptest.Server

	mu       sync.Mutex
	started  bool
	closed   bool
	done     chan struct{}      // closed by Close: unblocks delayed handlers
	cbCtx    context.Context    // callback deliveries; cancelled late in Close
	cbCancel context.CancelFunc //
	cbWG     sync.WaitGroup     // one per callback delivery goroutine
	// cbTransport sends callbacks without keep-alives, so no idle
	// connection goroutine outlives Close.
	cbTransport *http.Transport
	changed     chan struct{} // closed and replaced whenever state changes

	now       time.Time
	idRand    *rand.Rand
	faultRand *rand.Rand
	opts      options
	limits    Limits
	balance   int64 // micro-credits
	models    map[string]*Model
	modelIDs  []string // registration order, for the catalogue
	tasks     map[string]*task
	taskIDs   []string // creation order
	scripts   []Script // ScriptNext queue
	createLog []time.Time
	readLog   []time.Time
	faults    []*Fault
	random    randomFaults
	requests  []Request
	files     map[string]*file // CDN path → file
	callbacks []CallbackDelivery
}

type options struct {
	mirrorStatus    bool
	messageKey      bool
	nullFailFields  bool
	maintenance     bool
	usageCap        bool
	featureDisabled bool
	legacyFileURL   bool
	hmacKey         []byte
	closeWait       time.Duration
	callbackTimeout time.Duration
	maxUpload       int64
	uploadTTL       time.Duration
	resultTTL       time.Duration
}

// Limits are the rate limits the fake enforces on its clock. A zero field
// turns that limit off.
type Limits struct {
	// CreateTasks per CreateWindow (Kie: 20 per 10 s); excess gets 429 and
	// creates nothing.
	CreateTasks  int
	CreateWindow time.Duration
	// RecordInfoPerSecond (Kie: 10). The clock only moves with Advance, so
	// a test polling in a tight loop must Advance or lift this limit.
	RecordInfoPerSecond int
	// SunoRecordInfoPerTask is Suno's record-info limit per task and
	// second (Kie: 3).
	SunoRecordInfoPerTask int
}

// DefaultLimits returns Kie's documented limits.
func DefaultLimits() Limits {
	return Limits{CreateTasks: 20, CreateWindow: 10 * time.Second, RecordInfoPerSecond: 10, SunoRecordInfoPerTask: 3}
}

// NewServer starts a server with the default models, 1000 credits and
// DefaultLimits. Close it when done.
func NewServer() *Server {
	s := NewUnstartedServer()
	s.Start()
	return s
}

// NewUnstartedServer returns a server to configure before Start. Its clock
// starts at the current time, truncated to the second, and moves only with
// Advance; callback timestamps come from it.
func NewUnstartedServer() *Server {
	s := &Server{
		APIKey:    DefaultAPIKey,
		done:      make(chan struct{}),
		changed:   make(chan struct{}),
		now:       time.Now().Truncate(time.Second),
		idRand:    rand.New(rand.NewPCG(1, 2)),
		faultRand: rand.New(rand.NewPCG(3, 4)),
		limits:    DefaultLimits(),
		balance:   1000 * micro,
		models:    map[string]*Model{},
		tasks:     map[string]*task{},
		files:     map[string]*file{},
		opts: options{
			callbackTimeout: 15 * time.Second,
			closeWait:       5 * time.Second,
			maxUpload:       100 << 20,
			uploadTTL:       72 * time.Hour,
			resultTTL:       14 * 24 * time.Hour,
		},
	}
	s.cbCtx, s.cbCancel = context.WithCancel(context.Background())
	s.cbTransport = &http.Transport{DisableKeepAlives: true}
	for _, m := range DefaultModels() {
		s.AddModel(m)
	}
	s.api = httptest.NewUnstartedServer(s.apiHandler())
	s.upload = httptest.NewUnstartedServer(s.uploadHandler())
	s.cdn = httptest.NewUnstartedServer(http.HandlerFunc(s.serveCDN))
	return s
}

// Start starts the listeners. It panics if called twice.
func (s *Server) Start() {
	s.mu.Lock()
	if s.started {
		s.mu.Unlock()
		panic("kietest: Server started twice")
	}
	s.started = true
	s.mu.Unlock()
	s.api.Start()
	s.upload.Start()
	s.cdn.Start()
	s.mu.Lock()
	s.URL, s.UploadURL, s.CDNURL = s.api.URL, s.upload.URL, s.cdn.URL
	s.mu.Unlock()
}

// SetCloseWait bounds how long Close lets callback deliveries run before
// cancelling them (default 5 s).
func (s *Server) SetCloseWait(d time.Duration) { s.with(func(o *options) { o.closeWait = d }) }

// Close lets callback deliveries finish (for up to five seconds, see
// SetCloseWait, then cancels them), stops the listeners and waits for every
// goroutine the server started and every request in flight. It is
// idempotent.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.done)
	wait := s.opts.closeWait
	s.mu.Unlock()

	cbDone := make(chan struct{})
	go func() { s.cbWG.Wait(); close(cbDone) }()
	t := time.NewTimer(wait)
	select {
	case <-cbDone:
	case <-t.C:
	}
	t.Stop()
	s.cbCancel()
	<-cbDone
	s.cbTransport.CloseIdleConnections()
	// httptest listeners exist from NewUnstartedServer on: close them even
	// if Start never ran.
	s.api.Close()
	s.upload.Close()
	s.cdn.Close()
}

// Now returns the fake clock's time.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now
}

// SetTime moves the clock to t (forward or back) without running the
// lifecycle; use it before Start to pin times. Prefer Advance afterwards.
func (s *Server) SetTime(t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = t
}

// Advance moves the clock forward by d and runs everything that fell due:
// state changes, completions (billing, result files), delayed callbacks.
func (s *Server) Advance(d time.Duration) {
	if d < 0 {
		panic("kietest: Advance with a negative duration")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = s.now.Add(d)
	for _, id := range s.taskIDs {
		s.progressLocked(s.tasks[id])
	}
	s.notifyLocked()
}

// SetSeed reseeds task ids and random faults, for reproducible runs.
func (s *Server) SetSeed(seed uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.idRand = rand.New(rand.NewPCG(seed, 2))
	s.faultRand = rand.New(rand.NewPCG(seed, 4))
}

// SetLimits replaces the rate limits (DefaultLimits at start).
func (s *Server) SetLimits(l Limits) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits = l
}

// SetMirrorStatus makes error answers carry their code as the HTTP status
// too. By default, like Kie, errors come with HTTP 200.
func (s *Server) SetMirrorStatus(on bool) { s.with(func(o *options) { o.mirrorStatus = on }) }

// SetMessageKey makes the envelope say "message" instead of "msg", as one
// Kie docs example does.
func (s *Server) SetMessageKey(on bool) { s.with(func(o *options) { o.messageKey = on }) }

// SetNullFailFields sends failCode/failMsg as null instead of "" when
// empty, like newer Kie answers.
func (s *Server) SetNullFailFields(on bool) { s.with(func(o *options) { o.nullFailFields = on }) }

// SetMaintenance answers every API request with code 455.
func (s *Server) SetMaintenance(on bool) { s.with(func(o *options) { o.maintenance = on }) }

// SetUsageCap answers createTask with code 433 (the key's cap is spent).
func (s *Server) SetUsageCap(on bool) { s.with(func(o *options) { o.usageCap = on }) }

// SetFeatureDisabled answers createTask with code 505.
func (s *Server) SetFeatureDisabled(on bool) { s.with(func(o *options) { o.featureDisabled = on }) }

// SetLegacyUploadField makes uploads answer "fileUrl" instead of
// "downloadUrl".
func (s *Server) SetLegacyUploadField(on bool) { s.with(func(o *options) { o.legacyFileURL = on }) }

// SetHMACKey turns on callback signatures (X-Webhook-Timestamp and
// X-Webhook-Signature), like generating a webhookHmacKey in Kie's settings.
func (s *Server) SetHMACKey(key []byte) {
	s.with(func(o *options) { o.hmacKey = slices.Clone(key) })
}

// SetCallbackTimeout sets the per-delivery timeout (Kie: 15 s).
func (s *Server) SetCallbackTimeout(d time.Duration) {
	s.with(func(o *options) { o.callbackTimeout = d })
}

// SetMaxUploadBytes sets the upload size above which uploads get 400
// (default 100 MiB).
func (s *Server) SetMaxUploadBytes(n int64) { s.with(func(o *options) { o.maxUpload = n }) }

// SetFileTTL sets how long uploads (default 3 days) and results (default
// 14 days) stay on the CDN, on the fake clock.
func (s *Server) SetFileTTL(uploads, results time.Duration) {
	s.with(func(o *options) { o.uploadTTL, o.resultTTL = uploads, results })
}

func (s *Server) with(f func(*options)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.opts)
}

// SetCredits sets the account balance.
func (s *Server) SetCredits(credits float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.balance = toMicro(credits)
}

// Credits returns the account balance.
func (s *Server) Credits() float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fromMicro(s.balance)
}

// notifyLocked wakes every Wait* caller.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// waitUntil blocks until cond (run under the lock) is true or ctx is done.
func (s *Server) waitUntil(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ok, ch := cond(), s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("kietest: wait: %w", context.Cause(ctx))
		case <-ch:
		}
	}
}
