package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// StepWrites are the writes that finish one update: who wrote, the
// conversation's new state, the update's processed mark and the Bot API
// calls it decided, plus the deletion of calls already made.
type StepWrites struct {
	// Unstored, if set, is the update itself, not yet in the inbox: its
	// row is inserted already processed (or, if the poller stored it
	// meanwhile, marked processed), so no update reaches the inbox twice
	// and the common case writes one inbox row instead of an insert and
	// an update in two transactions.
	Unstored  *InboxUpdate
	Source    string // with Unstored: "poll"
	UpdateID  int64
	UserID    int64
	Touch     *SeenUser // record the sender (first contact, new name)
	SaveState bool
	State     string
	Data      []byte
	Ops       [][]byte
	SentOps   []int64 // outbox ids already sent, deleted here rather than one round trip each
	// CheckVersion makes SaveState conditional: the state is saved only if
	// the conversation is still at Version, the version the caller read
	// (NoConversation: it read none); otherwise the step fails with
	// ErrConflict and writes nothing. The saved version is Version+1 (0
	// for a new conversation).
	CheckVersion bool
	Version      int64
}

// NoConversation is StepWrites.Version for a conversation that did not
// exist when it was read.
const NoConversation int64 = -1

// CommitStep makes w durable in one round trip: the statements go as one
// pipelined batch, which PostgreSQL runs as a single implicit transaction,
// so they all happen or none does. It fails with ErrNotFound (and writes
// nothing) when the update was already processed. It returns the outbox
// ids of w.Ops, in order.
func (s *Store) CommitStep(ctx context.Context, w StepWrites) ([]int64, error) {
	ids, err := sendStep(ctx, s.pool, s.botID, w)
	if err != nil {
		return nil, fmt.Errorf("commit update %d: %w", w.UpdateID, err)
	}
	return ids, nil
}

// CommitStep is Store.CommitStep inside this transaction (after the
// step's own writes).
func (tx *Tx) CommitStep(ctx context.Context, w StepWrites) ([]int64, error) {
	ids, err := sendStep(ctx, tx.tx, tx.botID, w)
	if err != nil {
		return nil, fmt.Errorf("commit update %d: %w", w.UpdateID, err)
	}
	return ids, nil
}

type batchSender interface {
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// errAlreadyProcessed is raised inside the batch (kiebot_require) so the
// implicit transaction rolls back when the update was processed already.
const errAlreadyProcessed = "kiebot: update already processed"

// errConversationChanged is raised the same way when a conditional
// conversation write finds another version than the one read.
const errConversationChanged = "kiebot: conversation changed since read"

func sendStep(ctx context.Context, db batchSender, botID int64, w StepWrites) ([]int64, error) {
	b := &pgx.Batch{}
	// First, so nothing else is written for an update processed already.
	if u := w.Unstored; u != nil {
		b.Queue(`
			WITH u AS (
				INSERT INTO inbox (bot_id, update_id, user_id, kind, payload, source, processed_at)
				VALUES ($1, $2, $4, $5, $6::jsonb, $7, now())
				ON CONFLICT (bot_id, update_id) DO UPDATE SET processed_at = now() WHERE inbox.processed_at IS NULL
				RETURNING 1
			)
			SELECT kiebot_require((SELECT count(*) FROM u) = 1, $3)`,
			botID, w.UpdateID, errAlreadyProcessed, u.UserID, u.Kind, string(jsonbText(u.Payload)), w.Source)
	} else {
		b.Queue(`
			WITH u AS (
				UPDATE inbox SET processed_at = now()
				 WHERE bot_id = $1 AND update_id = $2 AND processed_at IS NULL RETURNING 1
			)
			SELECT kiebot_require((SELECT count(*) FROM u) = 1, $3)`, botID, w.UpdateID, errAlreadyProcessed)
	}
	if w.Touch != nil {
		u := *w.Touch
		b.Queue(`
			INSERT INTO bot_users (bot_id, user_id, chat_id, first_name, username, language)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (bot_id, user_id) DO UPDATE
			   SET chat_id = EXCLUDED.chat_id, first_name = EXCLUDED.first_name,
			       username = EXCLUDED.username, last_seen_at = now()`,
			botID, u.ID, u.ChatID, boundedText(u.FirstName, maxNameText), boundedText(u.Username, maxNameText), LanguageFor(u.LanguageCode))
	}
	if w.SaveState && w.CheckVersion {
		data := w.Data
		if len(data) == 0 {
			data = []byte("{}")
		}
		if w.Version == NoConversation {
			b.Queue(`
				WITH c AS (
					INSERT INTO conversations (bot_id, user_id, state, data) VALUES ($1, $2, $3, $4)
					ON CONFLICT (bot_id, user_id) DO NOTHING RETURNING 1
				)
				SELECT kiebot_require((SELECT count(*) FROM c) = 1, $5)`,
				botID, w.UserID, w.State, jsonbText(data), errConversationChanged)
		} else {
			b.Queue(`
				WITH c AS (
					UPDATE conversations SET state = $3, data = $4, version = version + 1, updated_at = now()
					 WHERE bot_id = $1 AND user_id = $2 AND version = $5 RETURNING 1
				)
				SELECT kiebot_require((SELECT count(*) FROM c) = 1, $6)`,
				botID, w.UserID, w.State, jsonbText(data), w.Version, errConversationChanged)
		}
	} else if w.SaveState {
		data := w.Data
		if len(data) == 0 {
			data = []byte("{}")
		}
		b.Queue(`
			INSERT INTO conversations (bot_id, user_id, state, data) VALUES ($1, $2, $3, $4)
			ON CONFLICT (bot_id, user_id) DO UPDATE
			   SET state = EXCLUDED.state, data = EXCLUDED.data, version = conversations.version + 1, updated_at = now()`,
			botID, w.UserID, w.State, jsonbText(data))
	}
	if len(w.SentOps) > 0 {
		b.Queue(`DELETE FROM outbox WHERE bot_id = $1 AND id = ANY($2)`, botID, w.SentOps)
	}
	opsAt := -1
	if len(w.Ops) > 0 {
		strs := make([]string, len(w.Ops))
		for i, o := range w.Ops {
			strs[i] = string(jsonbText(o))
		}
		opsAt = b.Len()
		b.Queue(`
			INSERT INTO outbox (bot_id, user_id, op)
			SELECT $1, $2, o.op::jsonb FROM unnest($3::text[]) WITH ORDINALITY AS o(op, ord) ORDER BY o.ord
			RETURNING id`, botID, w.UserID, strs)
	}

	res := db.SendBatch(ctx, b)
	var ids []int64
	var err error
	for i := 0; i < b.Len() && err == nil; i++ {
		if i != opsAt {
			_, err = res.Exec()
			continue
		}
		var rows pgx.Rows
		rows, err = res.Query()
		if err == nil {
			ids, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		}
	}
	if cerr := res.Close(); err == nil {
		err = cerr
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Message == errAlreadyProcessed {
		return nil, ErrNotFound
	}
	if errors.As(err, &pgErr) && pgErr.Message == errConversationChanged {
		return nil, ErrConflict
	}
	if err != nil {
		return nil, interpret(err)
	}
	return ids, nil
}

// LanguageFor is the language a new user starts with, from Telegram's
// language_code: English for English clients, Russian otherwise.
func LanguageFor(code string) string {
	if len(code) >= 2 && code[:2] == "en" {
		return "en"
	}
	return "ru"
}
