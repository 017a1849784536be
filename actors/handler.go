package actors

import (
	"context"
	"encoding/json"

	"github.com/kiebot/kiebot/actors/telegram"

	"github.com/go-telegram/bot/models"

	"github.com/kiebot/kiebot/store"
)

// Session is a user's conversation as the user's actor holds it between
// updates: the FSM state and its data, exactly as persisted.
type Session struct {
	UserID int64
	State  string          // "" before the first update
	Data   json.RawMessage // owned by the handler
}

// Step is what one update does to a conversation. The actor commits it in
// one transaction together with marking the update processed, then makes
// the Bot API calls.
type Step struct {
	State string
	Data  json.RawMessage
	Ops   []telegram.Op
	// Apply, if set, runs in that transaction (ledger entries, jobs, …)
	// and may add ops that depend on what it wrote.
	Apply func(ctx context.Context, tx *store.Tx) ([]telegram.Op, error)
	// AfterCommit, if set, runs once the transaction committed (e.g. to
	// wake the jobs actor).
	AfterCommit func()
}

// UpdateHandler is what a conversation actor runs for each update (the
// shop, say). Handle may read the database and do slow I/O (file
// transfers) but must not write: every write belongs in Step.Apply, so an
// update takes effect exactly once, atomically with being marked processed.
type UpdateHandler interface {
	Handle(ctx context.Context, s Session, upd *models.Update) (Step, error)
	// Apology is what the user is told when their update could not be
	// handled after retries.
	Apology(ctx context.Context, userID int64) []telegram.Op
}

// MoneyClassifier is optionally implemented by an UpdateHandler whose
// updates are not all alike: an update it names is never given up after
// the usual attempts (no apology, no failed mark) but retried with backoff
// until it succeeds — a paid top-up must be credited however long the
// database is out. The engine only asks; what such an update is (a
// payment, a refund) is the handler's business.
type MoneyClassifier interface {
	// MustNotDrop names upd's kind ("successful_payment", say) for logs,
	// metrics and alerts when it must not be dropped, else "".
	MustNotDrop(upd *models.Update) string
}

// StuckFunc is told that an update that must not be dropped has failed
// attempts times in a row (err is the last failure); the shop alerts its
// admins. It is called from the user's actor: it must return promptly.
type StuckFunc func(ctx context.Context, userID, updateID int64, kind string, attempts int, err error)

// PreCheckoutHandler answers Telegram Stars pre-checkout queries, which
// must be answered within 10 s and so never wait behind a user's queue.
type PreCheckoutHandler interface {
	// PreCheckout validates q; it returns "" to accept, else the reason
	// shown to the user.
	PreCheckout(ctx context.Context, q *models.PreCheckoutQuery) (refusal string)
}

// Sender is the person behind upd as the store records them (every step
// touches the user's row, which the conversation row references), or nil
// for an update without one.
func Sender(upd *models.Update) *store.SeenUser {
	from, chat := telegram.Sender(upd)
	if from == nil {
		return nil
	}
	return &store.SeenUser{ID: from.ID, ChatID: chat, FirstName: from.FirstName, Username: from.Username, LanguageCode: from.LanguageCode}
}
