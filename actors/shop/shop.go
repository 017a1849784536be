package actors

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-telegram/bot/models"
	"golang.org/x/time/rate"

	"github.com/kiebot/kiebot/fsm"
	"github.com/kiebot/kiebot/kie"
	"github.com/kiebot/kiebot/pricing"
	"github.com/kiebot/kiebot/store"
)

// ProductConfig configures the product handler.
type ProductConfig struct {
	Store    *store.Store
	Telegram *Telegram
	Kie      *kie.Client
	Pricer   *pricing.Pricer
	Logger   *slog.Logger

	AdminIDs       []int64
	FreeDailyLimit int
	StarsPackages  []int64
	KopecksPerStar int64 // 0: no top-ups
	WelcomeBalance int64 // kopecks credited once to every new user
	SupportContact string
	// MaxRunningJobs per user (admins exempt); default 3.
	MaxRunningJobs int
	// JobTimeouts per output media; a job still running after it is
	// released. Defaults: image 5 min, audio 10 min, video 20 min.
	JobTimeouts map[pricing.Media]time.Duration
	// RatePerMinute and RateBurst limit each user's actions (admins exempt);
	// defaults 20 and 30.
	RatePerMinute int
	RateBurst     int
	// WakeJobs tells the jobs actor a job was created (never blocks).
	WakeJobs func(jobID int64)
	Now      func() time.Time
}

// Product is the bot's product logic: it runs each update through the
// conversation machine (package fsm) and executes what it decides —
// orders, language changes, invoices — inside the update's transaction.
// It implements UpdateHandler and PreCheckoutHandler.
type Product struct {
	cfg ProductConfig
	log *slog.Logger

	mu       sync.Mutex
	limiters map[int64]*userLimiter
}

type userLimiter struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewProduct validates cfg; bad wiring panics.
func NewProduct(cfg ProductConfig) *Product {
	if cfg.Store == nil || cfg.Telegram == nil || cfg.Kie == nil || cfg.Pricer == nil || cfg.Logger == nil {
		panic("actors.NewProduct: Store, Telegram, Kie, Pricer and Logger are required")
	}
	cfg.MaxRunningJobs = cmpOrInt(cfg.MaxRunningJobs, 3)
	cfg.RatePerMinute = cmpOrInt(cfg.RatePerMinute, 20)
	cfg.RateBurst = cmpOrInt(cfg.RateBurst, 30)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	timeouts := map[pricing.Media]time.Duration{pricing.Media("image"): 5 * time.Minute, pricing.Media("audio"): 10 * time.Minute, pricing.Media("video"): 20 * time.Minute}
	maps.Copy(timeouts, cfg.JobTimeouts)
	cfg.JobTimeouts = timeouts
	if cfg.WakeJobs == nil {
		cfg.WakeJobs = func(int64) {}
	}
	return &Product{cfg: cfg, log: cfg.Logger.With("component", "product"), limiters: map[int64]*userLimiter{}}
}

func (p *Product) isAdmin(id int64) bool { return slices.Contains(p.cfg.AdminIDs, id) }

// Handle implements UpdateHandler.
func (p *Product) Handle(ctx context.Context, s Session, upd *models.Update) (Step, error) {
	from, chatID := updateSender(upd)
	if from == nil {
		return Step{}, nil // channel posts and the like: nothing to do
	}
	user, err := p.cfg.Store.User(ctx, from.ID)
	isNew := errors.Is(err, store.ErrNotFound)
	if err != nil && !isNew {
		return Step{}, err
	}
	lang := fsm.LangOf(user.Language)
	if isNew {
		lang = fsm.LangOf(store.LanguageFor(from.LanguageCode))
	}
	welcome := func(ctx context.Context, tx *store.Tx) ([]Op, error) {
		if !isNew {
			return nil, nil
		}
		// The step's own commit records the sender only after Apply, but
		// the welcome credit (and any command's write) needs the user's
		// row now: without it a new user's first update failed for good.
		if _, _, err := tx.TouchUser(ctx, seenUser(from, chatID)); err != nil {
			return nil, err
		}
		if p.cfg.WelcomeBalance <= 0 {
			return nil, nil
		}
		_, err := tx.GrantWelcome(ctx, from.ID, p.cfg.WelcomeBalance)
		return nil, err
	}

	if m := upd.Message; m != nil {
		switch {
		case m.SuccessfulPayment != nil:
			return p.paid(from.ID, chatID, lang, m.SuccessfulPayment), nil
		case m.RefundedPayment != nil:
			return p.refunded(from.ID, chatID, lang, m.RefundedPayment), nil
		}
	}

	in, ok := inputOf(upd)
	if !ok {
		return Step{}, nil
	}
	if !p.isAdmin(from.ID) && !p.allow(from.ID) {
		ops := []Op{ScreenOp(chatID, fsm.RateLimited(lang))}
		if in.Kind == fsm.InputCallback {
			ops = []Op{AnswerOp(in.CallbackID, fsm.RateLimited(lang).Text)}
		}
		return Step{Ops: ops, Apply: welcome}, nil
	}
	if in.Kind == fsm.InputCommand && in.Command == "refund" && p.isAdmin(from.ID) {
		return p.adminRefund(ctx, chatID, lang, in.Arg)
	}

	env := fsm.Env{
		Lang: lang, UserID: from.ID, FirstName: from.FirstName, IsAdmin: p.isAdmin(from.ID),
		Registry: p.cfg.Pricer.Registry(), Pricer: p.cfg.Pricer, FreeDailyLimit: p.cfg.FreeDailyLimit,
		StarsPackages: p.cfg.StarsPackages, KopecksPerStar: p.cfg.KopecksPerStar, MaxRunningJobs: p.cfg.MaxRunningJobs,
		Now: p.cfg.Now(), Facts: storeFacts{ctx: ctx, st: p.cfg.Store, userID: from.ID, welcome: max(p.cfg.WelcomeBalance, 0)}, SupportContact: p.cfg.SupportContact,
	}
	res, err := fsm.Step(env, s.State, s.Data, in)
	if err != nil {
		return Step{}, err
	}
	p.log.Debug("product: step", "user_id", from.ID, "from", s.State, "to", res.State, "outs", len(res.Out), "command", fmt.Sprintf("%T", res.Cmd))
	if cl, ok := res.Cmd.(fsm.SetLanguage); ok {
		lang = cl.Lang
	}
	step := Step{State: res.State, Data: res.Data, Ops: p.ops(chatID, res.Out), Apply: welcome}
	if res.Cmd == nil {
		return step, nil
	}
	return p.command(ctx, step, res.Cmd, from.ID, chatID, lang, in)
}

// command attaches the writes of a machine's command to the step.
func (p *Product) command(ctx context.Context, step Step, cmd fsm.Command, userID, chatID int64, lang fsm.Lang, in fsm.Input) (Step, error) {
	first := step.Apply
	then := func(next func(context.Context, *store.Tx) ([]Op, error)) {
		step.Apply = func(ctx context.Context, tx *store.Tx) ([]Op, error) {
			ops, err := first(ctx, tx)
			if err != nil {
				return nil, err
			}
			more, err := next(ctx, tx)
			return append(ops, more...), err
		}
	}
	switch c := cmd.(type) {
	case fsm.SetLanguage:
		then(func(ctx context.Context, tx *store.Tx) ([]Op, error) {
			return nil, tx.SetLanguage(ctx, userID, string(c.Lang))
		})
	case fsm.CreateInvoice:
		then(func(ctx context.Context, tx *store.Tx) ([]Op, error) {
			t, err := tx.CreateTopUp(ctx, store.NewTopUp{UserID: userID, Stars: c.Stars, Kopecks: c.Kopecks})
			if err != nil {
				return nil, err
			}
			title, desc, label := fsm.InvoiceText(lang, c.Stars, c.Kopecks)
			return []Op{{Kind: OpInvoice, ChatID: chatID, Invoice: &InvoiceOp{
				Title: title, Description: desc, Payload: t.Payload, Stars: int(c.Stars), Label: label}}}, nil
		})
	case fsm.ResendResult:
		job, err := p.cfg.Store.UserJob(ctx, userID, c.JobID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return Step{}, err
		}
		if err != nil || job.State != store.JobSucceeded || len(job.ResultURLs) == 0 {
			step.Ops = append(step.Ops, ScreenOp(chatID, fsm.Screen{Text: fsm.T(lang, fsm.KeyResultGone)}))
			break
		}
		step.Ops = append(step.Ops, resultOps(p.cfg.Pricer.Registry(), job, lang)...)
	case fsm.CreateJob:
		apply, after, ops := p.createJob(ctx, c, userID, chatID, lang, in)
		step.Ops = append(step.Ops, ops...)
		if apply != nil {
			then(apply)
			step.AfterCommit = after
		}
	default:
		return Step{}, fmt.Errorf("unknown command %T", cmd)
	}
	return step, nil
}

// createJob re-uploads the user's files to Kie (slow I/O, before the
// transaction), then creates the job and holds its price atomically with
// the update. A second tap of the same confirmation finds the job made by
// the first and changes nothing.
//
// It returns the transaction's part, what to do after the commit, and ops
// to show at once when there is nothing to write.
func (p *Product) createJob(ctx context.Context, c fsm.CreateJob, userID, chatID int64, lang fsm.Lang, in fsm.Input) (
	apply func(context.Context, *store.Tx) ([]Op, error), after func(), ops []Op) {
	model, err := p.cfg.Pricer.Registry().Model(c.ModelID)
	if err != nil {
		return nil, nil, []Op{ScreenOp(chatID, fsm.Apology(lang))}
	}
	urls, err := p.uploadInputs(ctx, userID, c.FileIDs)
	if err != nil {
		p.log.Warn("product: cannot pass the user's files to Kie", "user_id", userID, "err", err)
		key := fsm.KeyFilesFailed
		if errors.Is(err, ErrFileTooBig) {
			key = fsm.KeyFileTooBigNow
		}
		return nil, nil, []Op{ScreenOp(chatID, fsm.Screen{Text: fsm.T(lang, key)})}
	}
	timeout := p.cfg.JobTimeouts[model.Output()]
	if timeout == 0 {
		timeout = p.cfg.JobTimeouts[pricing.Media("video")]
	}
	maxRunning := p.cfg.MaxRunningJobs
	if p.isAdmin(userID) {
		maxRunning = 0
	}
	nj := store.NewJob{
		UserID: userID, ChatID: chatID, ModelID: model.ID(), Category: string(model.Category()), Output: string(model.Output()),
		Params: maps.Clone(c.Params), Inputs: urls, FileIDs: c.FileIDs,
		PriceKopecks: c.Quote.Kopecks, CostMicroCredits: int64(c.Quote.Credits), Free: c.Quote.Free,
		FreeDailyLimit: p.cfg.FreeDailyLimit, IdempotencyKey: c.IdempotencyKey,
		Deadline: p.cfg.Now().Add(timeout), MaxRunning: maxRunning,
	}
	if nj.Free {
		nj.PriceKopecks = 0
	}
	var created int64
	apply = func(ctx context.Context, tx *store.Tx) ([]Op, error) {
		job, isNew, err := tx.CreateJob(ctx, nj)
		switch {
		case errors.Is(err, store.ErrInsufficientFunds):
			have, _, berr := tx.Balance(ctx, userID)
			if berr != nil {
				return nil, berr
			}
			return []Op{ScreenOp(chatID, fsm.InsufficientFunds(lang, nj.PriceKopecks, have, p.cfg.KopecksPerStar > 0))}, nil
		case errors.Is(err, store.ErrFreeLimit):
			return []Op{ScreenOp(chatID, fsm.FreeLimitReached(lang, p.cfg.FreeDailyLimit))}, nil
		case errors.Is(err, store.ErrTooManyJobs):
			return []Op{ScreenOp(chatID, fsm.TooManyJobs(lang, p.cfg.MaxRunningJobs))}, nil
		case err != nil:
			return nil, err
		case !isNew:
			return nil, nil // a double tap: the first tap's job stands
		}
		created = job.ID
		accepted := fsm.JobAccepted(lang, job.ID, model.Name(string(lang)), job.PriceKopecks, job.Free)
		if in.MessageID > 0 {
			// The confirmation becomes the job's progress message.
			if err := tx.SetProgressMessage(ctx, job.ID, int64(in.MessageID)); err != nil {
				return nil, err
			}
			return []Op{EditOp(chatID, in.MessageID, accepted)}, nil
		}
		return []Op{ScreenOp(chatID, accepted)}, nil
	}
	after = func() {
		if created != 0 {
			p.cfg.WakeJobs(created)
		}
	}
	return apply, after, nil
}

// uploadInputs streams each Telegram file to Kie's upload API and returns
// the Kie URLs per field. Telegram's file URL (it contains the bot token)
// never leaves the process.
func (p *Product) uploadInputs(ctx context.Context, userID int64, fileIDs map[string][]string) (map[string][]string, error) {
	out := map[string][]string{}
	for _, field := range slices.Sorted(maps.Keys(fileIDs)) {
		for _, id := range fileIDs[field] {
			rc, name, err := p.cfg.Telegram.OpenFile(ctx, id)
			if err != nil {
				return nil, err
			}
			up, err := p.cfg.Kie.UploadStream(ctx, rc, fmt.Sprintf("kiebot/%d/%d", p.cfg.Store.BotID(), userID), uniqueName(name))
			rc.Close()
			if err != nil {
				return nil, fmt.Errorf("upload %s to kie: %w", field, err)
			}
			out[field] = append(out[field], up.DownloadURL)
		}
	}
	return out, nil
}

// uniqueName keeps the extension (Kie detects the type from it) and adds
// randomness: re-using a name on Kie overwrites the earlier file.
func uniqueName(name string) string {
	ext := ""
	if i := strings.LastIndex(name, "."); i >= 0 && len(name)-i <= 6 {
		ext = name[i:]
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b) + ext
}

// ops turns the machine's outputs into Bot API calls.
func (p *Product) ops(chatID int64, outs []fsm.Out) []Op {
	var ops []Op
	for _, o := range outs {
		switch {
		case o.Answer != nil:
			ops = append(ops, Op{Kind: OpAnswer, CallbackID: o.Answer.CallbackID, Text: o.Answer.Text, Alert: o.Answer.Alert})
		case o.Screen != nil && o.Edit > 0:
			ops = append(ops, EditOp(chatID, o.Edit, *o.Screen))
		case o.Screen != nil:
			ops = append(ops, ScreenOp(chatID, *o.Screen))
		case o.Action != "":
			ops = append(ops, Op{Kind: OpAction, ChatID: chatID, Action: o.Action})
		}
	}
	return ops
}

// allow applies the per-user rate limit (20 actions a minute, bursts of
// 30). Limiters of users quiet for ten minutes are forgotten.
func (p *Product) allow(userID int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.cfg.Now()
	l, ok := p.limiters[userID]
	if !ok {
		if len(p.limiters) > 10000 {
			for id, x := range p.limiters {
				if now.Sub(x.seen) > 10*time.Minute {
					delete(p.limiters, id)
				}
			}
		}
		l = &userLimiter{lim: rate.NewLimiter(rate.Limit(float64(p.cfg.RatePerMinute)/60), p.cfg.RateBurst)}
		p.limiters[userID] = l
	}
	l.seen = now
	return l.lim.AllowN(now, 1)
}

// Apology implements UpdateHandler.
func (p *Product) Apology(ctx context.Context, userID int64) []Op {
	if userID == 0 {
		return nil
	}
	lang, chat := fsm.RU, userID
	if u, err := p.cfg.Store.User(ctx, userID); err == nil {
		lang, chat = fsm.LangOf(u.Language), u.ChatID
	}
	return []Op{ScreenOp(chat, fsm.Apology(lang))}
}

// updateSender is who sent upd and the chat to answer in.
func updateSender(upd *models.Update) (*models.User, int64) {
	switch {
	case upd.Message != nil && upd.Message.From != nil:
		return upd.Message.From, upd.Message.Chat.ID
	case upd.CallbackQuery != nil:
		chat := upd.CallbackQuery.From.ID
		if m := upd.CallbackQuery.Message.Message; m != nil {
			chat = m.Chat.ID
		}
		return &upd.CallbackQuery.From, chat
	}
	return nil, 0
}

// inputOf strips an update down to what the conversation machine sees.
func inputOf(upd *models.Update) (fsm.Input, bool) {
	if q := upd.CallbackQuery; q != nil {
		in := fsm.Input{Kind: fsm.InputCallback, Callback: q.Data, CallbackID: q.ID}
		if m := q.Message.Message; m != nil {
			in.MessageID = m.ID
		}
		return in, true
	}
	m := upd.Message
	if m == nil {
		return fsm.Input{}, false
	}
	if f := fileOf(m); f != nil {
		return fsm.Input{Kind: fsm.InputFile, File: f, Text: m.Caption}, true
	}
	if name, arg := command(m.Text); name != "" {
		return fsm.Input{Kind: fsm.InputCommand, Command: name, Arg: arg}, true
	}
	if m.Text != "" {
		return fsm.Input{Kind: fsm.InputText, Text: m.Text}, true
	}
	// Stickers, locations, contacts…: shown the hint as unknown text.
	return fsm.Input{Kind: fsm.InputText, Text: ""}, true
}

func fileOf(m *models.Message) *fsm.File {
	switch {
	case len(m.Photo) > 0:
		ph := m.Photo[len(m.Photo)-1] // the largest size
		return &fsm.File{Kind: "photo", FileID: ph.FileID, Size: int64(ph.FileSize), MIME: "image/jpeg"}
	case m.Document != nil:
		return &fsm.File{Kind: "document", FileID: m.Document.FileID, Size: m.Document.FileSize, MIME: m.Document.MimeType, Name: m.Document.FileName}
	case m.Video != nil:
		return &fsm.File{Kind: "video", FileID: m.Video.FileID, Size: m.Video.FileSize, MIME: m.Video.MimeType, Name: m.Video.FileName}
	case m.Audio != nil:
		return &fsm.File{Kind: "audio", FileID: m.Audio.FileID, Size: m.Audio.FileSize, MIME: m.Audio.MimeType, Name: m.Audio.FileName}
	case m.Voice != nil:
		return &fsm.File{Kind: "voice", FileID: m.Voice.FileID, Size: m.Voice.FileSize, MIME: m.Voice.MimeType}
	}
	return nil
}
