package shop

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/kiebot/kiebot/actors"
	"github.com/kiebot/kiebot/actors/shop/operator"
	"github.com/kiebot/kiebot/actors/telegram"
	"github.com/kiebot/kiebot/fsm"
	"github.com/kiebot/kiebot/pricing"
	"github.com/kiebot/kiebot/store"
)

// The console's promo and campaign commands (admins only; to anyone else
// they are unknown commands, answered by the conversation machine):
//
//	/promonew CODE AMOUNT|N% USES [DAYS]   create a code (audited)
//	/promos                                 the codes, newest first
//	/promoinfo CODE                         a code and its redemptions
//	/promooff CODE                          withdraw a code (audited)
//	/sources                                users, payers, revenue per campaign tag
//
// Changes run through package operator in the update's transaction, with
// their audit row.

const (
	promoListLimit       = 30
	promoRedemptionLimit = 30
)

// growthAdmin handles the commands above; ok is false for anything else.
func (sh *Shop) growthAdmin(ctx context.Context, adminID, chatID int64, lang fsm.Lang, in fsm.Input) (step actors.Step, ok bool, err error) {
	if in.Kind != fsm.InputCommand || !sh.isAdmin(adminID) {
		return actors.Step{}, false, nil
	}
	reply := func(text string) (actors.Step, bool, error) {
		return actors.Step{Ops: []telegram.Op{textOp(chatID, text)}}, true, nil
	}
	args := strings.Fields(in.Arg)
	switch in.Command {
	case "promonew":
		n, problem := parsePromo(args)
		if problem != "" {
			return reply(fsm.T(lang, fsm.KeyAdminPromoBad, fsm.Escape(problem)) + "\n\n" + fsm.T(lang, fsm.KeyAdminPromoHelp))
		}
		n.Request = operator.Request{AdminID: adminID, Key: "new:" + n.Code}
		return actors.Step{Apply: func(ctx context.Context, tx *store.Tx) ([]telegram.Op, error) {
			p, err := sh.op.CreatePromo(ctx, tx, n)
			switch {
			case errors.Is(err, operator.ErrPromoExists), errors.Is(err, operator.ErrAlreadyDone):
				return []telegram.Op{textOp(chatID, fsm.T(lang, fsm.KeyAdminPromoExists, fsm.Escape(n.Code)))}, nil
			case errors.Is(err, operator.ErrPromoBad), errors.Is(err, operator.ErrBadAmount):
				return []telegram.Op{textOp(chatID, fsm.T(lang, fsm.KeyAdminPromoBad, fsm.Escape(err.Error())))}, nil
			case err != nil:
				return nil, err
			}
			return []telegram.Op{textOp(chatID, fsm.T(lang, fsm.KeyAdminPromoCreated, promoLine(lang, p, sh.cfg.Now())))}, nil
		}}, true, nil
	case "promooff":
		if len(args) != 1 {
			return reply(fsm.T(lang, fsm.KeyAdminPromoHelp))
		}
		code, _ := store.NormalizePromoCode(args[0])
		return actors.Step{Apply: func(ctx context.Context, tx *store.Tx) ([]telegram.Op, error) {
			p, err := sh.op.DisablePromo(ctx, tx, operator.Request{AdminID: adminID, Key: "off:" + code}, code)
			switch {
			case errors.Is(err, store.ErrNotFound):
				return []telegram.Op{textOp(chatID, fsm.T(lang, fsm.KeyAdminPromoNotFound, fsm.Escape(code)))}, nil
			case errors.Is(err, operator.ErrUnchanged), errors.Is(err, operator.ErrAlreadyDone):
				return []telegram.Op{textOp(chatID, fsm.T(lang, fsm.KeyAdminPromoWasOff, promoLine(lang, p, sh.cfg.Now())))}, nil
			case err != nil:
				return nil, err
			}
			return []telegram.Op{textOp(chatID, fsm.T(lang, fsm.KeyAdminPromoDisabled, promoLine(lang, p, sh.cfg.Now())))}, nil
		}}, true, nil
	case "promos":
		ps, err := sh.cfg.Store.PromoCodes(ctx, promoListLimit)
		if err != nil {
			return actors.Step{}, true, err
		}
		var b strings.Builder
		if len(ps) == 0 {
			b.WriteString(fsm.T(lang, fsm.KeyAdminPromoNone))
		} else {
			b.WriteString(fsm.T(lang, fsm.KeyAdminPromoListHead))
			for _, p := range ps {
				b.WriteString("\n" + promoLine(lang, p, sh.cfg.Now()))
			}
		}
		b.WriteString("\n\n" + fsm.T(lang, fsm.KeyAdminPromoHelp))
		return reply(b.String())
	case "promoinfo":
		if len(args) != 1 {
			return reply(fsm.T(lang, fsm.KeyAdminPromoHelp))
		}
		p, err := sh.cfg.Store.PromoByCode(ctx, args[0])
		if errors.Is(err, store.ErrNotFound) {
			code, _ := store.NormalizePromoCode(args[0])
			return reply(fsm.T(lang, fsm.KeyAdminPromoNotFound, fsm.Escape(code)))
		}
		if err != nil {
			return actors.Step{}, true, err
		}
		rs, err := sh.cfg.Store.PromoRedemptions(ctx, p.ID, promoRedemptionLimit)
		if err != nil {
			return actors.Step{}, true, err
		}
		var b strings.Builder
		b.WriteString(promoLine(lang, p, sh.cfg.Now()) + "\n\n")
		if len(rs) == 0 {
			b.WriteString(fsm.T(lang, fsm.KeyAdminPromoRedNone))
		} else {
			b.WriteString(fsm.T(lang, fsm.KeyAdminPromoRedHead))
			for _, r := range rs {
				what := pricing.FormatRUB(r.Amount)
				if r.State == store.RedemptionPending {
					what = "⏳"
				}
				b.WriteString("\n" + fsm.T(lang, fsm.KeyAdminPromoRedLine, consoleTime(r.CreatedAt), r.UserID, r.State, what))
			}
		}
		return reply(b.String())
	case "sources":
		stats, err := sh.cfg.Store.SourceStats(ctx)
		if err != nil {
			return actors.Step{}, true, err
		}
		if len(stats) == 0 {
			return reply(fsm.T(lang, fsm.KeyAdminSourcesNone))
		}
		var b strings.Builder
		b.WriteString(fsm.T(lang, fsm.KeyAdminSourcesHead))
		for _, s := range stats {
			b.WriteString("\n" + fsm.T(lang, fsm.KeyAdminSourcesLine, fsm.Escape(s.Source), s.Users, s.Payers, pricing.FormatRUB(s.Revenue)))
		}
		return reply(b.String())
	}
	return actors.Step{}, false, nil
}

// parsePromo reads "CODE AMOUNT|N% USES [DAYS]"; problem says what is
// wrong ("" when nothing is).
func parsePromo(args []string) (operator.NewPromo, string) {
	if len(args) < 3 || len(args) > 4 {
		return operator.NewPromo{}, "want CODE AMOUNT|N% USES [DAYS]"
	}
	code, ok := store.NormalizePromoCode(args[0])
	if !ok {
		return operator.NewPromo{}, "the code: 3 to 32 of A-Z 0-9 _ -"
	}
	n := operator.NewPromo{Code: code}
	if pct, isPct := strings.CutSuffix(args[1], "%"); isPct {
		v, err := strconv.Atoi(pct)
		if err != nil || v < 1 || v > 100 {
			return operator.NewPromo{}, "the bonus: 1% to 100%"
		}
		n.Kind, n.Percent = store.PromoBonus, v
	} else {
		k, problem := fsm.ParseAmount(args[1])
		if problem != "" || k <= 0 {
			return operator.NewPromo{}, "the amount: roubles above zero, e.g. 100 or 99.50"
		}
		n.Kind, n.Amount = store.PromoCredit, k
	}
	uses, err := strconv.Atoi(args[2])
	if err != nil || uses < 1 || uses > operator.MaxPromoUses {
		return operator.NewPromo{}, "the uses: 1 to " + strconv.Itoa(operator.MaxPromoUses)
	}
	n.Uses = uses
	if len(args) == 4 {
		days, err := strconv.Atoi(args[3])
		if err != nil || days < 0 || days > operator.MaxPromoDays {
			return operator.NewPromo{}, "the days: 0 (no expiry) to " + strconv.Itoa(operator.MaxPromoDays)
		}
		n.Days = days
	}
	return n, ""
}

// promoLine is one code in the console's lists.
func promoLine(lang fsm.Lang, p store.PromoCode, now time.Time) string {
	what := fsm.T(lang, fsm.KeyAdminPromoCredit, pricing.FormatRUB(p.Amount))
	if p.Kind == store.PromoBonus {
		what = fsm.T(lang, fsm.KeyAdminPromoBonus, p.Percent)
	}
	until := fsm.T(lang, fsm.KeyAdminPromoForever)
	if !p.ExpiresAt.IsZero() {
		until = fsm.T(lang, fsm.KeyAdminPromoUntil, consoleTime(p.ExpiresAt))
	}
	state := fsm.T(lang, fsm.KeyAdminPromoOn)
	switch {
	case !p.DisabledAt.IsZero():
		state = fsm.T(lang, fsm.KeyAdminPromoOff)
	case !p.ExpiresAt.IsZero() && !p.ExpiresAt.After(now):
		state = fsm.T(lang, fsm.KeyAdminPromoExpired)
	}
	return fsm.T(lang, fsm.KeyAdminPromoLine, fsm.Escape(p.Code), what, p.Used, p.MaxUses, until, state)
}

// consoleTime is how the console shows a moment: Moscow time.
func consoleTime(t time.Time) string { return t.In(operator.Moscow()).Format("02.01.2006 15:04") }
