package kietest

import (
	"bytes"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"time"
)

// FaultKind is a failure the fake can inject.
type FaultKind int

// Fault kinds.
const (
	// FaultRateLimit answers {"code":429,"msg":"Rate limit exceeded"}.
	FaultRateLimit FaultKind = iota + 1
	// FaultMaintenance answers code 455.
	FaultMaintenance
	// FaultInsufficientCredits answers {"code":402,"msg":"Credits insufficient"}.
	FaultInsufficientCredits
	// FaultServerError answers {"code":500,"msg":"Internal server error"}.
	FaultServerError
	// FaultHTML500 answers HTTP 500 with an HTML page (a proxy).
	FaultHTML500
	// FaultBadGateway answers HTTP 502 with an HTML page.
	FaultBadGateway
	// FaultGatewayTimeout answers HTTP 504 with an HTML page.
	FaultGatewayTimeout
	// FaultConnReset closes the connection without an answer (TCP RST).
	FaultConnReset
	// FaultDelay holds the answer for Fault.Delay, or until the client
	// gives up (or Close) when Delay is 0: a response slower than the
	// client's timeout.
	FaultDelay
	// FaultMalformedJSON answers HTTP 200 with truncated JSON.
	FaultMalformedJSON
)

func (k FaultKind) String() string {
	switch k {
	case FaultRateLimit:
		return "RateLimit"
	case FaultMaintenance:
		return "Maintenance"
	case FaultInsufficientCredits:
		return "InsufficientCredits"
	case FaultServerError:
		return "ServerError"
	case FaultHTML500:
		return "HTML500"
	case FaultBadGateway:
		return "BadGateway"
	case FaultGatewayTimeout:
		return "GatewayTimeout"
	case FaultConnReset:
		return "ConnReset"
	case FaultDelay:
		return "Delay"
	case FaultMalformedJSON:
		return "MalformedJSON"
	}
	return "FaultKind(" + strconv.Itoa(int(k)) + ")"
}

func (k FaultKind) valid() bool { return k >= FaultRateLimit && k <= FaultMalformedJSON }

// Fault is a scripted failure for the next requests of a route.
type Fault struct {
	// Route to hit; RouteAny hits every API and upload route.
	Route Route
	Kind  FaultKind
	// Count is how many requests it hits (0 means 1, negative means all).
	Count int
	// Delay for FaultDelay (real time; 0 waits for the client to give up).
	Delay time.Duration
	// AfterHandling runs the real handler first — its effects happen, e.g.
	// the task is created and will be billed — then replaces its answer
	// with the fault. This is the "did my createTask go through?" case.
	AfterHandling bool
}

// Inject queues f. Faults are matched in the order injected. It panics on
// an unknown kind.
func (s *Server) Inject(f Fault) {
	if !f.Kind.valid() {
		panic("kietest: Inject with an unknown FaultKind")
	}
	if f.Count == 0 {
		f.Count = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

type randomFaults struct {
	rate  float64
	kinds []FaultKind
}

// SetRandomFaults makes each API or upload request fail with probability
// rate, with a kind drawn from kinds, from a generator seeded with seed (so a
// failing run can be replayed). rate 0 turns it off. Random faults act
// before the handler (no task is created).
func (s *Server) SetRandomFaults(seed uint64, rate float64, kinds ...FaultKind) {
	for _, k := range kinds {
		if !k.valid() {
			panic("kietest: SetRandomFaults with an unknown FaultKind")
		}
	}
	if rate > 0 && len(kinds) == 0 {
		panic("kietest: SetRandomFaults needs at least one kind")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faultRand = rand.New(rand.NewPCG(seed, 4))
	s.random = randomFaults{rate: rate, kinds: append([]FaultKind(nil), kinds...)}
}

func (s *Server) takeFaultLocked(route Route) *Fault {
	if route == RouteUnknown {
		return nil
	}
	for i, f := range s.faults {
		if f.Route != RouteAny && f.Route != route {
			continue
		}
		hit := *f
		if f.Count > 0 {
			f.Count--
			if f.Count == 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
		}
		return &hit
	}
	if s.random.rate > 0 && s.faultRand.Float64() < s.random.rate {
		k := s.random.kinds[s.faultRand.IntN(len(s.random.kinds))]
		return &Fault{Route: route, Kind: k}
	}
	return nil
}

// applyFault answers r with f, running handle first when f.AfterHandling.
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, f Fault, handle func(http.ResponseWriter, *http.Request)) {
	var rec *httptest.ResponseRecorder
	if f.AfterHandling {
		rec = httptest.NewRecorder()
		handle(rec, r)
	}
	switch f.Kind {
	case FaultRateLimit:
		s.writeEnvelope(w, r, 429, "Rate limit exceeded", nil)
	case FaultMaintenance:
		s.writeEnvelope(w, r, 455, "The service is under maintenance, please try again later", nil)
	case FaultInsufficientCredits:
		s.writeEnvelope(w, r, 402, "Credits insufficient", nil)
	case FaultServerError:
		s.writeEnvelope(w, r, 500, "Internal server error", nil)
	case FaultHTML500, FaultBadGateway, FaultGatewayTimeout:
		status := 500
		if f.Kind == FaultBadGateway {
			status = 502
		} else if f.Kind == FaultGatewayTimeout {
			status = 504
		}
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		_, _ = w.Write(fmtPage(status))
	case FaultMalformedJSON:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"code":200,"msg":"success","data":{"taskId":"`))
	case FaultConnReset:
		resetConn(w)
	case FaultDelay:
		var timeout <-chan time.Time
		if f.Delay > 0 {
			t := time.NewTimer(f.Delay)
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-timeout:
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		}
		if rec != nil {
			copyRecorded(w, rec)
		} else {
			handle(w, r)
		}
	}
}

func fmtPage(status int) []byte {
	var b bytes.Buffer
	text := http.StatusText(status)
	b.WriteString("<html><head><title>")
	b.WriteString(text)
	b.WriteString("</title></head><body><h1>")
	b.WriteString(text)
	b.WriteString("</h1><hr>nginx</body></html>\n")
	return b.Bytes()
}

func copyRecorded(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// resetConn drops the connection with an RST, so the client sees
// "connection reset by peer" rather than a clean EOF.
func resetConn(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("kietest: ResponseWriter cannot hijack")
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}
