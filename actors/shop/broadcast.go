package shop

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/kiebot/kiebot/actors/telegram"

	"github.com/go-telegram/bot"

	"github.com/kiebot/kiebot/fsm"
	"github.com/kiebot/kiebot/store"
)

// BroadcastsConfig configures broadcasts: the API the operator console
// (and a web panel) calls on any instance, and the sender that runs on
// the leader.
type BroadcastsConfig struct {
	Store    *store.Store
	Telegram *telegram.Client
	Logger   *slog.Logger
	// Auditor records each admin action in the action's own transaction;
	// nil: the audit log (admin_actions), as the console's changes are.
	Auditor Auditor
	// Rate is the sender's pace in messages per second, progress edits
	// included; default 25, below Telegram's ~30 per second for a bot.
	Rate float64
	// BatchSize is how many recipients the sender claims at a time. A
	// sender that dies mid-batch leaves at most that many unknown; default
	// 10.
	BatchSize int
	// ProgressEvery spaces the sender's edits of the admin's progress
	// message (there is always one at the end); default 5 s.
	ProgressEvery time.Duration
	// CheckEvery is how often an idle sender looks for a broadcast started
	// on another instance (one started here wakes it at once); default 2 s.
	CheckEvery time.Duration
	// SendTimeout bounds one Bot API call; default 15 s.
	SendTimeout time.Duration
	// Now is the clock progress edits are spaced by; default time.Now.
	Now func() time.Time
}

// Broadcasts sends one message to many users without sending anyone the
// same broadcast twice, across failovers and restarts.
//
// The API (Create, Preview, CountRecipients, Start, Pause, Resume, Cancel,
// Progress, Get, List) runs on any instance and leaves every decision in
// the database; the console is expected to walk an admin through create →
// preview (Telegram itself checks the HTML in the admin's chat, so a
// broken tag is caught there, not after 10,000 sends) → confirm with
// CountRecipients → Start. Start refuses a broadcast that was not
// previewed.
//
// Run is the sender, a leader-only term worker; see broadcast_sender.go.
type Broadcasts struct {
	cfg  BroadcastsConfig
	log  *slog.Logger
	wake chan struct{} // one slot: Start or Resume on this instance

	hooks senderHooks // tests only
}

// NewBroadcasts validates cfg; bad wiring panics.
func NewBroadcasts(cfg BroadcastsConfig) *Broadcasts {
	if cfg.Store == nil || cfg.Telegram == nil || cfg.Logger == nil {
		panic("shop.NewBroadcasts: Store, Telegram and Logger are required")
	}
	if cfg.Auditor == nil {
		cfg.Auditor = AuditLog{}
	}
	cfg.Rate = cmp.Or(cfg.Rate, 25)
	if cfg.Rate < 0 {
		panic(fmt.Sprintf("shop.NewBroadcasts: rate %v", cfg.Rate))
	}
	cfg.BatchSize = cmp.Or(cfg.BatchSize, 10)
	cfg.ProgressEvery = cmp.Or(cfg.ProgressEvery, 5*time.Second)
	cfg.CheckEvery = cmp.Or(cfg.CheckEvery, 2*time.Second)
	cfg.SendTimeout = cmp.Or(cfg.SendTimeout, 15*time.Second)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Broadcasts{cfg: cfg, log: cfg.Logger.With("component", "broadcast"), wake: make(chan struct{}, 1)}
}

// AuditEntry is one admin action as the audit log keeps it.
type AuditEntry struct {
	AdminID int64  // who did it
	Action  string // e.g. "broadcast_start" (^[a-z][a-z0-9_]{0,31}$)
	Target  string // what it concerned, e.g. "broadcast:12"
	Detail  string // a short human-readable summary
	// Key makes a repeat of the same request (a double tap) one entry;
	// "" for actions that cannot repeat (each gets a key of its own).
	Key string
}

// The audit log's broadcast actions.
const (
	ActionBroadcastCreate  = "broadcast_create"  // detail: audience and length
	ActionBroadcastPreview = "broadcast_preview" // Telegram took it in the admin's chat
	ActionBroadcastStart   = "broadcast_start"   // detail: recipients and audience
	ActionBroadcastPause   = "broadcast_pause"
	ActionBroadcastResume  = "broadcast_resume"
	ActionBroadcastCancel  = "broadcast_cancel"
)

// Auditor writes admin actions to the audit log, inside the transaction
// that makes the action, so an action and its entry exist together or not
// at all. The operator console's audit log implements it.
type Auditor interface {
	Record(ctx context.Context, tx *store.Tx, e AuditEntry) error
}

// NopAuditor records nothing (for tests of the sender alone).
type NopAuditor struct{}

// Record implements Auditor.
func (NopAuditor) Record(context.Context, *store.Tx, AuditEntry) error { return nil }

// AuditLog writes entries to the operator's audit log (admin_actions), the
// one the console lists, keyed by action and Key so a repeated request is
// recorded once.
type AuditLog struct{}

// Record implements Auditor.
func (AuditLog) Record(ctx context.Context, tx *store.Tx, e AuditEntry) error {
	key := e.Key
	if key == "" {
		b := make([]byte, 12)
		_, _ = rand.Read(b)
		key = e.Target + ":" + hex.EncodeToString(b)
	}
	_, err := tx.RecordAdminAction(ctx, store.AdminAction{AdminID: e.AdminID, Action: e.Action, Target: e.Target, After: e.Detail,
		Key: e.Action + ":" + key})
	if errors.Is(err, store.ErrDuplicate) {
		return nil // recorded by the first of the repeats
	}
	return err
}

// LinkButton is an inline button that opens a URL.
type LinkButton struct {
	Text string
	URL  string // https only
}

// Draft is a broadcast as an admin composed it.
type Draft struct {
	Text      string      // Telegram HTML; the caption when Photo is set
	Photo     string      // optional: a Telegram file_id or an http(s) URL
	Button    *LinkButton // optional
	Audience  store.Audience
	CreatedBy int64 // the admin's user id
}

// ErrInvalidDraft: a draft breaks a rule Create checks; the error lists
// every problem.
var ErrInvalidDraft = errors.New("invalid broadcast")

// ErrBadContent: Telegram refused the broadcast in the preview (bad HTML,
// a photo it cannot fetch, a text too long); the error carries Telegram's
// description.
var ErrBadContent = errors.New("telegram refused the broadcast")

// Telegram's limits (reference § 1.6).
const (
	maxTextChars    = 4096
	maxCaptionChars = 1024
	maxButtonChars  = 64
	maxURLBytes     = 2048
)

var fileIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{10,255}$`)

// Validate lists everything wrong with d, joined under ErrInvalidDraft.
// Telegram has the last word on HTML (Preview asks it); lengths are
// checked here on the visible text, which is what Telegram counts.
func (d Draft) Validate() error {
	var problems []error
	bad := func(format string, args ...any) { problems = append(problems, fmt.Errorf(format, args...)) }
	visible := stripTags(d.Text)
	limit, what := maxTextChars, "text"
	if d.Photo != "" {
		limit, what = maxCaptionChars, "caption"
	}
	switch n := len(utf16.Encode([]rune(visible))); {
	case strings.TrimSpace(visible) == "":
		bad("the text is empty")
	case n > limit:
		bad("the %s is %d characters long; Telegram allows %d", what, n, limit)
	}
	if !utf8.ValidString(d.Text) || strings.ContainsRune(d.Text, 0) {
		bad("the text is not valid UTF-8")
	}
	if p := d.Photo; p != "" && !fileIDPattern.MatchString(p) {
		if err := checkLink(p, "http", "https"); err != nil {
			bad("the photo is neither a Telegram file_id nor a URL: %v", err)
		}
	}
	if b := d.Button; b != nil {
		if t := strings.TrimSpace(b.Text); t == "" || utf8.RuneCountInString(t) > maxButtonChars {
			bad("the button text must be 1–%d characters", maxButtonChars)
		}
		if err := checkLink(b.URL, "https"); err != nil {
			bad("the button link: %v", err)
		}
	}
	if err := d.Audience.Validate(); err != nil {
		problems = append(problems, err)
	}
	if d.CreatedBy <= 0 {
		bad("the creating admin's id is missing")
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrInvalidDraft, errors.Join(problems...))
}

// checkLink accepts an absolute URL with one of schemes and a host.
func checkLink(s string, schemes ...string) error {
	if len(s) > maxURLBytes || strings.ContainsAny(s, " \t\r\n") {
		return fmt.Errorf("%q is not a URL", cutRunes(s, 60))
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || !slices.Contains(schemes, strings.ToLower(u.Scheme)) {
		return fmt.Errorf("%q is not an absolute %s URL", cutRunes(s, 60), strings.Join(schemes, " or "))
	}
	return nil
}

// Create validates and stores a draft.
func (b *Broadcasts) Create(ctx context.Context, d Draft) (store.Broadcast, error) {
	if err := d.Validate(); err != nil {
		return store.Broadcast{}, err
	}
	nb := store.NewBroadcast{Text: d.Text, Photo: d.Photo, Audience: d.Audience, CreatedBy: d.CreatedBy}
	if d.Button != nil {
		nb.ButtonText, nb.ButtonURL = strings.TrimSpace(d.Button.Text), d.Button.URL
	}
	var out store.Broadcast
	err := b.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if out, err = tx.CreateBroadcast(ctx, nb); err != nil {
			return err
		}
		return b.cfg.Auditor.Record(ctx, tx, AuditEntry{AdminID: d.CreatedBy, Action: ActionBroadcastCreate, Target: target(out.ID),
			Detail: fmt.Sprintf("audience %s; %d characters", describeAudience(d.Audience), utf8.RuneCountInString(d.Text))})
	})
	if err != nil {
		return store.Broadcast{}, fmt.Errorf("create broadcast: %w", err)
	}
	b.log.Info("broadcast: created", "broadcast_id", out.ID, "admin_id", d.CreatedBy)
	return out, nil
}

// Preview sends the broadcast, exactly as recipients will get it, to
// adminChatID through the Bot API. If Telegram accepts it the broadcast
// becomes ready to start; if Telegram refuses the content (ErrBadContent,
// with Telegram's words: "can't parse entities…") it stays a draft.
func (b *Broadcasts) Preview(ctx context.Context, id, adminChatID int64) (store.Broadcast, error) {
	bc, err := b.cfg.Store.Broadcast(ctx, id)
	if err != nil {
		return store.Broadcast{}, err
	}
	if bc.State != store.BroadcastDraft && bc.State != store.BroadcastReady {
		return store.Broadcast{}, fmt.Errorf("preview broadcast %d (state %s): %w", id, bc.State, store.ErrBroadcastState)
	}
	sctx, cancel := context.WithTimeout(ctx, b.cfg.SendTimeout)
	err = b.deliver(sctx, adminChatID, bc)
	cancel()
	if err != nil {
		if refusesContent(err) {
			return store.Broadcast{}, fmt.Errorf("preview broadcast %d: %w: %s", id, ErrBadContent, telegramDescription(err))
		}
		return store.Broadcast{}, fmt.Errorf("preview broadcast %d in chat %d: %w", id, adminChatID, err)
	}
	var out store.Broadcast
	err = b.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		if out, err = tx.MarkBroadcastPreviewed(ctx, id); err != nil {
			return err
		}
		return b.cfg.Auditor.Record(ctx, tx, AuditEntry{AdminID: adminChatID, Action: ActionBroadcastPreview, Target: target(id)})
	})
	if err != nil {
		return store.Broadcast{}, fmt.Errorf("preview broadcast %d: %w", id, err)
	}
	return out, nil
}

// CountRecipients is how many users a broadcast to a would reach if it
// started now: the figure to confirm before Start.
func (b *Broadcasts) CountRecipients(ctx context.Context, a store.Audience) (int64, error) {
	return b.cfg.Store.CountAudience(ctx, a)
}

// Start begins sending a previewed broadcast: its recipients are fixed
// now, one row each, and the leader's sender works through them. progress
// names a message of the admin's that the sender keeps up to date (zero:
// none). Another broadcast sending or paused: store.ErrBroadcastActive.
func (b *Broadcasts) Start(ctx context.Context, id, adminID int64, progress store.ProgressRef) (store.Broadcast, error) {
	var out store.Broadcast
	err := b.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if out, err = tx.StartBroadcast(ctx, id, progress); err != nil {
			return err
		}
		return b.cfg.Auditor.Record(ctx, tx, AuditEntry{AdminID: adminID, Action: ActionBroadcastStart, Target: target(id),
			Detail: fmt.Sprintf("%d recipients, audience %s", out.Recipients, describeAudience(out.Audience))})
	})
	if err != nil {
		return store.Broadcast{}, fmt.Errorf("start broadcast: %w", err)
	}
	b.log.Info("broadcast: started", "broadcast_id", id, "admin_id", adminID, "recipients", out.Recipients)
	b.kick()
	return out, nil
}

// Pause stops a sending broadcast: the sender learns of it as it records
// the message in flight, and sends no other.
func (b *Broadcasts) Pause(ctx context.Context, id, adminID int64) (store.Broadcast, error) {
	return b.move(ctx, id, adminID, ActionBroadcastPause, (*store.Tx).PauseBroadcast)
}

// Resume goes on with a paused broadcast.
func (b *Broadcasts) Resume(ctx context.Context, id, adminID int64) (store.Broadcast, error) {
	return b.move(ctx, id, adminID, ActionBroadcastResume, (*store.Tx).ResumeBroadcast)
}

// Cancel ends an unfinished broadcast for good: apart from the message in
// flight, whoever was not sent it yet never is.
func (b *Broadcasts) Cancel(ctx context.Context, id, adminID int64) (store.Broadcast, error) {
	return b.move(ctx, id, adminID, ActionBroadcastCancel, (*store.Tx).CancelBroadcast)
}

func (b *Broadcasts) move(ctx context.Context, id, adminID int64, action string,
	step func(*store.Tx, context.Context, int64) (store.Broadcast, error)) (store.Broadcast, error) {
	var out store.Broadcast
	err := b.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		out, err = b.moveTx(ctx, tx, id, adminID, action, "", step)
		return err
	})
	if err != nil {
		return store.Broadcast{}, err
	}
	b.kick()
	// The admin sees the new state at once, even with the sender idle.
	if err := b.showProgress(ctx, out); err != nil {
		b.log.Warn("broadcast: cannot update the progress message", "broadcast_id", id, "err", err)
	}
	return out, nil
}

// moveTx makes a pause, resume or cancel in tx, audited under key.
func (b *Broadcasts) moveTx(ctx context.Context, tx *store.Tx, id, adminID int64, action, key string,
	step func(*store.Tx, context.Context, int64) (store.Broadcast, error)) (store.Broadcast, error) {
	out, err := step(tx, ctx, id)
	if err == nil {
		err = b.cfg.Auditor.Record(ctx, tx, AuditEntry{AdminID: adminID, Action: action, Target: target(id), Key: key})
	}
	if err != nil {
		return store.Broadcast{}, fmt.Errorf("%s: %w", action, err)
	}
	b.log.Info("broadcast: "+strings.TrimPrefix(action, "broadcast_"), "broadcast_id", id, "admin_id", adminID)
	return out, nil
}

// Control pauses, resumes or cancels broadcast id in the caller's
// transaction (the console's update), audited under key. The caller kicks
// the sender (Kick) once it committed.
func (b *Broadcasts) Control(ctx context.Context, tx *store.Tx, id, adminID int64, kind fsm.BroadcastControl, key string) (store.Broadcast, error) {
	switch kind {
	case fsm.BroadcastPause:
		return b.moveTx(ctx, tx, id, adminID, ActionBroadcastPause, key, (*store.Tx).PauseBroadcast)
	case fsm.BroadcastResume:
		return b.moveTx(ctx, tx, id, adminID, ActionBroadcastResume, key, (*store.Tx).ResumeBroadcast)
	case fsm.BroadcastCancel:
		return b.moveTx(ctx, tx, id, adminID, ActionBroadcastCancel, key, (*store.Tx).CancelBroadcast)
	}
	return store.Broadcast{}, fmt.Errorf("broadcast control %q", kind)
}

// PreviewDraft sends d, exactly as recipients will get it, to adminChatID,
// without storing anything: the console's preview, before its draft is
// stored (Launch). A draft that breaks a rule is ErrInvalidDraft; content
// Telegram refuses is ErrBadContent with Telegram's words.
func (b *Broadcasts) PreviewDraft(ctx context.Context, d Draft, adminChatID int64) error {
	if err := d.Validate(); err != nil {
		return err
	}
	bc := store.Broadcast{Text: d.Text, Photo: d.Photo}
	if d.Button != nil {
		bc.ButtonText, bc.ButtonURL = strings.TrimSpace(d.Button.Text), d.Button.URL
	}
	sctx, cancel := context.WithTimeout(ctx, b.cfg.SendTimeout)
	defer cancel()
	if err := b.deliver(sctx, adminChatID, bc); err != nil {
		if refusesContent(err) {
			return fmt.Errorf("preview: %w: %s", ErrBadContent, telegramDescription(err))
		}
		return fmt.Errorf("preview in chat %d: %w", adminChatID, err)
	}
	return nil
}

// Launch stores a draft the admin previewed (PreviewDraft) and starts it,
// in the caller's transaction — the console's update, so the start, its
// audit entries and the admin's conversation commit together. key makes a
// second tap on the same confirmation record nothing more; the caller
// checks it first (Launched). Another broadcast sending or paused:
// store.ErrBroadcastActive, and nothing is written. The caller kicks the
// sender once it committed.
func (b *Broadcasts) Launch(ctx context.Context, tx *store.Tx, d Draft, progress store.ProgressRef, key string) (store.Broadcast, error) {
	if err := d.Validate(); err != nil {
		return store.Broadcast{}, err
	}
	nb := store.NewBroadcast{Text: d.Text, Photo: d.Photo, Audience: d.Audience, CreatedBy: d.CreatedBy}
	if d.Button != nil {
		nb.ButtonText, nb.ButtonURL = strings.TrimSpace(d.Button.Text), d.Button.URL
	}
	var out store.Broadcast
	err := tx.Savepoint(ctx, func(tx *store.Tx) error {
		created, err := tx.CreateBroadcast(ctx, nb)
		if err != nil {
			return err
		}
		if _, err := tx.MarkBroadcastPreviewed(ctx, created.ID); err != nil {
			return err
		}
		if out, err = tx.StartBroadcast(ctx, created.ID, progress); err != nil {
			return err
		}
		if err := b.cfg.Auditor.Record(ctx, tx, AuditEntry{AdminID: d.CreatedBy, Action: ActionBroadcastCreate, Target: target(out.ID), Key: key,
			Detail: fmt.Sprintf("%d characters: %s", utf8.RuneCountInString(d.Text), cutRunes(stripTags(d.Text), 200))}); err != nil {
			return err
		}
		return b.cfg.Auditor.Record(ctx, tx, AuditEntry{AdminID: d.CreatedBy, Action: ActionBroadcastStart, Target: target(out.ID), Key: key,
			Detail: fmt.Sprintf("%d recipients, audience %s", out.Recipients, describeAudience(out.Audience))})
	})
	if err != nil {
		return store.Broadcast{}, fmt.Errorf("launch broadcast: %w", err)
	}
	b.log.Info("broadcast: started", "broadcast_id", out.ID, "admin_id", d.CreatedBy, "recipients", out.Recipients)
	return out, nil
}

// Launched reports whether the start keyed key was made (a second tap).
func (b *Broadcasts) Launched(ctx context.Context, tx *store.Tx, key string) (bool, error) {
	return tx.AdminActionDone(ctx, ActionBroadcastStart+":"+key)
}

// Kick wakes this instance's sender after a start or a resume committed
// elsewhere than in Start or Resume.
func (b *Broadcasts) Kick() { b.kick() }

// Get loads one broadcast.
func (b *Broadcasts) Get(ctx context.Context, id int64) (store.Broadcast, error) {
	return b.cfg.Store.Broadcast(ctx, id)
}

// List returns the newest n broadcasts, newest first.
func (b *Broadcasts) List(ctx context.Context, n int) ([]store.Broadcast, error) {
	return b.cfg.Store.RecentBroadcasts(ctx, n)
}

// BroadcastProgress is a broadcast's state and its recipients' outcomes.
type BroadcastProgress struct {
	ID    int64
	State store.BroadcastState
	store.BroadcastCounts
}

// Text is the progress as the admin's progress message shows it.
func (p BroadcastProgress) Text(lang fsm.Lang) string { return p.Screen(lang).Text }

// Screen is the admin's progress message: the figures and the controls
// the state allows (pause, resume, cancel), as the console shows them.
func (p BroadcastProgress) Screen(lang fsm.Lang) fsm.Screen {
	return fsm.BroadcastStatus(lang, fsm.BroadcastView{ID: p.ID, State: string(p.State), Sent: p.Sent, Failed: p.Failed,
		Blocked: p.Blocked, Skipped: p.Skipped, Unknown: p.Unknown, Left: p.Left()})
}

// Progress reads a broadcast's progress: sent, failed, blocked, skipped,
// unknown and left.
func (b *Broadcasts) Progress(ctx context.Context, id int64) (BroadcastProgress, error) {
	bc, err := b.cfg.Store.Broadcast(ctx, id)
	if err != nil {
		return BroadcastProgress{}, err
	}
	return b.progressOf(ctx, bc)
}

func (b *Broadcasts) progressOf(ctx context.Context, bc store.Broadcast) (BroadcastProgress, error) {
	c, err := b.cfg.Store.BroadcastCounts(ctx, bc.ID)
	if err != nil {
		return BroadcastProgress{}, err
	}
	return BroadcastProgress{ID: bc.ID, State: bc.State, BroadcastCounts: c}, nil
}

// SetProgressMessage names (or, with a zero ref, forgets) the admin
// message that shows a broadcast's progress.
func (b *Broadcasts) SetProgressMessage(ctx context.Context, id int64, ref store.ProgressRef) error {
	return b.cfg.Store.SetBroadcastProgress(ctx, id, ref)
}

// showProgress edits the broadcast's progress message, if it has one,
// with its current figures.
func (b *Broadcasts) showProgress(ctx context.Context, bc store.Broadcast) error {
	if bc.ProgressChatID == 0 || bc.ProgressMessageID == 0 {
		return nil
	}
	p, err := b.progressOf(ctx, bc)
	if err != nil {
		return err
	}
	lang, _, _, _ := language(ctx, b.cfg.Store, bc.ProgressChatID, "")
	ectx, cancel := context.WithTimeout(ctx, b.cfg.SendTimeout)
	defer cancel()
	sc := p.Screen(lang)
	err = b.cfg.Telegram.EditText(ectx, bc.ProgressChatID, int(bc.ProgressMessageID), sc.Text, buttons(sc.Buttons))
	if err != nil {
		return fmt.Errorf("edit progress message of broadcast %d: %w", bc.ID, err)
	}
	return nil
}

// deliver makes the Bot API call that shows bc in chatID: a text message,
// or a photo with the text as its caption, with the link button if any.
// Preview and the sender use it alike, so the preview proves the send.
func (b *Broadcasts) deliver(ctx context.Context, chatID int64, bc store.Broadcast) error {
	var buttons [][]telegram.Button
	if bc.ButtonURL != "" {
		buttons = [][]telegram.Button{{{Text: bc.ButtonText, URL: bc.ButtonURL}}}
	}
	op := telegram.SendOp(chatID, bc.Text, buttons)
	if bc.Photo != "" {
		op = telegram.Op{Kind: telegram.OpMedia, ChatID: chatID, Media: telegram.MediaPhoto, URL: bc.Photo, Text: bc.Text, Buttons: buttons}
	}
	return b.cfg.Telegram.Perform(ctx, op)
}

// kick wakes this instance's sender (it may not be the leader's: then the
// leader's sender finds the change within CheckEvery).
func (b *Broadcasts) kick() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

func target(id int64) string { return "broadcast:" + strconv.FormatInt(id, 10) }

func describeAudience(a store.Audience) string {
	var parts []string
	if a.PayingOnly {
		parts = append(parts, "paying")
	}
	if a.ActiveDays > 0 {
		parts = append(parts, fmt.Sprintf("active %d days", a.ActiveDays))
	}
	if a.Language != "" {
		parts = append(parts, "language "+a.Language)
	}
	if len(parts) == 0 {
		return "everyone"
	}
	return strings.Join(parts, ", ")
}

// refusesContent: Telegram answered 400 about the message itself (its
// HTML, length, photo or button), not about the chat it was sent to.
func refusesContent(err error) bool {
	if !errors.Is(err, bot.ErrorBadRequest) {
		return false
	}
	d := strings.ToLower(err.Error())
	return !strings.Contains(d, "chat not found") && !strings.Contains(d, "user not found") && !strings.Contains(d, "peer_id_invalid")
}

// telegramDescription is the Bot API's own words in a go-telegram/bot
// error ("bad request, Bad Request: can't parse entities: …").
func telegramDescription(err error) string {
	s := err.Error()
	if i := strings.Index(s, "Bad Request: "); i >= 0 {
		return s[i:]
	}
	return s
}
