package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// BroadcastState is where a broadcast is; see the broadcasts table in
// migrations/sql/0009_broadcasts.sql.
type BroadcastState string

// Broadcast states.
const (
	BroadcastDraft     BroadcastState = "draft"     // created and validated, not yet previewed
	BroadcastReady     BroadcastState = "ready"     // Telegram accepted it in an admin's chat
	BroadcastSending   BroadcastState = "sending"   // recipients materialised; the leader's sender works through them
	BroadcastPaused    BroadcastState = "paused"    // sending stopped by an admin; Resume goes on
	BroadcastDone      BroadcastState = "done"      // final: every recipient has an outcome
	BroadcastCancelled BroadcastState = "cancelled" // final: stopped for good; pending recipients stay unsent
)

// Final reports whether s ends a broadcast.
func (s BroadcastState) Final() bool { return s == BroadcastDone || s == BroadcastCancelled }

// RecipientState is where one recipient of a broadcast is.
type RecipientState string

// Recipient states.
const (
	RecipientPending    RecipientState = "pending"    // not sent yet
	RecipientAttempting RecipientState = "attempting" // claimed by a sender; the Bot API call may be under way
	RecipientSent       RecipientState = "sent"       // Telegram accepted the message
	RecipientFailed     RecipientState = "failed"     // Telegram refused it for good (400, a chat gone)
	RecipientBlocked    RecipientState = "blocked"    // 403: the user blocked the bot
	RecipientSkipped    RecipientState = "skipped"    // banned or blocked after the broadcast started
	RecipientUnknown    RecipientState = "unknown"    // its sender died mid-attempt: maybe sent, never resent
)

var (
	// ErrBroadcastState: a broadcast transition whose starting state does
	// not hold (it was started, paused or cancelled meanwhile).
	ErrBroadcastState = errors.New("broadcast is not in the required state")
	// ErrBroadcastActive: another broadcast is sending or paused; one at a
	// time shares the bot's sending budget.
	ErrBroadcastActive = errors.New("another broadcast is sending or paused")
)

// Audience chooses a broadcast's recipients: every user the bot knows who
// matches all the set filters (none set: everyone), minus those
// recipientExcluded names.
type Audience struct {
	PayingOnly bool   // users with at least one top-up entry in the ledger
	ActiveDays int    // > 0: users seen (bot_users.last_seen_at) in the last N days
	Language   string // "" any; "ru" or "en": users spoken to in that language
}

// Validate checks the filters' ranges.
func (a Audience) Validate() error {
	switch {
	case a.ActiveDays < 0 || a.ActiveDays > 3650:
		return fmt.Errorf("audience: active days %d: want 0 (any) to 3650", a.ActiveDays)
	case a.Language != "" && a.Language != "ru" && a.Language != "en":
		return fmt.Errorf("audience: language %q: want ru, en or none", a.Language)
	}
	return nil
}

// recipientExcluded is the one rule, over bot_users as u, for who never
// gets a broadcast: users an operator banned, and users who blocked the
// bot (a send got 403) and have not written to it since. It is applied
// when recipients are chosen and again when each is claimed, so a ban or a
// block during a broadcast takes effect before its turn.
const recipientExcluded = `(u.banned_at IS NOT NULL OR (u.blocked_at IS NOT NULL AND u.blocked_at >= u.last_seen_at))`

// audienceWhere is the condition over bot_users u (bot id in $1) choosing
// a's recipients; its own arguments are numbered from $next.
func audienceWhere(a Audience, next int) (string, []any) {
	conds := []string{`u.bot_id = $1`, `NOT ` + recipientExcluded}
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", next+len(args)-1)
	}
	if a.PayingOnly {
		conds = append(conds, `EXISTS (SELECT 1 FROM ledger_entries e WHERE e.bot_id = u.bot_id AND e.user_id = u.user_id AND e.kind = 'topup')`)
	}
	if a.ActiveDays > 0 {
		conds = append(conds, `u.last_seen_at >= now() - make_interval(days => `+arg(a.ActiveDays)+`::int)`)
	}
	if a.Language != "" {
		conds = append(conds, `u.language = `+arg(a.Language))
	}
	return strings.Join(conds, " AND "), args
}

// NewBroadcast is a draft to store. Content checks that need Telegram's
// rules (HTML, lengths, URLs) are the caller's; the store keeps the shape.
type NewBroadcast struct {
	Text       string // Telegram HTML
	Photo      string // optional: a file_id or URL; Text is then its caption
	ButtonText string // optional URL button: both or neither
	ButtonURL  string
	Audience   Audience
	CreatedBy  int64 // the admin's user id
}

// Broadcast is a stored broadcast.
type Broadcast struct {
	ID                int64
	State             BroadcastState
	Text              string
	Photo             string
	ButtonText        string
	ButtonURL         string
	Audience          Audience
	CreatedBy         int64
	Recipients        int64 // fixed at start
	ProgressChatID    int64 // the admin's message the sender keeps up to date (0: none)
	ProgressMessageID int64
	CreatedAt         time.Time
	PreviewedAt       time.Time // zero until previewed
	StartedAt         time.Time // zero until started
	FinishedAt        time.Time // zero until done or cancelled
}

const broadcastColumns = `id, state, text, photo, button_text, button_url, paying_only, active_days, language, created_by,
	recipients, progress_chat_id, progress_message_id, created_at, previewed_at, started_at, finished_at`

func scanBroadcast(row pgx.CollectableRow) (Broadcast, error) {
	var b Broadcast
	var previewed, started, finished *time.Time
	err := row.Scan(&b.ID, &b.State, &b.Text, &b.Photo, &b.ButtonText, &b.ButtonURL,
		&b.Audience.PayingOnly, &b.Audience.ActiveDays, &b.Audience.Language, &b.CreatedBy,
		&b.Recipients, &b.ProgressChatID, &b.ProgressMessageID, &b.CreatedAt, &previewed, &started, &finished)
	for _, p := range []struct{ src, dst *time.Time }{{previewed, &b.PreviewedAt}, {started, &b.StartedAt}, {finished, &b.FinishedAt}} {
		if p.src != nil {
			*p.dst = *p.src
		}
	}
	return b, err
}

// CreateBroadcast stores a draft.
func (q *queries) CreateBroadcast(ctx context.Context, nb NewBroadcast) (Broadcast, error) {
	switch {
	case strings.TrimSpace(nb.Text) == "":
		return Broadcast{}, errors.New("create broadcast: empty text")
	case (nb.ButtonText == "") != (nb.ButtonURL == ""):
		return Broadcast{}, errors.New("create broadcast: a button needs both a text and a URL")
	}
	if err := nb.Audience.Validate(); err != nil {
		return Broadcast{}, fmt.Errorf("create broadcast: %w", err)
	}
	a := nb.Audience
	rows, err := q.db.Query(ctx, `
		INSERT INTO broadcasts (bot_id, text, photo, button_text, button_url, paying_only, active_days, language, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		RETURNING `+broadcastColumns,
		q.botID, nb.Text, nb.Photo, nb.ButtonText, nb.ButtonURL, a.PayingOnly, a.ActiveDays, a.Language, nb.CreatedBy)
	if err != nil {
		return Broadcast{}, fmt.Errorf("create broadcast: %w", interpret(err))
	}
	b, err := pgx.CollectExactlyOneRow(rows, scanBroadcast)
	if err != nil {
		return Broadcast{}, fmt.Errorf("create broadcast: %w", interpret(err))
	}
	return b, nil
}

// Broadcast loads one broadcast.
func (q *queries) Broadcast(ctx context.Context, id int64) (Broadcast, error) {
	b, err := q.broadcastWhere(ctx, `id = $2`, id)
	if err != nil {
		return Broadcast{}, fmt.Errorf("load broadcast %d: %w", id, err)
	}
	return b, nil
}

// ActiveBroadcast is the broadcast sending or paused, if any (ErrNotFound).
func (q *queries) ActiveBroadcast(ctx context.Context) (Broadcast, error) {
	b, err := q.broadcastWhere(ctx, `state IN ('sending', 'paused') ORDER BY id LIMIT 1`)
	if err != nil {
		return Broadcast{}, fmt.Errorf("load the active broadcast: %w", err)
	}
	return b, nil
}

// RecentBroadcasts returns the newest n broadcasts, newest first.
func (q *queries) RecentBroadcasts(ctx context.Context, n int) ([]Broadcast, error) {
	rows, err := q.db.Query(ctx, `SELECT `+broadcastColumns+` FROM broadcasts WHERE bot_id = $1 ORDER BY id DESC LIMIT $2`, q.botID, n)
	if err != nil {
		return nil, fmt.Errorf("list broadcasts: %w", interpret(err))
	}
	out, err := pgx.CollectRows(rows, scanBroadcast)
	if err != nil {
		return nil, fmt.Errorf("list broadcasts: %w", interpret(err))
	}
	return out, nil
}

func (q *queries) broadcastWhere(ctx context.Context, cond string, args ...any) (Broadcast, error) {
	rows, err := q.db.Query(ctx, `SELECT `+broadcastColumns+` FROM broadcasts WHERE bot_id = $1 AND `+cond, append([]any{q.botID}, args...)...)
	if err != nil {
		return Broadcast{}, interpret(err)
	}
	b, err := pgx.CollectExactlyOneRow(rows, scanBroadcast)
	return b, interpret(err)
}

// CountAudience is how many users a broadcast to a would reach now.
func (q *queries) CountAudience(ctx context.Context, a Audience) (int64, error) {
	if err := a.Validate(); err != nil {
		return 0, err
	}
	where, args := audienceWhere(a, 2)
	var n int64
	if err := q.db.QueryRow(ctx, `SELECT count(*) FROM bot_users u WHERE `+where, append([]any{q.botID}, args...)...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count broadcast audience: %w", interpret(err))
	}
	return n, nil
}

// MarkBroadcastPreviewed records that Telegram accepted the broadcast in
// an admin's chat: draft (or ready, previewed again) → ready.
func (q *queries) MarkBroadcastPreviewed(ctx context.Context, id int64) (Broadcast, error) {
	return q.moveBroadcast(ctx, id, "mark broadcast previewed", `state = 'ready', previewed_at = now()`, BroadcastDraft, BroadcastReady)
}

// ProgressRef is a message of an admin's the sender edits with progress.
type ProgressRef struct {
	ChatID    int64
	MessageID int64
}

// StartBroadcast moves a ready broadcast to sending and writes one row
// per recipient — its audience as of now, minus recipientExcluded — in a
// single statement, in one transaction (a savepoint inside a caller's).
// Another broadcast sending or paused gives ErrBroadcastActive; a
// broadcast not ready gives ErrBroadcastState. Nothing is written then.
func (q *queries) StartBroadcast(ctx context.Context, id int64, progress ProgressRef) (Broadcast, error) {
	var b Broadcast
	err := q.atomic(ctx, func(q *queries) error {
		cur, err := q.broadcastWhere(ctx, `id = $2 FOR UPDATE`, id)
		if err != nil {
			return err
		}
		if cur.State != BroadcastReady {
			return fmt.Errorf("state %s: %w", cur.State, ErrBroadcastState)
		}
		where, args := audienceWhere(cur.Audience, 3)
		tag, err := q.db.Exec(ctx, `
			INSERT INTO broadcast_recipients (bot_id, broadcast_id, user_id, chat_id)
			SELECT u.bot_id, $2, u.user_id, u.chat_id FROM bot_users u WHERE `+where,
			append([]any{q.botID, id}, args...)...)
		if err != nil {
			return fmt.Errorf("choose recipients: %w", interpret(err))
		}
		rows, err := q.db.Query(ctx, `
			UPDATE broadcasts SET state = 'sending', started_at = now(), recipients = $3,
			       progress_chat_id = $4, progress_message_id = $5
			 WHERE bot_id = $1 AND id = $2
			RETURNING `+broadcastColumns, q.botID, id, tag.RowsAffected(), progress.ChatID, progress.MessageID)
		if err == nil {
			b, err = pgx.CollectExactlyOneRow(rows, scanBroadcast)
		}
		return activeConflict(err)
	})
	if err != nil {
		return Broadcast{}, fmt.Errorf("start broadcast %d: %w", id, err)
	}
	return b, nil
}

// activeConflict names the one-active-broadcast index's violation.
func activeConflict(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.ConstraintName == "broadcasts_one_active" {
		return ErrBroadcastActive
	}
	return interpret(err)
}

// PauseBroadcast: sending → paused. The sender learns of it when it next
// records an outcome (RecordRecipient) and claims no more.
func (q *queries) PauseBroadcast(ctx context.Context, id int64) (Broadcast, error) {
	return q.moveBroadcast(ctx, id, "pause broadcast", `state = 'paused'`, BroadcastSending)
}

// ResumeBroadcast: paused → sending.
func (q *queries) ResumeBroadcast(ctx context.Context, id int64) (Broadcast, error) {
	return q.moveBroadcast(ctx, id, "resume broadcast", `state = 'sending'`, BroadcastPaused)
}

// CancelBroadcast ends an unfinished broadcast for good; recipients not
// yet sent stay pending (counted as left) and are never sent.
func (q *queries) CancelBroadcast(ctx context.Context, id int64) (Broadcast, error) {
	return q.moveBroadcast(ctx, id, "cancel broadcast", `state = 'cancelled', finished_at = now()`,
		BroadcastDraft, BroadcastReady, BroadcastSending, BroadcastPaused)
}

// SetBroadcastProgress names the admin message the sender keeps up to
// date (ChatID 0: none).
func (q *queries) SetBroadcastProgress(ctx context.Context, id int64, progress ProgressRef) error {
	tag, err := q.db.Exec(ctx, `UPDATE broadcasts SET progress_chat_id = $3, progress_message_id = $4 WHERE bot_id = $1 AND id = $2`,
		q.botID, id, progress.ChatID, progress.MessageID)
	if err != nil {
		return fmt.Errorf("set progress message of broadcast %d: %w", id, interpret(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("set progress message of broadcast %d: %w", id, ErrNotFound)
	}
	return nil
}

// FinishBroadcast marks a sending broadcast done once none of its
// recipients is pending or attempting; done reports whether it did.
func (q *queries) FinishBroadcast(ctx context.Context, id int64) (done bool, err error) {
	tag, err := q.db.Exec(ctx, `
		UPDATE broadcasts b SET state = 'done', finished_at = now()
		 WHERE b.bot_id = $1 AND b.id = $2 AND b.state = 'sending'
		   AND NOT EXISTS (SELECT 1 FROM broadcast_recipients r
		                    WHERE r.bot_id = $1 AND r.broadcast_id = $2 AND r.state IN ('pending', 'attempting'))`,
		q.botID, id)
	if err != nil {
		return false, fmt.Errorf("finish broadcast %d: %w", id, interpret(err))
	}
	return tag.RowsAffected() == 1, nil
}

// moveBroadcast runs a compare-and-set UPDATE from one of the states in
// from; a miss is ErrNotFound or ErrBroadcastState.
func (q *queries) moveBroadcast(ctx context.Context, id int64, what, set string, from ...BroadcastState) (Broadcast, error) {
	states := make([]string, len(from))
	for i, s := range from {
		states[i] = string(s)
	}
	rows, err := q.db.Query(ctx, `UPDATE broadcasts SET `+set+` WHERE bot_id = $1 AND id = $2 AND state = ANY($3) RETURNING `+broadcastColumns,
		q.botID, id, states)
	if err != nil {
		return Broadcast{}, fmt.Errorf("%s %d: %w", what, id, activeConflict(err))
	}
	b, err := pgx.CollectExactlyOneRow(rows, scanBroadcast)
	if err == nil {
		return b, nil
	}
	if err = activeConflict(err); !errors.Is(err, ErrNotFound) {
		return Broadcast{}, fmt.Errorf("%s %d: %w", what, id, err)
	}
	cur, err := q.Broadcast(ctx, id)
	if err != nil {
		return Broadcast{}, fmt.Errorf("%s: %w", what, err)
	}
	return Broadcast{}, fmt.Errorf("%s %d (state %s): %w", what, id, cur.State, ErrBroadcastState)
}

// BroadcastCounts is how many recipients of a broadcast are in each state.
type BroadcastCounts struct {
	Pending, Attempting, Sent, Failed, Blocked, Skipped, Unknown int64
}

// Total is every recipient.
func (c BroadcastCounts) Total() int64 {
	return c.Pending + c.Attempting + c.Sent + c.Failed + c.Blocked + c.Skipped + c.Unknown
}

// Left is the recipients without an outcome yet.
func (c BroadcastCounts) Left() int64 { return c.Pending + c.Attempting }

// recipientStates are every RecipientState, in their lifecycle's order.
var recipientStates = []RecipientState{RecipientPending, RecipientAttempting, RecipientSent, RecipientFailed,
	RecipientBlocked, RecipientSkipped, RecipientUnknown}

// count is the field counting state (nil for a state that does not exist).
func (c *BroadcastCounts) count(state RecipientState) *int64 {
	switch state {
	case RecipientPending:
		return &c.Pending
	case RecipientAttempting:
		return &c.Attempting
	case RecipientSent:
		return &c.Sent
	case RecipientFailed:
		return &c.Failed
	case RecipientBlocked:
		return &c.Blocked
	case RecipientSkipped:
		return &c.Skipped
	case RecipientUnknown:
		return &c.Unknown
	}
	return nil
}

// ByState lists the counts under their state names (for metrics).
func (c BroadcastCounts) ByState() map[RecipientState]int64 {
	out := make(map[RecipientState]int64, len(recipientStates))
	for _, s := range recipientStates {
		out[s] = *c.count(s)
	}
	return out
}

// BroadcastCounts counts a broadcast's recipients by state.
func (q *queries) BroadcastCounts(ctx context.Context, id int64) (BroadcastCounts, error) {
	rows, err := q.db.Query(ctx, `SELECT state, count(*) FROM broadcast_recipients WHERE bot_id = $1 AND broadcast_id = $2 GROUP BY state`, q.botID, id)
	if err != nil {
		return BroadcastCounts{}, fmt.Errorf("count recipients of broadcast %d: %w", id, interpret(err))
	}
	defer rows.Close()
	var c BroadcastCounts
	for rows.Next() {
		var state RecipientState
		var n int64
		if err := rows.Scan(&state, &n); err != nil {
			return BroadcastCounts{}, fmt.Errorf("count recipients of broadcast %d: %w", id, err)
		}
		if p := c.count(state); p != nil {
			*p = n
		}
	}
	if err := rows.Err(); err != nil {
		return BroadcastCounts{}, fmt.Errorf("count recipients of broadcast %d: %w", id, err)
	}
	return c, nil
}

// Recipient is one claimed recipient.
type Recipient struct {
	UserID   int64
	ChatID   int64
	Attempts int // sends tried so far, this one included
}

// ClaimRecipients moves up to limit pending recipients of a sending
// broadcast to attempting for the term epoch, in user id order, and
// commits that before any is sent: a recipient is claimed by one sender
// only (SKIP LOCKED), and a claim only succeeds while epoch is the
// current lease's, so a sender of an ended term claims nothing. Recipients
// banned or blocked since the start are marked skipped instead (counted
// in skipped, not returned). Nothing claimed and nothing skipped means
// the broadcast is not sending, the term is over, or no one is pending.
func (q *queries) ClaimRecipients(ctx context.Context, broadcastID, epoch int64, limit int) (claimed []Recipient, skipped int, err error) {
	rows, err := q.db.Query(ctx, `
		WITH live AS (
			SELECT 1 FROM broadcasts b
			 WHERE b.bot_id = $1 AND b.id = $2 AND b.state = 'sending'
			   AND EXISTS (SELECT 1 FROM leader_leases l WHERE l.bot_id = $1 AND l.epoch = $3)
			   FOR SHARE OF b
		), picked AS (
			SELECT r.user_id FROM broadcast_recipients r
			 WHERE r.bot_id = $1 AND r.broadcast_id = $2 AND r.state = 'pending' AND EXISTS (SELECT 1 FROM live)
			 ORDER BY r.user_id LIMIT $4
			   FOR UPDATE OF r SKIP LOCKED
		)
		UPDATE broadcast_recipients r
		   SET state = CASE WHEN `+recipientExcluded+` THEN 'skipped' ELSE 'attempting' END,
		       attempts = r.attempts + CASE WHEN `+recipientExcluded+` THEN 0 ELSE 1 END,
		       claimed_epoch = $3, updated_at = now()
		  FROM picked p, bot_users u
		 WHERE r.bot_id = $1 AND r.broadcast_id = $2 AND r.user_id = p.user_id
		   AND u.bot_id = $1 AND u.user_id = r.user_id
		RETURNING r.user_id, r.chat_id, r.state, r.attempts`, q.botID, broadcastID, epoch, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("claim recipients of broadcast %d: %w", broadcastID, interpret(err))
	}
	defer rows.Close()
	for rows.Next() {
		var r Recipient
		var state RecipientState
		if err := rows.Scan(&r.UserID, &r.ChatID, &state, &r.Attempts); err != nil {
			return nil, 0, fmt.Errorf("claim recipients of broadcast %d: %w", broadcastID, err)
		}
		if state == RecipientSkipped {
			skipped++
			continue
		}
		claimed = append(claimed, r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("claim recipients of broadcast %d: %w", broadcastID, interpret(err))
	}
	// RETURNING order is not guaranteed; senders go in user id order.
	slices.SortFunc(claimed, func(a, b Recipient) int { return cmp.Compare(a.UserID, b.UserID) })
	return claimed, skipped, nil
}

// RecordRecipient writes the outcome of a claimed recipient's send: sent,
// failed, blocked (which also marks the user as having blocked the bot, so
// later broadcasts skip them), unknown, or pending again (a failure that
// certainly sent nothing, to be retried; the attempt still counts). It
// changes nothing unless the recipient is still attempting under epoch,
// and ErrBroadcastState says so: the term's claim was taken over. It
// returns the broadcast's state as of the same statement, so a sender
// learns of a pause or a cancel before its next send without asking.
func (q *queries) RecordRecipient(ctx context.Context, broadcastID, epoch, userID int64, state RecipientState, detail string) (BroadcastState, error) {
	switch state {
	case RecipientSent, RecipientFailed, RecipientBlocked, RecipientUnknown, RecipientPending:
	default:
		return "", fmt.Errorf("record recipient %d of broadcast %d: %q is not an outcome", userID, broadcastID, state)
	}
	var n int
	var now BroadcastState
	err := q.db.QueryRow(ctx, `
		WITH r AS (
			UPDATE broadcast_recipients SET state = $5, error = $6, updated_at = now()
			 WHERE bot_id = $1 AND broadcast_id = $2 AND user_id = $3 AND state = 'attempting' AND claimed_epoch = $4
			RETURNING user_id
		), blocked AS (
			UPDATE bot_users u SET blocked_at = now() FROM r
			 WHERE $5 = 'blocked' AND u.bot_id = $1 AND u.user_id = r.user_id
		)
		SELECT (SELECT count(*) FROM r), coalesce((SELECT state FROM broadcasts WHERE bot_id = $1 AND id = $2), '')`,
		q.botID, broadcastID, userID, epoch, state, cutText(detail, 500)).Scan(&n, &now)
	if err != nil {
		return "", fmt.Errorf("record recipient %d of broadcast %d as %s: %w", userID, broadcastID, state, interpret(err))
	}
	if n == 0 {
		return now, fmt.Errorf("record recipient %d of broadcast %d as %s: no longer attempting in term %d: %w", userID, broadcastID, state, epoch, ErrBroadcastState)
	}
	return now, nil
}

// ReleaseRecipients gives claimed recipients the sender did not try back
// to pending (their attempt is not counted): a pause, a 429 or the end of
// the term came first.
func (q *queries) ReleaseRecipients(ctx context.Context, broadcastID, epoch int64, userIDs []int64) error {
	if len(userIDs) == 0 {
		return nil
	}
	_, err := q.db.Exec(ctx, `
		UPDATE broadcast_recipients SET state = 'pending', attempts = attempts - 1, updated_at = now()
		 WHERE bot_id = $1 AND broadcast_id = $2 AND user_id = ANY($4) AND state = 'attempting' AND claimed_epoch = $3`,
		q.botID, broadcastID, epoch, userIDs)
	if err != nil {
		return fmt.Errorf("release %d recipients of broadcast %d: %w", len(userIDs), broadcastID, interpret(err))
	}
	return nil
}

// AbandonAttempts marks unknown every recipient an earlier term than epoch
// left attempting: its sender stopped without recording what happened,
// so the message may have gone out, and it is never sent again. Call it
// when a term's sender starts. It returns how many it marked.
func (q *queries) AbandonAttempts(ctx context.Context, epoch int64) (int64, error) {
	tag, err := q.db.Exec(ctx, `
		UPDATE broadcast_recipients
		   SET state = 'unknown', error = 'the sender of term ' || claimed_epoch || ' stopped before recording the outcome', updated_at = now()
		 WHERE bot_id = $1 AND state = 'attempting' AND claimed_epoch < $2`, q.botID, epoch)
	if err != nil {
		return 0, fmt.Errorf("abandon attempts of terms before %d: %w", epoch, interpret(err))
	}
	return tag.RowsAffected(), nil
}

// cutText bounds free text stored for operators, keeping it valid UTF-8
// without NULs (which PostgreSQL text refuses).
func cutText(s string, n int) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, ""), "\x00", "")
	if len(s) <= n {
		return s
	}
	cut := s[:n]
	for !utf8.ValidString(cut) {
		cut = cut[:len(cut)-1]
	}
	return cut + "…"
}
