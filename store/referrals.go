package store

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// Referrals. A user's invite link carries their invite code (InviteCode),
// never their Telegram id. A referee is bound to their referrer once, at
// their first contact (BindReferral). Each paid top-up of a referee earns
// the referrer a reward (RewardReferral): a bonus on the first one and a
// share of each, as ReferralTerms say, one "referral" entry keyed by the
// top-up. A refund of the top-up takes the reward back, or as much of it as
// the referrer's balance still has (TakeBackReferral).

// The ledger kinds of referrals.
const (
	KindReferral     EntryKind = "referral"      // a reward for a referee's top-up: balance +amount
	KindReferralBack EntryKind = "referral_back" // a refunded top-up's reward taken back: balance −amount
)

var (
	// ErrSelfReferral: a user followed their own invite link.
	ErrSelfReferral = errors.New("a user cannot invite themselves")
	// ErrReferralLoop: the referrer was (directly or not) invited by the
	// referee.
	ErrReferralLoop = errors.New("referral loop")
	// ErrAlreadyReferred: the referee is bound to a referrer already.
	ErrAlreadyReferred = errors.New("already referred")
	// ErrNotNewUser: the referee has paid or ordered before; only a user
	// new to the bot can be referred.
	ErrNotNewUser = errors.New("not a new user")
)

// inviteAlphabet is what invite codes are made of: lowercase letters and
// digits without the look-alikes 0, o, 1, l.
const inviteAlphabet = "abcdefghijkmnpqrstuvwxyz23456789"

// inviteCodeLen gives 32^8 ≈ 10^12 codes: unguessable enough for a link
// that only attributes sign-ups.
const inviteCodeLen = 8

func newInviteCode() (string, error) {
	b := make([]byte, inviteCodeLen)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	for i := range b {
		b[i] = inviteAlphabet[int(b[i])%len(inviteAlphabet)]
	}
	return string(b), nil
}

// InviteCode returns userID's invite code, making one the first time.
func (q *queries) InviteCode(ctx context.Context, userID int64) (string, error) {
	for range 5 {
		code, err := newInviteCode()
		if err != nil {
			return "", fmt.Errorf("invite code of user %d: %w", userID, err)
		}
		var got string
		err = q.db.QueryRow(ctx, `
			WITH ins AS (
				INSERT INTO referral_codes (bot_id, user_id, code) VALUES ($1, $2, $3)
				ON CONFLICT (bot_id, user_id) DO NOTHING RETURNING code
			)
			SELECT code FROM ins UNION ALL
			SELECT code FROM referral_codes WHERE bot_id = $1 AND user_id = $2`, q.botID, userID, code).Scan(&got)
		if errors.Is(interpret(err), ErrDuplicate) {
			continue // another user's code: draw again
		}
		if err != nil {
			return "", fmt.Errorf("invite code of user %d: %w", userID, interpret(err))
		}
		return got, nil
	}
	return "", fmt.Errorf("invite code of user %d: five random codes were taken", userID)
}

// ReferrerByCode is the user whose invite code is code (ErrNotFound if
// none).
func (q *queries) ReferrerByCode(ctx context.Context, code string) (int64, error) {
	var id int64
	err := q.db.QueryRow(ctx, `SELECT user_id FROM referral_codes WHERE bot_id = $1 AND code = $2`, q.botID, code).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("find invite code: %w", interpret(err))
	}
	return id, nil
}

// Referral is who invited a referee, and when they were bound.
type Referral struct {
	RefereeID, ReferrerID int64
	At                    time.Time
}

// BindReferral records that referrerID invited refereeID. The caller
// decides that the referee is new to the bot (their first update); the
// store refuses what it can see: oneself (ErrSelfReferral), a referee
// bound before (ErrAlreadyReferred), one who paid or ordered already
// (ErrNotNewUser), and a referrer in the referee's own invitation tree
// (ErrReferralLoop). An unknown referrer is ErrNotFound.
func (q *queries) BindReferral(ctx context.Context, refereeID, referrerID int64) (Referral, error) {
	if refereeID == referrerID {
		return Referral{}, fmt.Errorf("bind user %d: %w", refereeID, ErrSelfReferral)
	}
	var (
		r                              Referral
		bound, used, loop, knownReferr bool
	)
	err := q.db.QueryRow(ctx, `
		WITH RECURSIVE up AS (
			SELECT referrer_id FROM referrals WHERE bot_id = $1 AND referee_id = $3
			UNION
			SELECT r.referrer_id FROM referrals r JOIN up ON r.bot_id = $1 AND r.referee_id = up.referrer_id
		)
		SELECT EXISTS (SELECT 1 FROM referrals WHERE bot_id = $1 AND referee_id = $2),
		       EXISTS (SELECT 1 FROM topups WHERE bot_id = $1 AND user_id = $2 AND charge_id IS NOT NULL)
		           OR EXISTS (SELECT 1 FROM jobs WHERE bot_id = $1 AND user_id = $2),
		       EXISTS (SELECT 1 FROM up WHERE referrer_id = $2),
		       EXISTS (SELECT 1 FROM bot_users WHERE bot_id = $1 AND user_id = $3)`,
		q.botID, refereeID, referrerID).Scan(&bound, &used, &loop, &knownReferr)
	switch {
	case err != nil:
		return Referral{}, fmt.Errorf("bind user %d to %d: %w", refereeID, referrerID, interpret(err))
	case bound:
		return Referral{}, fmt.Errorf("bind user %d: %w", refereeID, ErrAlreadyReferred)
	case !knownReferr:
		return Referral{}, fmt.Errorf("bind user %d to unknown user %d: %w", refereeID, referrerID, ErrNotFound)
	case loop:
		return Referral{}, fmt.Errorf("bind user %d to %d: %w", refereeID, referrerID, ErrReferralLoop)
	case used:
		return Referral{}, fmt.Errorf("bind user %d: %w", refereeID, ErrNotNewUser)
	}
	err = q.db.QueryRow(ctx, `
		INSERT INTO referrals (bot_id, referee_id, referrer_id) VALUES ($1, $2, $3)
		ON CONFLICT (bot_id, referee_id) DO NOTHING
		RETURNING referee_id, referrer_id, created_at`, q.botID, refereeID, referrerID).Scan(&r.RefereeID, &r.ReferrerID, &r.At)
	if errors.Is(err, pgx.ErrNoRows) {
		return Referral{}, fmt.Errorf("bind user %d: %w", refereeID, ErrAlreadyReferred)
	}
	if err != nil {
		return Referral{}, fmt.Errorf("bind user %d to %d: %w", refereeID, referrerID, interpret(err))
	}
	return r, nil
}

// ReferrerOf is who invited refereeID (ErrNotFound: nobody).
func (q *queries) ReferrerOf(ctx context.Context, refereeID int64) (Referral, error) {
	var r Referral
	err := q.db.QueryRow(ctx, `SELECT referee_id, referrer_id, created_at FROM referrals WHERE bot_id = $1 AND referee_id = $2`,
		q.botID, refereeID).Scan(&r.RefereeID, &r.ReferrerID, &r.At)
	if err != nil {
		return Referral{}, fmt.Errorf("referrer of user %d: %w", refereeID, interpret(err))
	}
	return r, nil
}

// ReferralTerms are what a referee's paid top-up earns their referrer:
// Bonus kopecks on the first one, Percent of each, for Days after the
// referee was bound (0: forever). The zero value earns nothing.
type ReferralTerms struct {
	Bonus   int64
	Percent int
	Days    int
}

// ReferralReward is what one top-up earned a referrer.
type ReferralReward struct {
	TopUpID, ReferrerID, RefereeID int64
	Bonus, Share                   int64 // kopecks
	TakenBack, Shortfall           int64 // what a refund took back of it, and what it could not
}

// Total is the reward's kopecks.
func (r ReferralReward) Total() int64 { return r.Bonus + r.Share }

// referralKeys are the ledger keys of a top-up's reward and its taking
// back: one of each per top-up, whatever path (a duplicate update, a new
// leader, a refund retried) asks again.
func referralKeys(topUpID int64) (reward, back string) {
	id := strconv.FormatInt(topUpID, 10)
	return "referral:" + id, "referral-back:" + id
}

// RewardReferral pays the referrer of t's payer what t earned them under
// terms, once per top-up: paid is false when there is nothing to pay (no
// referrer, terms earn nothing, the period is over) or it was paid before.
// t must be a paid top-up: only money that came in earns a reward. Its
// row and the referrer's entry are written together; the referee's
// referral row is locked, so two top-ups of one referee never both take
// the first-top-up bonus.
func (q *queries) RewardReferral(ctx context.Context, t TopUp, terms ReferralTerms) (r ReferralReward, paid bool, err error) {
	if t.State != TopUpPaid || t.ChargeID == "" || t.Kopecks <= 0 {
		return ReferralReward{}, false, nil
	}
	if terms.Bonus <= 0 && terms.Percent <= 0 {
		return ReferralReward{}, false, nil
	}
	err = q.atomic(ctx, func(q *queries) error {
		var (
			ref      Referral
			inPeriod bool
		)
		err := q.db.QueryRow(ctx, `
			SELECT referee_id, referrer_id, created_at, ($3::int = 0 OR now() < created_at + make_interval(days => $3::int))
			  FROM referrals WHERE bot_id = $1 AND referee_id = $2 FOR UPDATE`,
			q.botID, t.UserID, terms.Days).Scan(&ref.RefereeID, &ref.ReferrerID, &ref.At, &inPeriod)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("find the referrer: %w", interpret(err))
		}
		var done, bonusGiven, paidBefore bool
		err = q.db.QueryRow(ctx, `
			SELECT EXISTS (SELECT 1 FROM referral_rewards WHERE bot_id = $1 AND topup_id = $3),
			       EXISTS (SELECT 1 FROM referral_rewards WHERE bot_id = $1 AND referee_id = $2 AND bonus_kopecks > 0),
			       EXISTS (SELECT 1 FROM topups WHERE bot_id = $1 AND user_id = $2 AND charge_id IS NOT NULL AND id < $3)`,
			q.botID, t.UserID, t.ID).Scan(&done, &bonusGiven, &paidBefore)
		if err != nil {
			return fmt.Errorf("read earlier rewards: %w", interpret(err))
		}
		if done {
			return nil
		}
		r = ReferralReward{TopUpID: t.ID, ReferrerID: ref.ReferrerID, RefereeID: t.UserID}
		if terms.Bonus > 0 && !bonusGiven && !paidBefore {
			r.Bonus = terms.Bonus
		}
		if terms.Percent > 0 && inPeriod {
			r.Share = t.Kopecks * int64(terms.Percent) / 100
		}
		if r.Total() <= 0 {
			return nil
		}
		if _, err := q.db.Exec(ctx, `
			INSERT INTO referral_rewards (bot_id, topup_id, referrer_id, referee_id, bonus_kopecks, share_kopecks)
			VALUES ($1, $2, $3, $4, $5, $6)`, q.botID, t.ID, r.ReferrerID, r.RefereeID, r.Bonus, r.Share); err != nil {
			return fmt.Errorf("record the reward: %w", interpret(err))
		}
		key, _ := referralKeys(t.ID)
		if _, err := q.appendEntry(ctx, Entry{UserID: r.ReferrerID, Kind: KindReferral, Amount: r.Total(), Key: key,
			Note: fmt.Sprintf("friend %d's top-up %d: bonus %d, share %d", r.RefereeID, t.ID, r.Bonus, r.Share)}); err != nil {
			return fmt.Errorf("credit the reward: %w", err)
		}
		paid = true
		return nil
	})
	if err != nil {
		return ReferralReward{}, false, fmt.Errorf("reward the referrer of top-up %d: %w", t.ID, err)
	}
	return r, paid, nil
}

// TakeBackReferral takes back the reward top-up topUpID earned, once its
// money went back to the payer: all of it, or as much as the referrer's
// spendable balance still has, never below zero (Shortfall is the rest).
// taken is false when the top-up earned no reward or it was taken back
// before.
func (q *queries) TakeBackReferral(ctx context.Context, topUpID int64) (r ReferralReward, taken bool, err error) {
	err = q.atomic(ctx, func(q *queries) error {
		var at *time.Time
		err := q.db.QueryRow(ctx, `
			SELECT topup_id, referrer_id, referee_id, bonus_kopecks, share_kopecks, taken_back_at
			  FROM referral_rewards WHERE bot_id = $1 AND topup_id = $2 FOR UPDATE`, q.botID, topUpID).
			Scan(&r.TopUpID, &r.ReferrerID, &r.RefereeID, &r.Bonus, &r.Share, &at)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && at != nil) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("find the reward: %w", interpret(err))
		}
		_, key := referralKeys(topUpID)
		r.TakenBack, r.Shortfall, err = q.takeBack(ctx, r.ReferrerID, KindReferralBack, key, r.Total(),
			fmt.Sprintf("friend %d's top-up %d refunded", r.RefereeID, topUpID))
		if err != nil {
			return err
		}
		if _, err := q.db.Exec(ctx, `
			UPDATE referral_rewards SET taken_back = $3, shortfall = $4, taken_back_at = now()
			 WHERE bot_id = $1 AND topup_id = $2`, q.botID, topUpID, r.TakenBack, r.Shortfall); err != nil {
			return fmt.Errorf("record the taking back: %w", interpret(err))
		}
		taken = true
		return nil
	})
	if err != nil {
		return ReferralReward{}, false, fmt.Errorf("take back the referral reward of top-up %d: %w", topUpID, err)
	}
	return r, taken, nil
}

// takeBack debits up to amount from userID's spendable balance with one
// entry of kind under key, never below zero; it returns what it took and
// what it could not.
func (q *queries) takeBack(ctx context.Context, userID int64, kind EntryKind, key string, amount int64, note string) (taken, shortfall int64, err error) {
	var balance int64
	if err := q.db.QueryRow(ctx, `SELECT balance_kopecks FROM bot_users WHERE bot_id = $1 AND user_id = $2 FOR UPDATE`,
		q.botID, userID).Scan(&balance); err != nil {
		return 0, 0, fmt.Errorf("lock the balance of user %d: %w", userID, interpret(err))
	}
	taken = min(max(balance, 0), amount)
	shortfall = amount - taken
	if taken > 0 {
		if shortfall > 0 {
			note += fmt.Sprintf("; %d kopecks already spent", shortfall)
		}
		if _, err := q.appendEntry(ctx, Entry{UserID: userID, Kind: kind, Amount: -taken, Key: key, Note: note}); err != nil {
			return 0, 0, fmt.Errorf("debit %d kopecks from user %d: %w", taken, userID, err)
		}
	}
	return taken, shortfall, nil
}

// ReferralStats is what a user's "Invite friends" screen shows.
type ReferralStats struct {
	Joined int   // users bound to them
	Paid   int   // of those, how many have paid a top-up
	Earned int64 // kopecks their rewards net of what refunds took back
}

// ReferralStats counts userID's referees and rewards.
func (q *queries) ReferralStats(ctx context.Context, userID int64) (ReferralStats, error) {
	var s ReferralStats
	err := q.db.QueryRow(ctx, `
		SELECT (SELECT count(*) FROM referrals WHERE bot_id = $1 AND referrer_id = $2),
		       (SELECT count(*) FROM referrals r WHERE r.bot_id = $1 AND r.referrer_id = $2
		           AND EXISTS (SELECT 1 FROM topups t WHERE t.bot_id = $1 AND t.user_id = r.referee_id AND t.charge_id IS NOT NULL)),
		       (SELECT coalesce(sum(bonus_kopecks + share_kopecks - taken_back), 0)::bigint
		          FROM referral_rewards WHERE bot_id = $1 AND referrer_id = $2)`, q.botID, userID).
		Scan(&s.Joined, &s.Paid, &s.Earned)
	if err != nil {
		return ReferralStats{}, fmt.Errorf("referral stats of user %d: %w", userID, interpret(err))
	}
	return s, nil
}
