package shop

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/kiebot/kiebot/actors/shop/operator"
	"github.com/kiebot/kiebot/actors/telegram"
	"github.com/kiebot/kiebot/fsm"
	"github.com/kiebot/kiebot/pricing"
	"github.com/kiebot/kiebot/store"
)

// Growth: invitations and their rewards, promo codes, campaign sources.
//
// Deep links (/start <payload>) are read after the update's welcome:
// ref_<code> binds a new user to the code's owner, promo_<CODE> redeems a
// code, src_<tag> records a new user's campaign source. Money only ever
// comes from a paid top-up: afterTopUp pays a referrer's reward and a
// waiting promo bonus on it, afterRefund takes them back once the top-up's
// money went back. Every top-up path that credits real money (Stars here;
// any other method likewise) calls afterTopUp in the transaction that
// credits it, and every path that refunds one calls afterRefund.

// GrowthConfig configures referrals and promo codes.
type GrowthConfig struct {
	// Referral is what a referee's paid top-up earns their referrer
	// (REFERRAL_BONUS, REFERRAL_PERCENT, REFERRAL_DAYS); zero: nothing.
	Referral store.ReferralTerms
	// PromoFailures wrong promo codes a user may send per PromoWindow;
	// defaults 5 and an hour. Admins are not limited.
	PromoFailures int
	PromoWindow   time.Duration
	// BotUsername is the bot's @username (without @) for invite links;
	// "" asks Telegram (getMe) the first time a link is shown.
	BotUsername string
}

// botName is the bot's username, learned once.
type botName struct {
	mu   sync.Mutex
	name string
}

// botUsername is the bot's username, from the configuration or getMe;
// "" when Telegram cannot say now (the invite screen then says the link
// is unavailable, and the next one asks again).
func (sh *Shop) botUsername(ctx context.Context) string {
	sh.name.mu.Lock()
	defer sh.name.mu.Unlock()
	if sh.name.name != "" {
		return sh.name.name
	}
	me, err := sh.cfg.Telegram.Bot.GetMe(ctx)
	if err != nil || me == nil || me.Username == "" {
		sh.log.Warn("shop: cannot learn the bot's username for invite links", "err", err)
		return ""
	}
	sh.name.name = me.Username
	return me.Username
}

func (sh *Shop) promoLimit(userID int64) store.PromoLimit {
	if sh.isAdmin(userID) {
		return store.PromoLimit{}
	}
	return store.PromoLimit{Failures: orDefault(sh.cfg.Growth.PromoFailures, 5), Window: cmpDuration(sh.cfg.Growth.PromoWindow, time.Hour)}
}

func cmpDuration(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Deep-link payload prefixes (/start <prefix><value>).
const (
	linkReferral = "ref_"
	linkPromo    = "promo_"
	linkSource   = "src_"
)

// deepLink is the write a /start payload asks for, to run after the
// welcome (which records a new user); nil when there is none. isNew says
// the sender is new to this bot: only then does a referral bind or a
// source count.
func (sh *Shop) deepLink(in fsm.Input, from *models.User, chatID int64, lang fsm.Lang, isNew bool) func(context.Context, *store.Tx) ([]telegram.Op, error) {
	if in.Kind != fsm.InputCommand || in.Command != "start" || in.Arg == "" {
		return nil
	}
	payload := in.Arg
	switch {
	case strings.HasPrefix(payload, linkReferral):
		code := strings.ToLower(strings.TrimPrefix(payload, linkReferral))
		return func(ctx context.Context, tx *store.Tx) ([]telegram.Op, error) {
			return sh.bindReferral(ctx, tx, from, chatID, lang, isNew, code)
		}
	case strings.HasPrefix(payload, linkPromo):
		code := strings.TrimPrefix(payload, linkPromo)
		return func(ctx context.Context, tx *store.Tx) ([]telegram.Op, error) {
			return sh.redeemPromo(ctx, tx, from.ID, chatID, lang, code)
		}
	case strings.HasPrefix(payload, linkSource) && isNew:
		tag := strings.TrimPrefix(payload, linkSource)
		return func(ctx context.Context, tx *store.Tx) ([]telegram.Op, error) {
			recorded, err := tx.SetSource(ctx, from.ID, tag)
			if recorded {
				sh.log.Info("shop: a new user came by a campaign link", "user_id", from.ID, "source", tag)
			}
			return nil, err
		}
	}
	return nil
}

// bindReferral binds a new user to the owner of the invite code and tells
// both; anyone else is told why nothing happened.
func (sh *Shop) bindReferral(ctx context.Context, tx *store.Tx, from *models.User, chatID int64, lang fsm.Lang, isNew bool, code string) ([]telegram.Op, error) {
	note := func(key fsm.Key) ([]telegram.Op, error) {
		return []telegram.Op{screenOp(chatID, fsm.GrowthNote(lang, key))}, nil
	}
	referrerID, err := tx.ReferrerByCode(ctx, code)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return note(fsm.KeyReferralUnknown)
	case err != nil:
		return nil, err
	case referrerID == from.ID:
		return note(fsm.KeyReferralSelf)
	case !isNew:
		return note(fsm.KeyReferralNotNew)
	}
	_, err = tx.BindReferral(ctx, from.ID, referrerID)
	switch {
	case errors.Is(err, store.ErrSelfReferral):
		return note(fsm.KeyReferralSelf)
	case errors.Is(err, store.ErrReferralLoop):
		return note(fsm.KeyReferralLoop)
	case errors.Is(err, store.ErrAlreadyReferred), errors.Is(err, store.ErrNotNewUser):
		return note(fsm.KeyReferralNotNew)
	case errors.Is(err, store.ErrNotFound):
		return note(fsm.KeyReferralUnknown)
	case err != nil:
		return nil, err
	}
	referrer, err := tx.User(ctx, referrerID)
	if err != nil {
		return nil, err
	}
	name := strings.TrimSpace(from.FirstName)
	rlang := fsm.LangOf(referrer.Language)
	if name == "" {
		name = fsm.T(rlang, fsm.KeyFriend)
	}
	sh.log.Info("shop: a new user came by an invitation", "user_id", from.ID, "referrer_id", referrerID)
	return []telegram.Op{
		screenOp(chatID, fsm.GrowthNote(lang, fsm.KeyReferralJoined)),
		screenOp(referrer.ChatID, fsm.GrowthNote(rlang, fsm.KeyReferralNewFriend, fsm.Escape(name))),
	}, nil
}

// redeemPromo redeems a promo code and says how it went.
func (sh *Shop) redeemPromo(ctx context.Context, tx *store.Tx, userID, chatID int64, lang fsm.Lang, code string) ([]telegram.Op, error) {
	note := func(key fsm.Key, args ...any) ([]telegram.Op, error) {
		return []telegram.Op{screenOp(chatID, fsm.GrowthNote(lang, key, args...))}, nil
	}
	_, p, err := tx.RedeemPromo(ctx, userID, code, sh.promoLimit(userID))
	switch {
	case errors.Is(err, store.ErrPromoRateLimited):
		sh.log.Warn("shop: promo code refused: too many wrong codes", "user_id", userID)
		return note(fsm.KeyPromoRateLimited)
	case errors.Is(err, store.ErrPromoUnknown):
		sh.log.Info("shop: a wrong promo code", "user_id", userID)
		return note(fsm.KeyPromoUnknown)
	case errors.Is(err, store.ErrPromoAlreadyUsed):
		return note(fsm.KeyPromoAlreadyUsed)
	case errors.Is(err, store.ErrPromoDisabled):
		return note(fsm.KeyPromoDisabled)
	case errors.Is(err, store.ErrPromoExpired):
		return note(fsm.KeyPromoExpired)
	case errors.Is(err, store.ErrPromoUsedUp):
		return note(fsm.KeyPromoUsedUp)
	case err != nil:
		return nil, err
	}
	sh.log.Info("shop: promo code redeemed", "user_id", userID, "code", p.Code, "kind", p.Kind, "kopecks", p.Amount, "percent", p.Percent)
	if p.Kind == store.PromoBonus {
		return note(fsm.KeyPromoPending, fsm.Escape(p.Code), p.Percent)
	}
	balance, _, err := tx.Balance(ctx, userID)
	if err != nil {
		return nil, err
	}
	return note(fsm.KeyPromoCredited, fsm.Escape(p.Code), pricing.FormatRUB(p.Amount), pricing.FormatRUB(balance))
}

// inviteScreen shows the user's invite link (making their code the first
// time) and their referral counts.
func (sh *Shop) inviteScreen(ctx context.Context, tx *store.Tx, userID, chatID int64, lang fsm.Lang, in fsm.Input, username string) ([]telegram.Op, error) {
	v := fsm.InviteView{Bonus: sh.cfg.Growth.Referral.Bonus, Percent: sh.cfg.Growth.Referral.Percent, Days: sh.cfg.Growth.Referral.Days}
	if username != "" {
		code, err := tx.InviteCode(ctx, userID)
		if err != nil {
			return nil, err
		}
		v.Link = "https://t.me/" + username + "?start=" + linkReferral + code
	}
	s, err := tx.ReferralStats(ctx, userID)
	if err != nil {
		return nil, err
	}
	v.Joined, v.Paid, v.Earned = s.Joined, s.Paid, s.Earned
	screen := fsm.InviteScreen(lang, v)
	if strings.HasPrefix(in.Callback, "*|") { // a global button: it may sit on a result
		return []telegram.Op{screenOp(chatID, screen)}, nil
	}
	return []telegram.Op{sh.replace(chatID, in, screen)}, nil
}

// afterTopUp pays what top-up t earned, in the transaction that credited
// it: a promo bonus its payer was waiting for, and their referrer's
// reward; each is keyed by the top-up, so asking twice pays once. It
// returns the messages to the payer and the referrer.
func (sh *Shop) afterTopUp(ctx context.Context, tx *store.Tx, t store.TopUp, payerChat int64, payerLang fsm.Lang) ([]telegram.Op, error) {
	var ops []telegram.Op
	r, p, applied, err := tx.ApplyPromoBonus(ctx, t)
	if err != nil {
		return nil, err
	}
	if applied && r.Amount > 0 {
		balance, _, err := tx.Balance(ctx, t.UserID)
		if err != nil {
			return nil, err
		}
		sh.log.Info("shop: promo bonus paid on a top-up", "user_id", t.UserID, "code", p.Code, "topup_id", t.ID, "kopecks", r.Amount)
		ops = append(ops, screenOp(payerChat, fsm.GrowthNote(payerLang, fsm.KeyPromoApplied, fsm.Escape(p.Code), pricing.FormatRUB(r.Amount), p.Percent, pricing.FormatRUB(balance))))
	}
	rw, paid, err := tx.RewardReferral(ctx, t, sh.cfg.Growth.Referral)
	if err != nil || !paid {
		return ops, err
	}
	referrer, err := tx.User(ctx, rw.ReferrerID)
	if err != nil {
		return nil, err
	}
	balance, _, err := tx.Balance(ctx, rw.ReferrerID)
	if err != nil {
		return nil, err
	}
	sh.log.Info("shop: referral reward paid", "referrer_id", rw.ReferrerID, "user_id", t.UserID, "topup_id", t.ID,
		"bonus_kopecks", rw.Bonus, "share_kopecks", rw.Share)
	ops = append(ops, screenOp(referrer.ChatID, fsm.GrowthNote(fsm.LangOf(referrer.Language), fsm.KeyReferralReward,
		pricing.FormatRUB(rw.Total()), pricing.FormatRUB(balance))))
	if rw.Bonus > 0 {
		ops = append(ops, textOp(payerChat, fsm.T(payerLang, fsm.KeyReferralBonusOf)))
	}
	return ops, nil
}

// manualEarned pays what an approved manual top-up earned (afterTopUp on
// the paid top-up the approval created).
func (sh *Shop) manualEarned(ctx context.Context, tx *store.Tx, done operator.ManualDone) ([]telegram.Op, error) {
	t, err := tx.TopUpByChargeID(ctx, done.Manual.ChargeID())
	if err != nil {
		return nil, fmt.Errorf("top-up of manual request %d: %w", done.Manual.ID, err)
	}
	return sh.afterTopUp(ctx, tx, t, done.User.ChatID, fsm.LangOf(done.User.Language))
}

// afterRefund takes back what top-up t earned, once its money went back
// to the payer: the referrer's reward and the payer's promo bonus, each
// all of it or what the balance still has (the rest is logged for an
// operator). Keyed by the top-up: a second notice takes nothing more.
func (sh *Shop) afterRefund(ctx context.Context, tx *store.Tx, t store.TopUp) ([]telegram.Op, error) {
	var ops []telegram.Op
	rw, taken, err := tx.TakeBackReferral(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	if taken {
		referrer, err := tx.User(ctx, rw.ReferrerID)
		if err != nil {
			return nil, err
		}
		balance, _, err := tx.Balance(ctx, rw.ReferrerID)
		if err != nil {
			return nil, err
		}
		rlang := fsm.LangOf(referrer.Language)
		text := fsm.T(rlang, fsm.KeyReferralTakeBack, pricing.FormatRUB(rw.TakenBack), pricing.FormatRUB(balance))
		if rw.Shortfall > 0 {
			sh.log.Warn("shop: a refunded top-up's referral reward was partly spent; the rest cannot be taken back",
				"referrer_id", rw.ReferrerID, "topup_id", t.ID, "taken_kopecks", rw.TakenBack, "shortfall_kopecks", rw.Shortfall)
			text += "\n" + fsm.T(rlang, fsm.KeyReferralShortfall, pricing.FormatRUB(rw.Shortfall))
		} else {
			sh.log.Info("shop: a refunded top-up's referral reward taken back", "referrer_id", rw.ReferrerID, "topup_id", t.ID, "kopecks", rw.TakenBack)
		}
		ops = append(ops, textOp(referrer.ChatID, text))
	}
	pr, taken, shortfall, err := tx.TakeBackPromoBonus(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	if taken {
		if shortfall > 0 {
			sh.log.Warn("shop: a refunded top-up's promo bonus was partly spent", "user_id", t.UserID, "topup_id", t.ID,
				"taken_kopecks", pr.TakenBack, "shortfall_kopecks", shortfall)
		}
		if pr.TakenBack > 0 {
			payer, err := tx.User(ctx, t.UserID)
			if err != nil {
				return nil, err
			}
			ops = append(ops, textOp(payer.ChatID, fsm.T(fsm.LangOf(payer.Language), fsm.KeyPromoTakenBack, pricing.FormatRUB(pr.TakenBack))))
		}
	}
	return ops, nil
}
