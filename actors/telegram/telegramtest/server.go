package telegramtest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrServerClosed is returned by waits that can no longer be satisfied because
// Close was called.
var ErrServerClosed = errors.New("telegramtest: server closed")

// Options tune a Server. Set them between NewUnstartedServer and Start; zero
// values take the defaults noted on each field.
type Options struct {
	// AutoRegister makes the server accept any well-formed token
	// ("<digits>:<secret>") on its first request, as if AddBot had been
	// called. Default false: an unknown token gets 401 Unauthorized, exactly
	// as from Telegram, so tests of a fatal 401 need no setup.
	AutoRegister bool

	// OverlapGrace bounds how long a getUpdates request that a newer one has
	// superseded may still turn out to have been abandoned by its client
	// before it is answered 409 and counted as an overlap. A client's
	// disconnect reaches the server asynchronously, so without a grace a
	// poller that was cancelled a moment before its successor started could
	// be reported as overlapping. Default 50ms; negative means no grace.
	OverlapGrace time.Duration

	// WebhookRetryMin and WebhookRetryMax bound the exponential backoff
	// between webhook delivery attempts of one update. Defaults 10ms and 1s.
	WebhookRetryMin time.Duration
	WebhookRetryMax time.Duration
	// WebhookMaxAttempts is how many times one update is offered to the
	// webhook before the fake gives up and drops it, as Telegram "gives up
	// after a reasonable amount of attempts". Default 20.
	WebhookMaxAttempts int
	// WebhookTimeout bounds one delivery attempt. Default 10s.
	WebhookTimeout time.Duration

	// PreCheckoutTimeout is how long the bot has to answer a pre_checkout_query.
	// Default 10s, Telegram's deadline.
	PreCheckoutTimeout time.Duration

	// FetchTimeout bounds fetching a file the bot sends by URL. Default 10s.
	FetchTimeout time.Duration

	// StrictImages refuses photos whose bytes are not a decodable JPEG, PNG
	// or GIF with 400 IMAGE_PROCESS_FAILED, as Telegram does. Default false,
	// so tests may send placeholder bytes; decodable images are always
	// checked against Telegram's dimension rules.
	StrictImages bool

	// CloseTimeout bounds how long Close waits for in-flight requests before
	// closing their connections (and logging it). Default 5s.
	CloseTimeout time.Duration

	// Logger receives the fake's diagnostics. Default: discarded.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	o.OverlapGrace = cmp.Or(o.OverlapGrace, 50*time.Millisecond)
	o.WebhookRetryMin = cmp.Or(o.WebhookRetryMin, 10*time.Millisecond)
	o.WebhookRetryMax = cmp.Or(o.WebhookRetryMax, time.Second)
	o.WebhookMaxAttempts = cmp.Or(o.WebhookMaxAttempts, 20)
	o.WebhookTimeout = cmp.Or(o.WebhookTimeout, 10*time.Second)
	o.PreCheckoutTimeout = cmp.Or(o.PreCheckoutTimeout, 10*time.Second)
	o.FetchTimeout = cmp.Or(o.FetchTimeout, 10*time.Second)
	o.CloseTimeout = cmp.Or(o.CloseTimeout, 5*time.Second)
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return o
}

// Server is a fake Telegram Bot API: a real HTTP server on a loopback port
// that serves any number of bots, each with its own update queue, chats and
// records. Its zero value is not usable; call NewServer or NewUnstartedServer.
type Server struct {
	// URL is the server's base URL, "http://127.0.0.1:port", without a
	// trailing slash. Give it to bot.WithServerURL. Set by Start.
	URL string

	// Options may be changed until Start.
	Options Options

	opts       Options // resolved at Start
	listener   net.Listener
	httpServer *http.Server
	transport  *http.Transport // fetches files by URL and delivers webhooks
	client     *http.Client
	baseCtx    context.Context // parent of every request and delivery; cancelled by Close
	cancelBase context.CancelFunc
	serveDone  chan struct{}
	workers    sync.WaitGroup // webhook deliverers
	closeOnce  sync.Once

	mu       sync.Mutex
	started  bool
	closed   bool
	bots     map[string]*Bot
	botOrder []*Bot
	changed  chan struct{} // closed on the next change; nil until someone waits
	seq      uint64        // event sequence
	subs     map[*Subscription]struct{}
}

// NewServer starts and returns a new Server. The caller should call Close
// when finished, to shut it down.
func NewServer() *Server {
	s := NewUnstartedServer()
	s.Start()
	return s
}

// NewUnstartedServer returns a new Server listening on a loopback port but
// not yet serving, so Options can be adjusted. Call Start when ready and
// Close when finished.
func NewUnstartedServer() *Server {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		if l, err = net.Listen("tcp6", "[::1]:0"); err != nil {
			panic(fmt.Sprintf("telegramtest: failed to listen on a port: %v", err))
		}
	}
	return &Server{
		listener:  l,
		bots:      map[string]*Bot{},
		subs:      map[*Subscription]struct{}{},
		serveDone: make(chan struct{}),
	}
}

// Start starts a server from NewUnstartedServer. Starting twice panics.
func (s *Server) Start() {
	s.mu.Lock()
	if s.started {
		s.mu.Unlock()
		panic("telegramtest: server already started")
	}
	if s.closed {
		s.mu.Unlock()
		panic("telegramtest: server already closed")
	}
	s.started = true
	s.opts = s.Options.withDefaults()
	s.baseCtx, s.cancelBase = context.WithCancel(context.Background())
	s.transport = &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     30 * time.Second,
	}
	s.client = &http.Client{
		Transport: s.transport,
		// A webhook answering with a redirect is an error for Telegram.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	s.URL = "http://" + s.listener.Addr().String()
	s.httpServer = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return s.baseCtx },
		ErrorLog:          slog.NewLogLogger(s.opts.Logger.Handler(), slog.LevelDebug),
	}
	s.mu.Unlock()
	go func() {
		defer close(s.serveDone)
		if err := s.httpServer.Serve(s.listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.opts.Logger.Error("telegramtest: serve", "err", err)
		}
	}()
}

// Close shuts the server down: pending long polls are released with an empty
// result, webhook deliveries and URL fetches are aborted, and Close waits for
// in-flight requests (at most Options.CloseTimeout, then their connections
// are closed) and for the delivery goroutines. It is safe to call more than
// once and before Start.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		started := s.started
		for _, b := range s.botOrder {
			b.stopWebhookLocked()
		}
		s.notifyLocked(Event{Kind: EventClosed})
		for sub := range s.subs {
			sub.wakeLocked()
		}
		s.mu.Unlock()
		if !started {
			_ = s.listener.Close()
			return
		}
		// Cancelling the base context releases long polls and aborts
		// deliveries and URL fetches; then Shutdown waits for handlers.
		s.cancelBase()
		ctx, cancel := context.WithTimeout(context.Background(), s.opts.CloseTimeout)
		defer cancel()
		if err := s.httpServer.Shutdown(ctx); err != nil {
			s.opts.Logger.Warn("telegramtest: requests still running at close; closing their connections", "err", err)
			_ = s.httpServer.Close()
		}
		<-s.serveDone
		// Bounded without a timer: deliverers return as soon as the base
		// context is cancelled, which also aborts their in-flight POSTs.
		s.workers.Wait()
		s.transport.CloseIdleConnections()
	})
}

// AddBot registers a bot token and returns its handle; registering a token
// again returns the same handle. A token must look like Telegram's,
// "<digits>:<secret>"; a malformed one panics.
func (s *Server) AddBot(token string) *Bot {
	id, ok := parseToken(token)
	if !ok {
		panic(fmt.Sprintf("telegramtest: malformed bot token %q: want <digits>:<secret>", token))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addBotLocked(token, id)
}

func (s *Server) addBotLocked(token string, id int64) *Bot {
	if b, ok := s.bots[token]; ok {
		return b
	}
	b := newBot(s, token, id)
	s.bots[token] = b
	s.botOrder = append(s.botOrder, b)
	return b
}

// Bot returns the handle of a registered token, or nil.
func (s *Server) Bot(token string) *Bot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bots[token]
}

// Bots returns every registered bot in registration order.
func (s *Server) Bots() []*Bot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Bot(nil), s.botOrder...)
}

// lookupBot finds the bot for a request, registering it when AutoRegister
// allows; nil means 401.
func (s *Server) lookupBot(token string) *Bot {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b, ok := s.bots[token]; ok {
		return b
	}
	if !s.opts.AutoRegister {
		return nil
	}
	id, ok := parseToken(token)
	if !ok {
		return nil
	}
	return s.addBotLocked(token, id)
}

// parseToken checks the shape "<digits>:<secret>" and returns the bot id.
func parseToken(token string) (int64, bool) {
	idPart, secret, ok := strings.Cut(token, ":")
	if !ok || idPart == "" || secret == "" {
		return 0, false
	}
	for _, r := range secret {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return 0, false
		}
	}
	id, err := strconv.ParseInt(idPart, 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, true
}

// ServeHTTP answers Bot API requests at /bot{token}/{method} and file
// downloads at /file/bot{token}/{file_path}.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if rest, ok := strings.CutPrefix(r.URL.Path, "/file/bot"); ok {
		s.serveFile(w, r, rest)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	if !ok {
		writeError(w, notFound())
		return
	}
	token, method, _ := strings.Cut(rest, "/")
	b := s.lookupBot(token)
	if b == nil {
		writeError(w, unauthorized())
		return
	}
	b.serveMethod(w, r, method)
}

func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, rest string) {
	token, path, _ := strings.Cut(rest, "/")
	b := s.lookupBot(token)
	if b == nil {
		writeError(w, unauthorized())
		return
	}
	s.mu.Lock()
	f := b.paths[path]
	s.mu.Unlock()
	if f == nil || f.size > maxDownloadBytes {
		writeError(w, notFound())
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(f.data)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(f.data)
	}
}
