package shop

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

	"github.com/kiebot/kiebot/actors"
	"github.com/kiebot/kiebot/actors/shop/operator"
	"github.com/kiebot/kiebot/actors/telegram"

	"github.com/go-telegram/bot/models"
	"golang.org/x/time/rate"

	"github.com/kiebot/kiebot/fsm"
	"github.com/kiebot/kiebot/kie"
	"github.com/kiebot/kiebot/pricing"
	"github.com/kiebot/kiebot/store"
)

// Config configures the product handler.
type Config struct {
	Store    *store.Store
	Telegram *telegram.Client
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

	// Operator carries out and audits the console's changes and answers
	// its reads. Default: one for AdminIDs and Pricer, reading Kie's
	// balance from Kie with a one-minute cache.
	Operator *operator.Service
	// Catalogue is the live copy of models switched off at runtime, for
	// the menus; nil hides none (a confirmation still re-reads the switch
	// in its transaction). Its Run belongs to the caller.
	Catalogue *Catalogue
	// AdminSections is the admin menu, in order; default
	// fsm.DefaultAdminSections(). The broadcasts section shows only with
	// Broadcasts set.
	AdminSections []fsm.AdminSection
	// Broadcasts is the broadcast API the console's broadcasts section
	// drives (its sender runs on the leader); nil hides the section.
	Broadcasts *Broadcasts
	// CheckKieFunds, when set, is asked before an order holds anything
	// whether Kie can take it (KieWatch.Check), with the order's Kie cost
	// and idempotency key: ErrKieFundsShort refuses the order as
	// temporarily unavailable; any other answer allows it.
	CheckKieFunds func(ctx context.Context, cost kie.Credits, idempotencyKey string) error
	// Manual, when set with amounts, offers top-ups by card or SBP
	// transfer checked by an admin (manual.go).
	Manual *ManualConfig
	// Subscription, when set, sells the monthly Stars plan (subscription.go).
	Subscription *SubscriptionPlan
	// Panel answers /panel with a sign-in link to the web panel; nil (no
	// public base URL) makes /panel say the panel is off.
	Panel PanelSignIn
	// Growth configures referrals and promo codes (growth.go).
	Growth GrowthConfig
	Now    func() time.Time
}

// Shop is the bot's update handler: it runs each update through the
// conversation machine (package fsm) and executes what it decides —
// orders, language changes, invoices, payments — inside the update's
// transaction. It implements actors.UpdateHandler and
// actors.PreCheckoutHandler.
type Shop struct {
	cfg Config
	log *slog.Logger
	op  *operator.Service

	mu       sync.Mutex
	limiters map[int64]*userLimiter
	name     botName // the bot's username, for invite links
}

type userLimiter struct {
	lim  *rate.Limiter
	seen time.Time
}

// New validates cfg; bad wiring panics.
func New(cfg Config) *Shop {
	if cfg.Store == nil || cfg.Telegram == nil || cfg.Kie == nil || cfg.Pricer == nil || cfg.Logger == nil {
		panic("actors.New: Store, Telegram, Kie, Pricer and Logger are required")
	}
	cfg.MaxRunningJobs = orDefault(cfg.MaxRunningJobs, 3)
	cfg.RatePerMinute = orDefault(cfg.RatePerMinute, 20)
	cfg.RateBurst = orDefault(cfg.RateBurst, 30)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	timeouts := map[pricing.Media]time.Duration{pricing.Media("image"): 5 * time.Minute, pricing.Media("audio"): 10 * time.Minute, pricing.Media("video"): 20 * time.Minute}
	maps.Copy(timeouts, cfg.JobTimeouts)
	cfg.JobTimeouts = timeouts
	if cfg.WakeJobs == nil {
		cfg.WakeJobs = func(int64) {}
	}
	if cfg.Operator == nil {
		var live func() *pricing.Pricer
		if cat := cfg.Catalogue; cat != nil {
			live = cat.Pricer
		}
		cfg.Operator = operator.New(operator.Config{AdminIDs: cfg.AdminIDs, Pricer: cfg.Pricer, Live: live, Logger: cfg.Logger, Now: cfg.Now,
			Kie: operator.NewKieCredits(cfg.Kie, time.Minute, cfg.Now)})
	}
	if cfg.AdminSections == nil {
		cfg.AdminSections = fsm.DefaultAdminSections()
		if cfg.Manual != nil {
			cfg.AdminSections = append(cfg.AdminSections, fsm.SectionManual)
		}
	}
	if cfg.Manual != nil {
		if cfg.Manual.Checker == nil {
			panic("shop.New: Manual needs a receipt Checker")
		}
		m := *cfg.Manual
		m.withDefaults()
		cfg.Manual = &m
	}
	sh := &Shop{cfg: cfg, log: cfg.Logger.With("component", "shop"), op: cfg.Operator, limiters: map[int64]*userLimiter{}}
	sh.name.name = strings.TrimPrefix(cfg.Growth.BotUsername, "@")
	return sh
}

// isAdmin is the one admin check: the operator service's, which also
// guards every change it makes.
func (sh *Shop) isAdmin(id int64) bool { return sh.op.IsAdmin(id) }

// pricer is what is on sale now: the catalogue's registry with the
// operators' confirmations applied, or the shipped one without a catalogue.
func (sh *Shop) pricer() *pricing.Pricer {
	if sh.cfg.Catalogue != nil {
		if p := sh.cfg.Catalogue.Pricer(); p != nil {
			return p
		}
	}
	return sh.cfg.Pricer
}

// switchedOff is this step's view of the models switched off at runtime.
func (sh *Shop) switchedOff() map[string]bool {
	if sh.cfg.Catalogue == nil {
		return nil
	}
	return sh.cfg.Catalogue.Off()
}

// Handle implements actors.UpdateHandler.
func (sh *Shop) Handle(ctx context.Context, s actors.Session, upd *models.Update) (actors.Step, error) {
	from, chatID := telegram.Sender(upd)
	if from == nil {
		return actors.Step{}, nil // channel posts and the like: nothing to do
	}
	lang, user, known, err := language(ctx, sh.cfg.Store, from.ID, from.LanguageCode)
	if err != nil {
		return actors.Step{}, err
	}
	isNew := !known
	welcome := func(ctx context.Context, tx *store.Tx) ([]telegram.Op, error) {
		if !isNew {
			return nil, nil
		}
		// The step's own commit records the sender only after Apply, but
		// the welcome credit (and any command's write) needs the user's
		// row now: without it a new user's first update failed for good.
		if _, _, err := tx.TouchUser(ctx, *actors.Sender(upd)); err != nil {
			return nil, err
		}
		if sh.cfg.WelcomeBalance <= 0 {
			return nil, nil
		}
		_, err := tx.GrantWelcome(ctx, from.ID, sh.cfg.WelcomeBalance)
		return nil, err
	}

	if m := upd.Message; m != nil {
		switch {
		case m.SuccessfulPayment != nil:
			return sh.paid(from.ID, chatID, lang, m.SuccessfulPayment), nil
		case m.RefundedPayment != nil:
			return sh.refunded(from.ID, chatID, lang, m.RefundedPayment), nil
		}
	}

	in, ok := inputOf(upd)
	if !ok {
		return actors.Step{}, nil
	}
	if user.Banned() && !sh.isAdmin(from.ID) {
		return sh.suspended(from.ID, chatID, lang, in), nil // and nothing else
	}
	if !sh.isAdmin(from.ID) && !sh.allow(from.ID) {
		ops := []telegram.Op{screenOp(chatID, fsm.RateLimited(lang))}
		if in.Kind == fsm.InputCallback {
			ops = []telegram.Op{telegram.AnswerOp(in.CallbackID, fsm.RateLimited(lang).Text)}
		}
		return actors.Step{Ops: ops, Apply: welcome}, nil
	}
	if in.Kind == fsm.InputCommand && in.Command == "panel" && sh.isAdmin(from.ID) {
		return sh.panelCommand(from.ID, chatID, lang, in.Arg), nil
	}
	if in.Kind == fsm.InputCommand && in.Command == "refund" && sh.isAdmin(from.ID) {
		return sh.adminRefund(ctx, from.ID, chatID, lang, in.Arg)
	}
	if step, ok, err := sh.growthAdmin(ctx, from.ID, chatID, lang, in); ok {
		return step, err
	}

	pricer := sh.pricer()
	env := fsm.Env{
		Lang: lang, UserID: from.ID, FirstName: from.FirstName, IsAdmin: sh.isAdmin(from.ID),
		Registry: pricer.Registry(), Pricer: pricer, FreeDailyLimit: sh.cfg.FreeDailyLimit,
		StarsPackages: sh.cfg.StarsPackages, KopecksPerStar: sh.cfg.KopecksPerStar, MaxRunningJobs: sh.cfg.MaxRunningJobs,
		Now: sh.cfg.Now(), Facts: storeFacts{ctx: ctx, st: sh.cfg.Store, userID: from.ID, welcome: max(sh.cfg.WelcomeBalance, 0)}, SupportContact: sh.cfg.SupportContact,
		SwitchedOff: sh.switchedOff(),
	}
	if sh.manualOn() {
		env.ManualAmounts, env.ManualMaxBytes = sh.cfg.Manual.Amounts, sh.cfg.Manual.MaxBytes
	}
	if sh.subOn() {
		env.SubStars, env.SubKopecks = sh.cfg.Subscription.Stars, sh.cfg.Subscription.Kopecks
		env.Sub = subscriptionFacts{ctx: ctx, st: sh.cfg.Store, userID: from.ID, now: env.Now}
	}
	if env.IsAdmin {
		env.AdminSections = sh.cfg.AdminSections
		env.Admin = consoleFacts{ctx: ctx, op: sh.op, st: sh.cfg.Store, log: sh.log}
		if sh.cfg.Broadcasts != nil {
			env.Broadcasts = broadcastFacts{ctx: ctx, st: sh.cfg.Store}
		}
		if sh.cfg.Manual != nil {
			env.Manual = manualFacts{ctx: ctx, st: sh.cfg.Store}
		}
	}
	res, err := fsm.Step(env, s.State, s.Data, in)
	if err != nil {
		return actors.Step{}, err
	}
	if c, ok := res.Cmd.(fsm.PreviewBroadcast); ok && env.Broadcasts != nil {
		if res, err = sh.previewBroadcast(ctx, env, res, c, chatID); err != nil {
			return actors.Step{}, err
		}
	}
	sh.log.Debug("shop: step", "user_id", from.ID, "from", s.State, "to", res.State, "outs", len(res.Out), "command", fmt.Sprintf("%T", res.Cmd))
	if cl, ok := res.Cmd.(fsm.SetLanguage); ok {
		lang = cl.Lang
	}
	step := actors.Step{State: res.State, Data: res.Data, Ops: ops(chatID, res.Out), Apply: welcome}
	if link := sh.deepLink(in, from, chatID, lang, isNew); link != nil {
		step.Apply = func(ctx context.Context, tx *store.Tx) ([]telegram.Op, error) {
			ops, err := welcome(ctx, tx)
			if err != nil {
				return nil, err
			}
			more, err := link(ctx, tx)
			return append(ops, more...), err
		}
	}
	if res.Cmd == nil {
		return step, nil
	}
	return sh.command(ctx, step, res.Cmd, from.ID, chatID, lang, in)
}

// command attaches the writes of a machine's command to the step.
func (sh *Shop) command(ctx context.Context, step actors.Step, cmd fsm.Command, userID, chatID int64, lang fsm.Lang, in fsm.Input) (actors.Step, error) {
	first := step.Apply
	then := func(next func(context.Context, *store.Tx) ([]telegram.Op, error)) {
		step.Apply = func(ctx context.Context, tx *store.Tx) ([]telegram.Op, error) {
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
		then(func(ctx context.Context, tx *store.Tx) ([]telegram.Op, error) {
			return nil, tx.SetLanguage(ctx, userID, string(c.Lang))
		})
	case fsm.CreateInvoice:
		then(func(ctx context.Context, tx *store.Tx) ([]telegram.Op, error) {
			if refused, err := sh.refusedForBan(ctx, tx, userID, chatID, lang); refused != nil || err != nil {
				return refused, err
			}
			t, err := tx.CreateTopUp(ctx, store.NewTopUp{UserID: userID, Stars: c.Stars, Kopecks: c.Kopecks})
			if err != nil {
				return nil, err
			}
			title, desc, label := fsm.InvoiceText(lang, c.Stars, c.Kopecks)
			return []telegram.Op{{Kind: telegram.OpInvoice, ChatID: chatID, Invoice: &telegram.InvoiceOp{
				Title: title, Description: desc, Payload: t.Payload, Stars: int(c.Stars), Label: label}}}, nil
		})
	case fsm.ResendResult:
		job, err := sh.cfg.Store.UserJob(ctx, userID, c.JobID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return actors.Step{}, err
		}
		if err != nil || job.State != store.JobSucceeded || len(job.ResultURLs) == 0 {
			step.Ops = append(step.Ops, textOp(chatID, fsm.T(lang, fsm.KeyResultGone)))
			break
		}
		step.Ops = append(step.Ops, resultOps(sh.pricer().Registry(), job, lang)...)
	case fsm.CreateJob:
		apply, after, ops := sh.createJob(ctx, c, userID, chatID, lang, in)
		step.Ops = append(step.Ops, ops...)
		if apply != nil {
			then(apply)
			step.AfterCommit = after
		}
	case fsm.CreateManualTopUp:
		then(sh.createManual(c, userID, chatID, lang))
	case fsm.SubmitReceipt:
		return sh.submitReceipt(ctx, step, c, userID, chatID, lang)
	case fsm.Subscribe:
		then(sh.subscribe(c, userID, chatID, lang))
	case fsm.CancelSubscription:
		return sh.changeSubscription(ctx, step, c, userID, chatID, lang)
	case fsm.ShowInvite:
		username := sh.botUsername(ctx) // I/O, before the transaction
		then(func(ctx context.Context, tx *store.Tx) ([]telegram.Op, error) {
			return sh.inviteScreen(ctx, tx, userID, chatID, lang, in, username)
		})
	case fsm.RedeemPromo:
		then(func(ctx context.Context, tx *store.Tx) ([]telegram.Op, error) {
			return sh.redeemPromo(ctx, tx, userID, chatID, lang, c.Code)
		})
	case fsm.AdminAct:
		then(func(ctx context.Context, tx *store.Tx) ([]telegram.Op, error) {
			return sh.act(ctx, tx, c, userID, chatID, lang, in)
		})
		if (c.Kind == fsm.ActModelOff || c.Kind == fsm.ActModelOn || c.Kind == fsm.ActConfirmPrice) && sh.cfg.Catalogue != nil {
			step.AfterCommit = sh.cfg.Catalogue.Kick // this instance need not wait for the NOTIFY
		}
	case fsm.LaunchBroadcast, fsm.ControlBroadcast:
		if sh.cfg.Broadcasts == nil {
			return actors.Step{}, fmt.Errorf("%T without broadcasts", cmd)
		}
		sh.broadcastStep(&step, func(ctx context.Context, tx *store.Tx) ([]telegram.Op, error) {
			if l, ok := c.(fsm.LaunchBroadcast); ok {
				return sh.launchBroadcast(ctx, tx, l, userID, chatID, lang, in)
			}
			return sh.controlBroadcast(ctx, tx, c.(fsm.ControlBroadcast), userID, chatID, lang, in)
		})
	default:
		return actors.Step{}, fmt.Errorf("unknown command %T", cmd)
	}
	return step, nil
}

// createJob re-uploads the user's files to Kie (slow I/O, before the
// transaction), then creates the job and holds its price atomically with
// the update. A second tap of the same confirmation finds the job made by
// the first and changes nothing — looked up before the files are moved, so
// a re-tap costs no transfer; CreateJob's own check covers taps that race.
//
// It returns the transaction's part, what to do after the commit, and ops
// to show at once when there is nothing to write.
func (sh *Shop) createJob(ctx context.Context, c fsm.CreateJob, userID, chatID int64, lang fsm.Lang, in fsm.Input) (
	apply func(context.Context, *store.Tx) ([]telegram.Op, error), after func(), ops []telegram.Op) {
	model, err := sh.pricer().Registry().Model(c.ModelID)
	if err != nil {
		return nil, nil, []telegram.Op{screenOp(chatID, fsm.Apology(lang))}
	}
	switch _, err := sh.cfg.Store.UserJobByKey(ctx, userID, c.IdempotencyKey); {
	case err == nil:
		return nil, nil, nil // a re-tap: the first tap's job stands
	case !errors.Is(err, store.ErrNotFound):
		sh.log.Warn("shop: cannot look for the job of a confirmation; creating it", "user_id", userID, "err", err)
	}
	if sh.kieRefuses(ctx, c, userID) {
		return nil, nil, []telegram.Op{textOp(chatID, fsm.T(lang, fsm.KeyKieUnavailable))}
	}
	urls, err := sh.uploadInputs(ctx, userID, c.FileIDs)
	if err != nil {
		sh.log.Warn("shop: cannot pass the user's files to Kie", "user_id", userID, "err", err)
		key := fsm.KeyFilesFailed
		if errors.Is(err, telegram.ErrFileTooBig) {
			key = fsm.KeyFileTooBigNow
		}
		return nil, nil, []telegram.Op{textOp(chatID, fsm.T(lang, key))}
	}
	timeout := sh.cfg.JobTimeouts[model.Output()]
	if timeout == 0 {
		timeout = sh.cfg.JobTimeouts[pricing.Media("video")]
	}
	maxRunning := sh.cfg.MaxRunningJobs
	if sh.isAdmin(userID) {
		maxRunning = 0
	}
	nj := store.NewJob{
		UserID: userID, ChatID: chatID, ModelID: model.ID(), Category: string(model.Category()), Output: string(model.Output()),
		Params: maps.Clone(c.Params), Inputs: urls, FileIDs: c.FileIDs,
		PriceKopecks: c.Quote.Kopecks, CostMicroCredits: int64(c.Quote.Credits), Free: c.Charge == fsm.ChargeFreeUse,
		FreeDailyLimit: sh.cfg.FreeDailyLimit, IdempotencyKey: c.IdempotencyKey,
		Deadline: sh.cfg.Now().Add(timeout), MaxRunning: maxRunning,
	}
	if nj.Free {
		nj.PriceKopecks = 0
	}
	var created int64
	apply = func(ctx context.Context, tx *store.Tx) ([]telegram.Op, error) {
		// The screen may be older than an admin's ban or switch: the
		// database, read in this transaction, has the last word.
		banned, off, err := tx.OrderBlocks(ctx, userID, model.ID())
		switch {
		case err != nil:
			return nil, err
		case banned && !sh.isAdmin(userID):
			return []telegram.Op{screenOp(chatID, fsm.Suspended(lang, sh.cfg.SupportContact))}, nil
		case off:
			return []telegram.Op{sh.replace(chatID, in, fsm.ModelUnavailable(lang))}, nil
		}
		job, isNew, err := tx.CreateJob(ctx, nj)
		switch {
		case errors.Is(err, store.ErrInsufficientFunds):
			have, _, berr := tx.Balance(ctx, userID)
			if berr != nil {
				return nil, berr
			}
			return []telegram.Op{screenOp(chatID, fsm.InsufficientFunds(lang, nj.PriceKopecks, have, sh.cfg.KopecksPerStar > 0 || sh.manualOn() || sh.subOn()))}, nil
		case errors.Is(err, store.ErrFreeLimit):
			return []telegram.Op{screenOp(chatID, fsm.FreeLimitReached(lang, sh.cfg.FreeDailyLimit))}, nil
		case errors.Is(err, store.ErrTooManyJobs):
			return []telegram.Op{screenOp(chatID, fsm.TooManyJobs(lang, sh.cfg.MaxRunningJobs))}, nil
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
			return []telegram.Op{editOp(chatID, in.MessageID, accepted)}, nil
		}
		return []telegram.Op{screenOp(chatID, accepted)}, nil
	}
	after = func() {
		if created != 0 {
			sh.cfg.WakeJobs(created)
		}
	}
	return apply, after, nil
}

// kieRefuses reports whether Kie's balance cannot cover the order, before
// its files are uploaded or its price held: the user is told generation
// is temporarily unavailable and nothing is written.
func (sh *Shop) kieRefuses(ctx context.Context, c fsm.CreateJob, userID int64) bool {
	if sh.cfg.CheckKieFunds == nil {
		return false
	}
	err := sh.cfg.CheckKieFunds(ctx, kie.Credits(c.Quote.Credits), c.IdempotencyKey)
	if errors.Is(err, ErrKieFundsShort) {
		sh.log.Warn("shop: order refused: Kie's balance cannot cover it", "user_id", userID, "model", c.ModelID, "err", err)
		return true
	}
	return false
}

// uploadInputs streams each Telegram file to Kie's upload API and returns
// the Kie URLs per field. Telegram's file URL (it contains the bot token)
// never leaves the process.
func (sh *Shop) uploadInputs(ctx context.Context, userID int64, fileIDs map[string][]string) (map[string][]string, error) {
	out := map[string][]string{}
	for _, field := range slices.Sorted(maps.Keys(fileIDs)) {
		for _, id := range fileIDs[field] {
			rc, name, err := sh.cfg.Telegram.OpenFile(ctx, id)
			if err != nil {
				return nil, err
			}
			up, err := sh.cfg.Kie.UploadStream(ctx, rc, fmt.Sprintf("kiebot/%d/%d", sh.cfg.Store.BotID(), userID), uniqueName(name))
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

// allow applies the per-user rate limit (20 actions a minute, bursts of
// 30). Limiters of users quiet for ten minutes are forgotten.
func (sh *Shop) allow(userID int64) bool {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	now := sh.cfg.Now()
	l, ok := sh.limiters[userID]
	if !ok {
		if len(sh.limiters) > 10000 {
			for id, x := range sh.limiters {
				if now.Sub(x.seen) > 10*time.Minute {
					delete(sh.limiters, id)
				}
			}
		}
		l = &userLimiter{lim: rate.NewLimiter(rate.Limit(float64(sh.cfg.RatePerMinute)/60), sh.cfg.RateBurst)}
		sh.limiters[userID] = l
	}
	l.seen = now
	return l.lim.AllowN(now, 1)
}

// Apology implements actors.UpdateHandler.
func (sh *Shop) Apology(ctx context.Context, userID int64) []telegram.Op {
	if userID == 0 {
		return nil
	}
	lang, u, known, _ := language(ctx, sh.cfg.Store, userID, "")
	chat := userID
	if known {
		chat = u.ChatID
	}
	return []telegram.Op{screenOp(chat, fsm.Apology(lang))}
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
	fwd := forwardOf(m)
	if f := fileOf(m); f != nil {
		return fsm.Input{Kind: fsm.InputFile, File: f, Text: m.Caption, Forward: fwd, HTML: formattedHTML(m.Caption, m.CaptionEntities)}, true
	}
	if name, arg := command(m.Text); name != "" && fwd == nil {
		return fsm.Input{Kind: fsm.InputCommand, Command: name, Arg: arg}, true
	}
	if m.Text != "" {
		return fsm.Input{Kind: fsm.InputText, Text: m.Text, Forward: fwd, HTML: formattedHTML(m.Text, m.Entities)}, true
	}
	// Stickers, locations, contacts…: shown the hint as unknown text.
	return fsm.Input{Kind: fsm.InputText, Text: "", Forward: fwd}, true
}

// forwardOf is where a forwarded message came from (nil for one that was
// not forwarded).
func forwardOf(m *models.Message) *fsm.Forward {
	o := m.ForwardOrigin
	if o == nil {
		return nil
	}
	switch {
	case o.MessageOriginUser != nil:
		u := o.MessageOriginUser.SenderUser
		return &fsm.Forward{Kind: "user", UserID: u.ID, Name: strings.TrimSpace(u.FirstName + " " + u.LastName)}
	case o.MessageOriginHiddenUser != nil:
		return &fsm.Forward{Kind: "hidden_user", Name: o.MessageOriginHiddenUser.SenderUserName}
	case o.MessageOriginChat != nil:
		return &fsm.Forward{Kind: "chat"}
	case o.MessageOriginChannel != nil:
		return &fsm.Forward{Kind: "channel"}
	}
	return &fsm.Forward{Kind: string(o.Type)}
}

func fileOf(m *models.Message) *fsm.File {
	switch {
	case len(m.Photo) > 0:
		ph := m.Photo[len(m.Photo)-1] // the largest size
		return &fsm.File{Kind: "photo", FileID: ph.FileID, UniqueID: ph.FileUniqueID, Size: int64(ph.FileSize), MIME: "image/jpeg"}
	case m.Document != nil:
		return &fsm.File{Kind: "document", FileID: m.Document.FileID, UniqueID: m.Document.FileUniqueID, Size: m.Document.FileSize,
			MIME: m.Document.MimeType, Name: m.Document.FileName}
	case m.Video != nil:
		return &fsm.File{Kind: "video", FileID: m.Video.FileID, Size: m.Video.FileSize, MIME: m.Video.MimeType, Name: m.Video.FileName, Seconds: int64(m.Video.Duration)}
	case m.Audio != nil:
		return &fsm.File{Kind: "audio", FileID: m.Audio.FileID, Size: m.Audio.FileSize, MIME: m.Audio.MimeType, Name: m.Audio.FileName, Seconds: int64(m.Audio.Duration)}
	case m.Voice != nil:
		return &fsm.File{Kind: "voice", FileID: m.Voice.FileID, Size: m.Voice.FileSize, MIME: m.Voice.MimeType, Seconds: int64(m.Voice.Duration)}
	}
	return nil
}

// command splits "/start@kiebot payload" into ("start", "payload"); it
// returns "" for text that is not a command.
func command(text string) (name, arg string) {
	if !strings.HasPrefix(text, "/") {
		return "", ""
	}
	head, arg, _ := strings.Cut(text[1:], " ")
	head, _, _ = strings.Cut(head, "@")
	return strings.ToLower(head), strings.TrimSpace(arg)
}

func orDefault(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}
