package telegramtest

import (
	"context"
	"time"
)

// EventKind says what an Event reports.
type EventKind string

// The kinds of Event.
const (
	// EventRequest: the bot's Bot API request was answered (Method, Status;
	// ChatID and MessageID where the method concerns a message).
	EventRequest EventKind = "request"
	// EventPollWaiting: a getUpdates request found nothing and is now
	// long-polling; tests use it to know a poller is parked.
	EventPollWaiting EventKind = "poll_waiting"
	// EventUpdate: an update was queued for the bot (UpdateID), by a user
	// action or SendUpdate.
	EventUpdate EventKind = "update"
	// EventWebhookAttempt: one webhook delivery attempt finished (UpdateID,
	// Status; Status 0 means a transport error).
	EventWebhookAttempt EventKind = "webhook_attempt"
	// EventHeld: a call arrived at, or left, a Hold (Method).
	EventHeld EventKind = "held"
	// EventClosed: the server is closing.
	EventClosed EventKind = "closed"
)

// Event is one thing that happened on the server, in server order.
type Event struct {
	Seq       uint64
	Time      time.Time
	Kind      EventKind
	BotID     int64 // the numeric prefix of the bot's token
	Method    string
	Status    int
	ChatID    int64
	MessageID int
	UpdateID  int64
}

// notifyLocked records that state changed: it wakes WaitFor callers and
// queues ev for subscribers. s.mu must be held.
func (s *Server) notifyLocked(ev Event) {
	s.seq++
	ev.Seq = s.seq
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	if s.changed != nil {
		close(s.changed)
		s.changed = nil
	}
	for sub := range s.subs {
		sub.queue = append(sub.queue, ev)
		sub.wakeLocked()
	}
}

func (s *Server) changedLocked() <-chan struct{} {
	if s.changed == nil {
		s.changed = make(chan struct{})
	}
	return s.changed
}

// WaitFor blocks until cond returns true, re-evaluating it after every change
// on the server (every answered request, queued update, poll or webhook
// attempt), so tests never sleep. cond runs without the server's lock held and
// may call any accessor. WaitFor returns ctx's error if ctx ends first, and
// ErrServerClosed if the server closes while cond is false.
func (s *Server) WaitFor(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		ch := s.changedLocked()
		closed := s.closed
		s.mu.Unlock()
		if cond() {
			return nil
		}
		if closed {
			return ErrServerClosed
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// WaitMessage waits until a message sent by any bot to chatID satisfies
// match, and returns the first such message (oldest first, in its current
// version). With several bots, prefer Bot.WaitMessage.
func (s *Server) WaitMessage(ctx context.Context, chatID int64, match func(Message) bool) (Message, error) {
	var found Message
	err := s.WaitFor(ctx, func() bool {
		for _, b := range s.Bots() {
			if m, ok := b.findSent(chatID, match); ok {
				found = m
				return true
			}
		}
		return false
	})
	return found, err
}

// Subscription receives every Event from the moment Subscribe returned, in
// order, without ever blocking the server: events queue until read.
type Subscription struct {
	s      *Server
	queue  []Event       // guarded by s.mu
	closed bool          // guarded by s.mu
	signal chan struct{} // one slot: "queue may be non-empty"
}

// Subscribe starts a Subscription; Close it when done.
func (s *Server) Subscribe() *Subscription {
	sub := &Subscription{s: s, signal: make(chan struct{}, 1)}
	s.mu.Lock()
	s.subs[sub] = struct{}{}
	s.mu.Unlock()
	return sub
}

func (sub *Subscription) wakeLocked() {
	select {
	case sub.signal <- struct{}{}:
	default:
	}
}

// Next returns the next event, waiting for one if needed. After the server
// closes, queued events are still returned, then ErrServerClosed.
func (sub *Subscription) Next(ctx context.Context) (Event, error) {
	for {
		sub.s.mu.Lock()
		if len(sub.queue) > 0 {
			ev := sub.queue[0]
			sub.queue[0] = Event{}
			sub.queue = sub.queue[1:]
			sub.s.mu.Unlock()
			return ev, nil
		}
		closed := sub.closed || sub.s.closed
		sub.s.mu.Unlock()
		if closed {
			return Event{}, ErrServerClosed
		}
		select {
		case <-sub.signal:
		case <-ctx.Done():
			return Event{}, ctx.Err()
		}
	}
}

// Close stops the subscription; Next then returns ErrServerClosed.
func (sub *Subscription) Close() {
	sub.s.mu.Lock()
	defer sub.s.mu.Unlock()
	delete(sub.s.subs, sub)
	sub.closed = true
	sub.queue = nil
	sub.wakeLocked()
}
