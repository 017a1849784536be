package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Audit checks of referrals and promo codes.
const (
	// CheckReferral: a referral reward whose entries disagree with its row
	// (keyed "referral:<top-up>" and "referral-back:<top-up>"), one paid on
	// a top-up that never credited money, or an entry without a reward.
	CheckReferral = "referral"
	// CheckPromo: a redemption whose entries disagree with it, a code whose
	// use count differs from its redemptions, or an entry without one.
	CheckPromo = "promo"
)

// growth checks referral rewards and promo redemptions against their
// ledger entries.
func (a *auditor) growth(ctx context.Context) error {
	rows, err := a.db.Query(ctx, `
		WITH e AS (
			SELECT bot_id, user_id, kind, idem_key, amount_kopecks FROM ledger_entries
			 WHERE `+auditBot("bot_id")+` AND kind IN ('referral', 'referral_back', 'promo', 'promo_back')
		), rewards AS (
			SELECT r.bot_id, r.referrer_id AS user_id, 'referral:' || r.topup_id AS key, 'referral-back:' || r.topup_id AS back,
			       r.bonus_kopecks + r.share_kopecks AS owed, r.taken_back, r.shortfall, r.taken_back_at IS NOT NULL AS took,
			       t.user_id = r.referee_id AND t.state IN ('paid', 'refunding', 'refunded') AS earned,
			       t.state = 'refunded' AS refunded, 'top-up ' || r.topup_id AS what
			  FROM referral_rewards r JOIN topups t ON t.bot_id = r.bot_id AND t.id = r.topup_id
			 WHERE `+auditBot("r.bot_id")+`
		), redemptions AS (
			SELECT d.bot_id, d.user_id, 'promo:' || d.code_id || ':' || d.user_id AS key, 'promo-back:' || d.code_id || ':' || d.user_id AS back,
			       d.amount_kopecks AS owed, d.taken_back, d.shortfall, d.taken_back + d.shortfall > 0 AS took,
			       (d.state = 'credited' AND c.kind = 'credit' AND d.amount_kopecks = c.amount_kopecks)
			         OR (d.state = 'pending' AND c.kind = 'bonus' AND d.amount_kopecks = 0)
			         OR (d.state = 'applied' AND c.kind = 'bonus') AS earned,
			       d.state = 'applied' AND coalesce(t.state = 'refunded', false) AS refunded, 'code ' || c.code AS what
			  FROM promo_redemptions d JOIN promo_codes c ON c.bot_id = d.bot_id AND c.id = d.code_id
			  LEFT JOIN topups t ON t.bot_id = d.bot_id AND t.id = d.topup_id
			 WHERE `+auditBot("d.bot_id")+`
		), owed AS (
			SELECT 'referral' AS chk, * FROM rewards UNION ALL SELECT 'promo', * FROM redemptions
		)
		SELECT o.chk, o.bot_id, o.user_id, o.what, o.owed, o.taken_back, o.shortfall, o.took, o.earned, o.refunded,
		       (SELECT count(*) FROM e WHERE e.bot_id = o.bot_id AND e.idem_key = o.key AND e.user_id = o.user_id AND e.kind IN ('referral', 'promo')),
		       coalesce((SELECT sum(amount_kopecks) FROM e WHERE e.bot_id = o.bot_id AND e.idem_key = o.key AND e.user_id = o.user_id), 0)::bigint,
		       coalesce((SELECT -sum(amount_kopecks) FROM e WHERE e.bot_id = o.bot_id AND e.idem_key = o.back AND e.user_id = o.user_id), 0)::bigint
		  FROM owed o
		 ORDER BY 2, 3, 4`, a.botID)
	if err != nil {
		return fmt.Errorf("check rewards: %w", interpret(err))
	}
	var (
		check, what                           string
		bot, user, owed, takenBack, shortfall int64
		took, earned, refunded                bool
		credits, credited, back               int64
	)
	_, err = pgx.ForEachRow(rows, []any{&check, &bot, &user, &what, &owed, &takenBack, &shortfall, &took, &earned, &refunded, &credits, &credited, &back}, func() error {
		wantCredits := int64(0)
		if owed > 0 {
			wantCredits = 1
		}
		ok := earned && credits == wantCredits && credited == owed && back == takenBack && takenBack+shortfall <= owed
		// Taken back exactly when (and only after) the top-up was refunded.
		if check == CheckReferral || owed > 0 {
			ok = ok && (!took || refunded) && (!took || takenBack+shortfall == owed)
		}
		if !ok {
			a.add(Problem{BotID: bot, UserID: user, Check: check, Detail: fmt.Sprintf(
				"%s: owed %d kopecks, %d credits of %d, taken back %d (recorded %d, shortfall %d), earned %t, refunded %t",
				what, owed, credits, credited, back, takenBack, shortfall, earned, refunded)})
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("check rewards: %w", interpret(err))
	}
	return a.growthStrays(ctx)
}

// growthStrays finds referral and promo entries no reward or redemption
// accounts for, and codes whose use count is off.
func (a *auditor) growthStrays(ctx context.Context) error {
	rows, err := a.db.Query(ctx, `
		SELECT CASE WHEN e.kind LIKE 'referral%' THEN 'referral' ELSE 'promo' END, e.bot_id, e.user_id,
		       e.kind || ' entry ' || e.id || ' (' || e.idem_key || ') belongs to no reward or redemption'
		  FROM ledger_entries e
		 WHERE `+auditBot("e.bot_id")+` AND e.kind IN ('referral', 'referral_back', 'promo', 'promo_back')
		   AND NOT EXISTS (SELECT 1 FROM referral_rewards r WHERE r.bot_id = e.bot_id AND r.referrer_id = e.user_id
		                     AND e.idem_key IN ('referral:' || r.topup_id, 'referral-back:' || r.topup_id))
		   AND NOT EXISTS (SELECT 1 FROM promo_redemptions d WHERE d.bot_id = e.bot_id AND d.user_id = e.user_id
		                     AND e.idem_key IN ('promo:' || d.code_id || ':' || d.user_id, 'promo-back:' || d.code_id || ':' || d.user_id))
		UNION ALL
		SELECT 'promo', c.bot_id, c.created_by, 'code ' || c.code || ' counts ' || c.used || ' uses, has ' || count(d.user_id) || ' redemptions'
		  FROM promo_codes c LEFT JOIN promo_redemptions d ON d.bot_id = c.bot_id AND d.code_id = c.id
		 WHERE `+auditBot("c.bot_id")+`
		 GROUP BY c.bot_id, c.id HAVING c.used <> count(d.user_id)
		ORDER BY 2, 3`, a.botID)
	if err != nil {
		return fmt.Errorf("check reward entries: %w", interpret(err))
	}
	var (
		check, detail string
		bot, user     int64
	)
	_, err = pgx.ForEachRow(rows, []any{&check, &bot, &user, &detail}, func() error {
		a.add(Problem{BotID: bot, UserID: user, Check: check, Detail: detail})
		return nil
	})
	if err != nil {
		return fmt.Errorf("check reward entries: %w", interpret(err))
	}
	return nil
}
