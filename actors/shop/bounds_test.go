package shop

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors/actorstest"
	"github.com/kiebot/kiebot/actors/telegram"

	"github.com/kiebot/kiebot/actors/telegram/telegramtest"
	"github.com/kiebot/kiebot/kie"
	"github.com/kiebot/kiebot/kie/kietest"
	"github.com/kiebot/kiebot/pricing"
	"github.com/kiebot/kiebot/store"
)

// seedUser records c's user with balance kopecks, as their first update
// would.
func (s *shop) seedUser(ctx context.Context, c *client, balance int64) {
	s.T.Helper()
	if _, _, err := s.st.TouchUser(ctx, store.SeenUser{ID: c.u.ID(), ChatID: c.u.ID(), FirstName: "U", LanguageCode: "en"}); err != nil {
		s.T.Fatal(err)
	}
	if _, err := s.st.Credit(ctx, store.CreditParams{UserID: c.u.ID(), Kind: store.KindAdjustment, Amount: balance, Key: fmt.Sprintf("seed:%d", c.u.ID())}); err != nil {
		s.T.Fatal(err)
	}
}

// seedJob writes a paid z-image job of c's straight into the store,
// running Kie's task taskID, as a leader that went away left it; with
// results it is finished too (succeeded, undelivered).
func (s *shop) seedJob(ctx context.Context, c *client, key, taskID string, results ...string) store.Job {
	s.T.Helper()
	j, _, err := s.st.CreateJob(ctx, store.NewJob{
		UserID: c.u.ID(), ChatID: c.u.ID(), ModelID: "z-image", Category: "text_to_image", Output: "image",
		Params: map[string]string{"prompt": testPrompt}, PriceKopecks: 100, IdempotencyKey: key, Deadline: time.Now().Add(time.Hour),
	})
	if err != nil {
		s.T.Fatal(err)
	}
	if err := s.st.MarkSubmitting(ctx, j.ID); err != nil {
		s.T.Fatal(err)
	}
	if err := s.st.MarkRunning(ctx, j.ID, taskID); err != nil {
		s.T.Fatal(err)
	}
	if len(results) > 0 {
		if j, err = s.st.FinishJob(ctx, store.FinishParams{JobID: j.ID, Outcome: store.JobSucceeded, ResultURLs: results}); err != nil {
			s.T.Fatal(err)
		}
	}
	return j
}

// A new leader finds a job whose first of three results was delivered
// (and recorded) before the old one stopped: it sends the other two only.
func TestShopDeliveryResumesAfterTheLastRecordedResult(t *testing.T) {
	t.Parallel()
	s := newShop(t, shopOptions{})
	ctx := actorstest.Context(t, 60*time.Second)
	c := s.newClient(ctx, "Ann", "en")
	s.seedUser(ctx, c, 10_00)
	var urls []string
	for i := range 3 {
		urls = append(urls, s.kie.PutFile(fmt.Sprintf("r/resume-%d.png", i), testPNG(), "image/png"))
	}
	j := s.seedJob(ctx, c, "resume", "task-resume", urls...)
	if err := s.st.MarkResultDone(ctx, j.ID, 0, false); err != nil {
		t.Fatal(err)
	}
	s.startShop("a", shopOptions{})
	s.waitSettled(ctx)
	if n := c.countSent(isMedia); n != 2 {
		t.Fatalf("%d results sent, want the 2 not delivered before\n%s", n, c.transcript())
	}
	for _, m := range s.Bot.Sent(c.u.ID()) {
		if isMedia(m) && m.Caption != "" {
			t.Fatalf("the first result's caption went with a later one: %q", m.Caption)
		}
	}
	if got, _ := s.st.Job(ctx, j.ID); got.ResultsDelivered != 3 || got.ResultsLost != 0 {
		t.Fatalf("job records %d results done, %d lost", got.ResultsDelivered, got.ResultsLost)
	}
	s.checkBooks(ctx)
}

// gatedHost is a result host whose GETs wait for the test: it counts
// those in flight and the most seen at once. HEAD says every file is
// 6 MB, more than Telegram fetches by URL for a photo, so each result is
// streamed through the shop's upload path.
type gatedHost struct {
	*httptest.Server
	tokens   chan struct{}
	openOnce sync.Once

	mu               sync.Mutex
	inflight, most   int
	served           int
	changed          chan struct{}
	body             []byte
	declaredHeadSize int
}

func newGatedHost(t *testing.T, body []byte) *gatedHost {
	h := &gatedHost{tokens: make(chan struct{}, 1000), changed: make(chan struct{}), body: body, declaredHeadSize: 6 << 20}
	h.Server = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.Close)
	return h
}

// open lets every GET go from now on (register it as a cleanup after the
// instance starts, so a failing test does not leave the instance waiting).
func (h *gatedHost) open() { h.openOnce.Do(func() { close(h.tokens) }) }

func (h *gatedHost) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodHead {
		w.Header().Set("Content-Length", strconv.Itoa(h.declaredHeadSize))
		w.Header().Set("Content-Type", "image/png")
		return
	}
	h.update(func() {
		h.inflight++
		h.most = max(h.most, h.inflight)
	})
	defer h.update(func() { h.inflight--; h.served++ })
	select {
	case <-h.tokens:
	case <-r.Context().Done():
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Length", strconv.Itoa(len(h.body)))
	_, _ = w.Write(h.body)
}

func (h *gatedHost) update(f func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f()
	close(h.changed)
	h.changed = make(chan struct{})
}

// waitFor waits until cond holds of (in flight, most at once, served).
func (h *gatedHost) waitFor(ctx context.Context, cond func(inflight, most, served int) bool) error {
	for {
		h.mu.Lock()
		ok, ch := cond(h.inflight, h.most, h.served), h.changed
		h.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Ten results to upload at once, two upload slots: never more than two
// are fetched from Kie's host (and streamed to Telegram) at a time, and
// all ten arrive, each as a photo.
func TestShopUploadsAreBounded(t *testing.T) {
	t.Parallel()
	const deliveries, slots = 10, 2
	s := newShop(t, shopOptions{maxUploads: slots})
	ctx := actorstest.Context(t, 60*time.Second)
	host := newGatedHost(t, testPNG())
	var clients []*client
	for i := range deliveries {
		c := s.newClient(ctx, fmt.Sprintf("U%d", i), "en")
		s.seedUser(ctx, c, 10_00)
		s.seedJob(ctx, c, fmt.Sprintf("up-%d", i), fmt.Sprintf("task-up-%d", i), fmt.Sprintf("%s/r/%d.png", host.URL, i))
		clients = append(clients, c)
	}
	s.startShop("a", shopOptions{})
	t.Cleanup(host.open)
	for released := 0; released < deliveries; released++ {
		// As many as there are slots wait at the host (fewer at the end)…
		want := min(slots, deliveries-released)
		err := host.waitFor(ctx, func(inflight, most, served int) bool {
			return most > slots || (served == released && inflight == want)
		})
		if err != nil {
			t.Fatalf("after %d released: %v", released, err)
		}
		if host.most > slots {
			t.Fatalf("%d uploads in flight at once, want at most %d", host.most, slots)
		}
		// …then one goes.
		host.tokens <- struct{}{}
	}
	s.waitSettled(ctx)
	if host.most != slots {
		t.Fatalf("%d uploads in flight at once, want exactly %d", host.most, slots)
	}
	for _, c := range clients {
		if n := c.countSent(func(m telegramtest.Message) bool { return len(m.Photo) > 0 }); n != 1 {
			t.Fatalf("user %d got %d photos\n%s", c.u.ID(), n, c.transcript())
		}
	}
	s.checkBooks(ctx)
}

// 200 unfinished jobs, the follower cap at its default of 64: only the 64
// oldest are followed (their tasks polled) until some end; as they do the
// next oldest are picked up, and every job ends settled and delivered.
func TestShopFollowersAreBounded(t *testing.T) {
	// Not parallel: 200 jobs keep the database busy, and run alone before
	// the parallel tests they would slow down (the chaos test has a budget).
	const jobs, capped = 200, 64
	s := newShop(t, shopOptions{sweepEvery: 20 * time.Millisecond, pollMax: time.Second})
	ctx := actorstest.Context(t, 120*time.Second)
	s.kie.SetScript("z-image", kietest.Script{Outcome: kietest.Stuck})
	kc := s.kieClient(slog.New(slog.DiscardHandler))
	c := s.newClient(ctx, "Ann", "en")
	s.seedUser(ctx, c, jobs*100)
	tasks := make([]string, jobs) // by job, oldest first
	errs := make([]error, jobs)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < jobs; i += 8 {
				created, err := kc.CreateTask(ctx, kie.CreateTaskRequest{Model: "z-image", Input: map[string]any{"prompt": testPrompt}})
				if err == nil {
					tasks[i] = created.TaskID
				}
				errs[i] = err
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	for i, task := range tasks {
		s.seedJob(ctx, c, fmt.Sprintf("follow-%d", i), task)
	}
	s.kie.ResetRequests()
	s.startShop("a", shopOptions{})

	polls := func() map[string]int {
		n := map[string]int{}
		for _, r := range s.kie.Requests() {
			if r.Route == kietest.RouteRecordInfo && r.TaskID != "" { // "": still being handled
				n[r.TaskID]++
			}
		}
		return n
	}
	done := map[string]bool{}
	for start := 0; start < jobs; start += capped {
		batch := tasks[start:min(start+capped, jobs)]
		// Every task of the batch is polled a few times…
		err := waitUntil(ctx, func() (bool, error) {
			n := polls()
			return !slices.ContainsFunc(batch, func(id string) bool { return n[id] < 3 }), nil
		})
		if err != nil {
			t.Fatalf("batch from %d: not all polled: %v", start, err)
		}
		// …and no task after it, meanwhile: those jobs had no follower.
		for id, n := range polls() {
			if !done[id] && !slices.Contains(batch, id) {
				t.Fatalf("batch from %d: task %s of a later job polled %d times: more than %d followers", start, id, n, capped)
			}
		}
		for _, id := range batch {
			s.kie.CompleteTask(id)
			done[id] = true
		}
		s.kie.ResetRequests() // keeps each look at the log cheap
	}
	js := s.waitSettled(ctx)
	if len(js) != jobs {
		t.Fatalf("%d jobs", len(js))
	}
	for _, j := range js {
		if j.State != string(store.JobSucceeded) {
			t.Fatalf("job %+v", j)
		}
	}
	s.checkBooks(ctx)
}

// The client for Kie's result hosts gives up on a redirect loop, a
// redirect to another scheme, an endless body and a host that never
// answers, each within its bound.
func TestResultFetchIsBounded(t *testing.T) {
	t.Parallel()
	var redirects int
	var mu sync.Mutex
	mux := http.NewServeMux()
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		redirects++
		mu.Unlock()
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	mux.HandleFunc("/elsewhere", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "ftp://example.com/r.png", http.StatusFound)
	})
	mux.HandleFunc("/endless", func(w http.ResponseWriter, r *http.Request) {
		chunk := make([]byte, 32<<10)
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/silent", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("png")) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	// Nothing but the fetch is used here; the rest only has to be there.
	jobs := func(l FetchLimits) *Jobs {
		return NewJobs(JobsConfig{Store: &store.Store{}, Kie: &kie.Client{}, Telegram: &telegram.Client{}, Registry: pricing.Default(),
			Logger: slog.New(slog.DiscardHandler), Fetch: l})
	}
	j, impatient := jobs(FetchLimits{}), jobs(FetchLimits{HeaderTimeout: time.Second})
	ctx := actorstest.Context(t, 30*time.Second)
	readWith := func(j *Jobs, path string, limit int64) (int64, error) {
		body, err := j.openResult(ctx, srv.URL+path, limit)
		if err != nil {
			return 0, err
		}
		defer body.Close()
		n, err := io.Copy(io.Discard, body)
		if body.over.Load() && !errors.Is(err, errResultTooBig) {
			t.Errorf("%s: over the limit, but read ended with %v", path, err)
		}
		return n, err
	}
	read := func(path string, limit int64) (int64, error) { return readWith(j, path, limit) }

	if _, err := read("/loop", 1<<20); !errors.Is(err, errTooManyRedirects) {
		t.Errorf("redirect loop: %v", err)
	}
	mu.Lock()
	if redirects != 4 { // the first request and three redirects
		t.Errorf("redirect loop: %d requests, want 4", redirects)
	}
	mu.Unlock()
	if _, err := read("/elsewhere", 1<<20); !errors.Is(err, errBadScheme) {
		t.Errorf("redirect to ftp: %v", err)
	}
	if _, err := j.openResult(ctx, "file:///etc/passwd", 1<<20); !errors.Is(err, errBadScheme) {
		t.Errorf("file URL: %v", err)
	}
	if n, err := read("/endless", 1<<20); !errors.Is(err, errResultTooBig) || n != 1<<20 {
		t.Errorf("endless body: read %d bytes, %v; want the 1 MB limit and errResultTooBig", n, err)
	}
	if _, err := readWith(impatient, "/silent", 1<<20); err == nil || !strings.Contains(err.Error(), "timeout") {
		t.Errorf("silent host: %v, want a header timeout", err)
	}
	if n, err := read("/ok", 1<<20); err != nil || n != 3 {
		t.Errorf("a small result: %d bytes, %v", n, err)
	}
	if j.fetch.MaxRedirects != 3 || j.fetch.Timeout != 2*time.Minute || j.fetch.MaxBytes != otherUpload || cap(j.uploads) != 4 || j.cfg.MaxFollowers != 64 {
		t.Errorf("defaults: %+v, %d upload slots, %d followers", j.fetch, cap(j.uploads), j.cfg.MaxFollowers)
	}
}
