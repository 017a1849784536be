package telegramtest

import (
	"context"
	"strings"
)

// Hold stops the bot's calls of one method at the door, so a test can act
// while a call is in flight (a user pays while the bot's refundStarPayment
// is on its way, say) without sleeping. A held call has been counted in
// Calls and its parameters read, but it has not yet taken an injected error
// nor been handled: InjectError while it waits decides its fate. Each call
// waits until Release lets it through (one call per count, in any order)
// or Open lets every call through; a call whose client gives up, or a
// server that closes, ends the wait without an answer.
//
// Waiting and Arrived change with events, so Server.WaitFor sees them.
type Hold struct {
	b      *Bot
	method string // lower case

	// Guarded by the server's lock.
	arrived, waiting int
	tokens           int
	open             bool
	wake             chan struct{} // closed on Release and Open; nil until a call waits
}

// Hold starts holding calls of method (matched case-insensitively). Holding
// a method already held returns the same Hold.
func (b *Bot) Hold(method string) *Hold {
	s := b.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.ToLower(method)
	if h := b.holds[key]; h != nil {
		return h
	}
	h := &Hold{b: b, method: key}
	b.holds[key] = h
	return h
}

// Arrived is how many calls have reached the hold so far.
func (h *Hold) Arrived() int {
	h.b.srv.mu.Lock()
	defer h.b.srv.mu.Unlock()
	return h.arrived
}

// Waiting is how many calls wait at the hold now.
func (h *Hold) Waiting() int {
	h.b.srv.mu.Lock()
	defer h.b.srv.mu.Unlock()
	return h.waiting
}

// Release lets n calls through: waiting ones first, then later arrivals.
func (h *Hold) Release(n int) {
	s := h.b.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	h.tokens += n
	h.wakeLocked()
}

// Open lets every call through from now on and stops holding the method.
func (h *Hold) Open() {
	s := h.b.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	h.open = true
	if h.b.holds[h.method] == h {
		delete(h.b.holds, h.method)
	}
	h.wakeLocked()
}

func (h *Hold) wakeLocked() {
	if h.wake != nil {
		close(h.wake)
		h.wake = nil
	}
}

// pass waits at the hold; it reports whether the call may go on. s.mu must
// be held; it is held again on return.
func (h *Hold) pass(ctx context.Context) bool {
	s := h.b.srv
	h.arrived++
	h.waiting++
	s.notifyLocked(Event{Kind: EventHeld, BotID: h.b.id, Method: h.method})
	defer func() {
		h.waiting--
		s.notifyLocked(Event{Kind: EventHeld, BotID: h.b.id, Method: h.method})
	}()
	for {
		switch {
		case h.open:
			return true
		case h.tokens > 0:
			h.tokens--
			return true
		case s.closed:
			return false
		}
		if h.wake == nil {
			h.wake = make(chan struct{})
		}
		wake := h.wake
		s.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done(): // the client gave up, or Close cancelled every request
			s.mu.Lock()
			return false
		}
		s.mu.Lock()
	}
}
