package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/go-telegram/bot/models"
)

// queuedUpdate is an update waiting for confirmation, kept as the JSON the
// bot will receive so getUpdates only concatenates bytes.
type queuedUpdate struct {
	id   int64
	kind string
	raw  []byte
}

// updateQueue holds unconfirmed updates in ascending update_id order.
// Confirming drops a prefix found by binary search, so the getUpdates path
// costs O(log n + batch) however long the queue is.
type updateQueue struct {
	items []queuedUpdate
}

func (q *updateQueue) len() int { return len(q.items) }

func (q *updateQueue) push(u queuedUpdate) { q.items = append(q.items, u) }

// confirm forgets every update whose id is below offset.
func (q *updateQueue) confirm(offset int64) {
	q.drop(sort.Search(len(q.items), func(i int) bool { return q.items[i].id >= offset }))
}

// keepLast implements a negative offset: only the last n updates survive.
func (q *updateQueue) keepLast(n int) {
	if len(q.items) > n {
		q.drop(len(q.items) - n)
	}
}

func (q *updateQueue) drop(n int) {
	if n <= 0 {
		return
	}
	clear(q.items[:n]) // let the collector have the JSON; the array is reallocated by later appends
	q.items = q.items[n:]
	if len(q.items) == 0 {
		q.items = nil
	}
}

func (q *updateQueue) head(limit int) []queuedUpdate {
	return q.items[:min(limit, len(q.items))]
}

func (q *updateQueue) clear() { q.items = nil }

// Telegram's default when allowed_updates was never given (or given empty):
// every update type except these.
func defaultAllowed(kind string) bool {
	switch kind {
	case models.AllowedUpdateChatMember, models.AllowedUpdateMessageReaction, models.AllowedUpdateMessageReactionCount:
		return false
	}
	return true
}

func (b *Bot) allowsLocked(kind string) bool {
	if b.allowed == nil {
		return defaultAllowed(kind)
	}
	return b.allowed[kind]
}

// setAllowedLocked applies an allowed_updates parameter. It affects only
// updates created afterwards, as with Telegram.
func (b *Bot) setAllowedLocked(kinds []string) {
	if len(kinds) == 0 {
		b.allowed = nil
		return
	}
	b.allowed = make(map[string]bool, len(kinds))
	for _, k := range kinds {
		b.allowed[k] = true
	}
}

// enqueueLocked assigns the next update_id (or keeps a larger one the test
// chose), queues the update unless allowed_updates filters it out, and wakes
// long polls and the webhook deliverer. It returns the id and whether the
// update was queued.
func (b *Bot) enqueueLocked(u *models.Update) (int64, bool) {
	if u.ID <= b.lastUpdateID {
		u.ID = b.lastUpdateID + 1
	}
	b.lastUpdateID = u.ID
	kind := updateKind(u)
	if !b.allowsLocked(kind) {
		return u.ID, false
	}
	b.pushLocked(queuedUpdate{id: u.ID, kind: kind, raw: encodeUpdate(u)})
	return u.ID, true
}

func (b *Bot) pushLocked(u queuedUpdate) {
	b.updates.push(u)
	if b.wake != nil {
		close(b.wake)
		b.wake = nil
	}
	b.srv.notifyLocked(Event{Kind: EventUpdate, BotID: b.id, UpdateID: u.id})
}

func (b *Bot) wakeLocked() <-chan struct{} {
	if b.wake == nil {
		b.wake = make(chan struct{})
	}
	return b.wake
}

// SendUpdate queues an arbitrary update for the bot, as if Telegram had
// produced it. A zero ID (or one not above the last) gets the next id; a
// larger ID is kept, and later ids continue from it (Telegram's ids jump
// after a quiet week). It returns the id and whether allowed_updates let the
// update through.
func (b *Bot) SendUpdate(u models.Update) (int64, bool) {
	b.srv.mu.Lock()
	defer b.srv.mu.Unlock()
	return b.enqueueLocked(&u)
}

// SendRawUpdate queues an update given as JSON, for fields the models
// package does not cover. update_id follows SendUpdate's rules; the update's
// type is its first field other than update_id.
func (b *Bot) SendRawUpdate(raw []byte) (int64, bool, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return 0, false, fmt.Errorf("decode raw update: %w", err)
	}
	var id int64
	if v, ok := fields["update_id"]; ok {
		if err := json.Unmarshal(v, &id); err != nil {
			return 0, false, fmt.Errorf("decode raw update_id: %w", err)
		}
	}
	kind := ""
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // {
		return 0, false, fmt.Errorf("decode raw update: %w", err)
	}
	for dec.More() && kind == "" {
		t, err := dec.Token()
		if err != nil {
			return 0, false, fmt.Errorf("decode raw update: %w", err)
		}
		if key, _ := t.(string); key != "update_id" {
			kind = key
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return 0, false, fmt.Errorf("decode raw update: %w", err)
		}
	}
	if kind == "" {
		return 0, false, errors.New("raw update has no content field")
	}
	b.srv.mu.Lock()
	defer b.srv.mu.Unlock()
	if id <= b.lastUpdateID {
		id = b.lastUpdateID + 1
	}
	b.lastUpdateID = id
	if !b.allowsLocked(kind) {
		return id, false, nil
	}
	fields["update_id"] = json.RawMessage(fmt.Sprint(id))
	enc, err := json.Marshal(fields)
	if err != nil {
		return 0, false, fmt.Errorf("encode raw update: %w", err)
	}
	b.pushLocked(queuedUpdate{id: id, kind: kind, raw: enc})
	return id, true, nil
}

func updateKind(u *models.Update) string {
	switch {
	case u.Message != nil:
		return models.AllowedUpdateMessage
	case u.EditedMessage != nil:
		return models.AllowedUpdateEditedMessage
	case u.ChannelPost != nil:
		return models.AllowedUpdateChannelPost
	case u.EditedChannelPost != nil:
		return models.AllowedUpdateEditedChannelPost
	case u.BusinessConnection != nil:
		return models.AllowedUpdateBusinessConnection
	case u.BusinessMessage != nil:
		return models.AllowedUpdateBusinessMessage
	case u.EditedBusinessMessage != nil:
		return models.AllowedUpdateEditedBusinessMessage
	case u.DeletedBusinessMessages != nil:
		return models.AllowedUpdateDeletedBusinessMessages
	case u.MessageReaction != nil:
		return models.AllowedUpdateMessageReaction
	case u.MessageReactionCount != nil:
		return models.AllowedUpdateMessageReactionCount
	case u.InlineQuery != nil:
		return models.AllowedUpdateInlineQuery
	case u.ChosenInlineResult != nil:
		return models.AllowedUpdateChosenInlineResult
	case u.CallbackQuery != nil:
		return models.AllowedUpdateCallbackQuery
	case u.ShippingQuery != nil:
		return models.AllowedUpdateShippingQuery
	case u.PreCheckoutQuery != nil:
		return models.AllowedUpdatePreCheckoutQuery
	case u.PurchasedPaidMedia != nil:
		return models.AllowedUpdatePurchasedPaidMedia
	case u.Poll != nil:
		return models.AllowedUpdatePoll
	case u.PollAnswer != nil:
		return models.AllowedUpdatePollAnswer
	case u.MyChatMember != nil:
		return models.AllowedUpdateMyChatMember
	case u.ChatMember != nil:
		return models.AllowedUpdateChatMember
	case u.ChatJoinRequest != nil:
		return models.AllowedUpdateChatJoinRequest
	case u.ChatBoost != nil:
		return models.AllowedUpdateChatBoost
	case u.RemovedChatBoost != nil:
		return models.AllowedUpdateRemovedChatBoost
	}
	return ""
}

// PollRecord is one getUpdates request as the fake saw it.
type PollRecord struct {
	Seq       int // 1 for the bot's first getUpdates
	Start     time.Time
	End       time.Time // zero while in flight
	Offset    int64     // as sent; 0 when omitted
	OffsetSet bool
	Limit     int
	Timeout   int // seconds
	// Results is how many updates were returned; FirstUpdateID and
	// LastUpdateID bound them.
	Results       int
	FirstUpdateID int64
	LastUpdateID  int64
	// Status is the HTTP status answered (0 while in flight, or when the
	// client went away first); Description is the error text.
	Status      int
	Description string
	// Superseded: a newer getUpdates (or setWebhook) ended this one.
	Superseded bool
	// ClientGone: the client disconnected before an answer.
	ClientGone bool
}

// InFlight reports whether the request had not ended when the record was read.
func (r PollRecord) InFlight() bool { return r.End.IsZero() }

// pollRequest is a getUpdates handler that registered itself as in flight.
type pollRequest struct {
	rec        *PollRecord
	superseded chan struct{} // closed when a newer request (or setWebhook) ends this one
	byWebhook  bool          // superseded by setWebhook rather than getUpdates
}

func (r *PollRecord) finish(status int, description string) {
	r.End = time.Now()
	r.Status = status
	r.Description = description
}

// logPollLocked records a getUpdates answered by an injected error.
func (b *Bot) logPollLocked(p *params, e *apiError) {
	rec := b.newPollRecordLocked(p)
	rec.finish(e.code, e.description)
}

func (b *Bot) newPollRecordLocked(p *params) *PollRecord {
	rec := &PollRecord{Seq: len(b.polls) + 1, Start: time.Now()}
	if p != nil {
		rec.Offset, rec.OffsetSet, _ = p.int64("offset")
		rec.Limit, _ = p.int("limit")
		rec.Timeout, _ = p.int("timeout")
	}
	b.polls = append(b.polls, rec)
	return rec
}

// supersedeLocked ends every in-flight getUpdates: the requests answer 409.
func (b *Bot) supersedeLocked(byWebhook bool) {
	for _, old := range b.inflight {
		old.rec.Superseded = true
		old.byWebhook = byWebhook
		close(old.superseded)
	}
	clear(b.inflight)
	b.inflight = b.inflight[:0]
}

func (b *Bot) removeInflightLocked(req *pollRequest) {
	if i := slices.Index(b.inflight, req); i >= 0 {
		b.inflight = slices.Delete(b.inflight, i, i+1)
	}
}

func (b *Bot) handleGetUpdates(c *call) response {
	s := b.srv
	offset, offsetSet, err := c.p.int64("offset")
	if err != nil {
		return fail(err)
	}
	limit, err := c.p.int("limit")
	if err != nil {
		return fail(err)
	}
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, err := c.p.int("timeout")
	if err != nil {
		return fail(err)
	}
	timeout = max(timeout, 0)
	var allowed []string
	hasAllowed, jerr := c.p.json("allowed_updates", &allowed)
	if jerr != nil {
		return fail(badRequest("can't parse allowed_updates JSON array"))
	}

	s.mu.Lock()
	rec := b.newPollRecordLocked(c.p)
	if b.hook.url != "" {
		rec.finish(409, descConflictWebhook)
		s.mu.Unlock()
		return fail(conflict(descConflictWebhook))
	}
	if hasAllowed {
		b.setAllowedLocked(allowed)
	}
	// Telegram keeps one getUpdates per bot: a newer request ends the older.
	b.supersedeLocked(false)
	req := &pollRequest{rec: rec, superseded: make(chan struct{})}
	b.inflight = append(b.inflight, req)
	switch {
	case offsetSet && offset < 0:
		b.updates.keepLast(int(-offset))
	case offsetSet:
		b.updates.confirm(offset)
	}

	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	timedOut := false
	ctx := c.r.Context()
	for {
		if rec.Superseded {
			s.mu.Unlock()
			return b.answerSuperseded(ctx, req)
		}
		batch := b.updates.head(limit)
		if len(batch) > 0 || timeout == 0 || timedOut || s.closed {
			// Unregister before answering: the client cannot send its next
			// request before it has this answer, so the two never overlap.
			b.removeInflightLocked(req)
			raw := encodeBatch(batch)
			rec.Results = len(batch)
			if len(batch) > 0 {
				rec.FirstUpdateID, rec.LastUpdateID = batch[0].id, batch[len(batch)-1].id
			}
			rec.finish(200, "")
			s.mu.Unlock()
			return response{raw: raw}
		}
		if timer == nil {
			timer = time.NewTimer(time.Duration(timeout) * time.Second)
			s.notifyLocked(Event{Kind: EventPollWaiting, BotID: b.id})
		}
		wake := b.wakeLocked()
		s.mu.Unlock()
		select {
		case <-wake:
		case <-req.superseded:
		case <-timer.C:
			timedOut = true
		case <-ctx.Done():
			s.mu.Lock()
			if !rec.Superseded && s.closed {
				continue // Close releases the poll with what there is
			}
			if !rec.Superseded {
				b.removeInflightLocked(req)
				rec.ClientGone = true
				rec.End = time.Now()
				s.mu.Unlock()
				return response{gone: true}
			}
			s.mu.Unlock()
			return b.answerSuperseded(ctx, req)
		}
		s.mu.Lock()
	}
}

// answerSuperseded ends a getUpdates that a newer request superseded. Its
// client may already have gone (a cancelled poller whose disconnect the
// server has not seen yet): that is not an overlap, so wait up to
// OverlapGrace for the disconnect before answering 409 and counting one.
func (b *Bot) answerSuperseded(ctx context.Context, req *pollRequest) response {
	s := b.srv
	if req.byWebhook {
		s.mu.Lock()
		req.rec.finish(409, descConflictSetWebhook)
		s.mu.Unlock()
		return fail(conflict(descConflictSetWebhook))
	}
	gone := false
	if grace := s.opts.OverlapGrace; grace > 0 {
		t := time.NewTimer(grace)
		select {
		case <-ctx.Done():
			gone = !s.isClosed()
		case <-t.C:
		}
		t.Stop()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if gone {
		req.rec.ClientGone = true
		req.rec.End = time.Now()
		return response{gone: true}
	}
	b.overlaps++
	req.rec.finish(409, descConflictPoll)
	return fail(conflict(descConflictPoll))
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func encodeBatch(batch []queuedUpdate) []byte {
	n := 2
	for _, u := range batch {
		n += len(u.raw) + 1
	}
	out := make([]byte, 0, n)
	out = append(out, '[')
	for i, u := range batch {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, u.raw...)
	}
	return append(out, ']')
}

// Polls returns the bot's getUpdates log, oldest first.
func (b *Bot) Polls() []PollRecord {
	b.srv.mu.Lock()
	defer b.srv.mu.Unlock()
	out := make([]PollRecord, len(b.polls))
	for i, r := range b.polls {
		out[i] = *r
	}
	return out
}

// FirstPollAfter returns the first getUpdates that started after t.
func (b *Bot) FirstPollAfter(t time.Time) (PollRecord, bool) {
	b.srv.mu.Lock()
	defer b.srv.mu.Unlock()
	i := sort.Search(len(b.polls), func(i int) bool { return b.polls[i].Start.After(t) })
	if i == len(b.polls) {
		return PollRecord{}, false
	}
	return *b.polls[i], true
}

// Overlaps counts getUpdates requests answered 409 because a newer one
// arrived while they were in flight: each is a moment when two pollers ran.
func (b *Bot) Overlaps() int {
	b.srv.mu.Lock()
	defer b.srv.mu.Unlock()
	return b.overlaps
}

// PollsInFlight is the number of getUpdates requests currently waiting
// (0 or 1 unless pollers overlap).
func (b *Bot) PollsInFlight() int {
	b.srv.mu.Lock()
	defer b.srv.mu.Unlock()
	return len(b.inflight)
}

// PendingUpdates is the number of queued, unconfirmed updates.
func (b *Bot) PendingUpdates() int {
	b.srv.mu.Lock()
	defer b.srv.mu.Unlock()
	return b.updates.len()
}

// LastUpdateID is the id of the newest update created for the bot.
func (b *Bot) LastUpdateID() int64 {
	b.srv.mu.Lock()
	defer b.srv.mu.Unlock()
	return b.lastUpdateID
}
