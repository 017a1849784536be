-- Growth: referrals, promo codes and campaign links. Every table is keyed
-- by bot_id first.

-- Four new ledger kinds, none tied to a job or a top-up of the entry's own
-- user (a referral reward is booked to the referrer but earned by the
-- referee's top-up, which referral_rewards records):
--   referral      a reward for a referee's paid top-up: balance +amount
--   referral_back a refunded top-up's reward taken back: balance −amount
--   promo         a promo code's credit or bonus: balance +amount
--   promo_back    a refunded top-up's promo bonus taken back: balance −amount
-- entry_shape is re-created with every earlier kind unchanged.
ALTER TABLE ledger_entries DROP CONSTRAINT entry_shape;
ALTER TABLE ledger_entries ADD CONSTRAINT entry_shape CHECK (CASE kind
    WHEN 'topup'         THEN amount_kopecks > 0 AND held_change_kopecks = 0 AND topup_id IS NOT NULL
    WHEN 'welcome'       THEN amount_kopecks > 0 AND held_change_kopecks = 0
    WHEN 'adjustment'    THEN amount_kopecks <> 0 AND held_change_kopecks = 0
    WHEN 'refund'        THEN amount_kopecks < 0 AND held_change_kopecks = 0 AND topup_id IS NOT NULL
    WHEN 'hold'          THEN amount_kopecks < 0 AND held_change_kopecks = -amount_kopecks AND job_id IS NOT NULL
    WHEN 'capture'       THEN amount_kopecks = 0 AND held_change_kopecks < 0 AND job_id IS NOT NULL
    WHEN 'release'       THEN amount_kopecks > 0 AND held_change_kopecks = -amount_kopecks AND job_id IS NOT NULL
    WHEN 'admin_adjust'  THEN amount_kopecks <> 0 AND held_change_kopecks = 0 AND job_id IS NULL AND topup_id IS NULL
    WHEN 'job_refund'    THEN amount_kopecks > 0 AND held_change_kopecks = 0 AND job_id IS NOT NULL AND topup_id IS NULL
    WHEN 'referral'      THEN amount_kopecks > 0 AND held_change_kopecks = 0 AND job_id IS NULL AND topup_id IS NULL
    WHEN 'referral_back' THEN amount_kopecks < 0 AND held_change_kopecks = 0 AND job_id IS NULL AND topup_id IS NULL
    WHEN 'promo'         THEN amount_kopecks > 0 AND held_change_kopecks = 0 AND job_id IS NULL AND topup_id IS NULL
    WHEN 'promo_back'    THEN amount_kopecks < 0 AND held_change_kopecks = 0 AND job_id IS NULL AND topup_id IS NULL
    ELSE false END);

-- Each user's invite code (the link carries it, never the Telegram id),
-- made the first time they open the "Invite friends" screen.
CREATE TABLE referral_codes (
    bot_id     bigint      NOT NULL,
    user_id    bigint      NOT NULL,
    code       text        NOT NULL CHECK (code ~ '^[a-z0-9]{6,16}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bot_id, user_id),
    UNIQUE (bot_id, code),
    FOREIGN KEY (bot_id, user_id) REFERENCES bot_users (bot_id, user_id)
);

-- Who invited whom: one row per referee, written once, at their first
-- contact with the bot. Never oneself; loops are refused by the store.
CREATE TABLE referrals (
    bot_id      bigint      NOT NULL,
    referee_id  bigint      NOT NULL,
    referrer_id bigint      NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bot_id, referee_id),
    CHECK (referee_id <> referrer_id),
    FOREIGN KEY (bot_id, referee_id) REFERENCES bot_users (bot_id, user_id),
    FOREIGN KEY (bot_id, referrer_id) REFERENCES bot_users (bot_id, user_id)
);
CREATE INDEX referrals_referrer ON referrals (bot_id, referrer_id);

-- The reward a paid top-up earned its payer's referrer: one row per
-- top-up (the key of its ledger entries, "referral:<topup id>" and
-- "referral-back:<topup id>"). bonus is the first-top-up bonus, share the
-- percentage; taken_back what a refund of the top-up took back of them,
-- shortfall what it could not (already spent).
CREATE TABLE referral_rewards (
    bot_id          bigint      NOT NULL,
    topup_id        bigint      NOT NULL,
    referrer_id     bigint      NOT NULL,
    referee_id      bigint      NOT NULL,
    bonus_kopecks   bigint      NOT NULL CHECK (bonus_kopecks >= 0),
    share_kopecks   bigint      NOT NULL CHECK (share_kopecks >= 0),
    taken_back      bigint      NOT NULL DEFAULT 0 CHECK (taken_back >= 0),
    shortfall       bigint      NOT NULL DEFAULT 0 CHECK (shortfall >= 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    taken_back_at   timestamptz,
    PRIMARY KEY (bot_id, topup_id),
    CHECK (bonus_kopecks + share_kopecks > 0),
    CHECK (taken_back + shortfall <= bonus_kopecks + share_kopecks),
    FOREIGN KEY (bot_id, topup_id) REFERENCES topups (bot_id, id),
    FOREIGN KEY (bot_id, referee_id) REFERENCES referrals (bot_id, referee_id)
);
-- The first-top-up bonus is paid once per referee, whatever the top-up.
CREATE UNIQUE INDEX referral_rewards_one_bonus ON referral_rewards (bot_id, referee_id) WHERE bonus_kopecks > 0;
CREATE INDEX referral_rewards_referrer ON referral_rewards (bot_id, referrer_id);

-- Promo codes an admin made: a balance credit (amount_kopecks) or a
-- percentage bonus on the redeemer's next paid top-up (percent). used
-- counts redemptions and never passes max_uses.
CREATE TABLE promo_codes (
    bot_id         bigint      NOT NULL,
    id             bigserial   NOT NULL,
    code           text        NOT NULL CHECK (code ~ '^[A-Z0-9_-]{3,32}$'),
    kind           text        NOT NULL CHECK (kind IN ('credit', 'bonus')),
    amount_kopecks bigint      NOT NULL DEFAULT 0,
    percent        integer     NOT NULL DEFAULT 0,
    max_uses       integer     NOT NULL CHECK (max_uses > 0),
    used           integer     NOT NULL DEFAULT 0 CHECK (used >= 0),
    expires_at     timestamptz,
    created_by     bigint      NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    disabled_at    timestamptz,
    disabled_by    bigint,
    PRIMARY KEY (bot_id, id),
    UNIQUE (bot_id, code),
    CONSTRAINT promo_used_bounded CHECK (used <= max_uses),
    CONSTRAINT promo_shape CHECK (CASE kind
        WHEN 'credit' THEN amount_kopecks > 0 AND percent = 0
        WHEN 'bonus'  THEN amount_kopecks = 0 AND percent BETWEEN 1 AND 100
        ELSE false END),
    CONSTRAINT promo_disabled_by CHECK ((disabled_at IS NULL) = (disabled_by IS NULL))
);

-- One redemption per user and code. A credit is paid at once (state
-- 'credited'); a bonus waits ('pending') for the user's next paid top-up,
-- which it then names ('applied', topup_id, amount_kopecks). The ledger
-- key is "promo:<code id>:<user id>".
CREATE TABLE promo_redemptions (
    bot_id         bigint      NOT NULL,
    code_id        bigint      NOT NULL,
    user_id        bigint      NOT NULL,
    state          text        NOT NULL CHECK (state IN ('credited', 'pending', 'applied')),
    amount_kopecks bigint      NOT NULL DEFAULT 0 CHECK (amount_kopecks >= 0),
    topup_id       bigint,
    taken_back     bigint      NOT NULL DEFAULT 0 CHECK (taken_back >= 0),
    shortfall      bigint      NOT NULL DEFAULT 0 CHECK (shortfall >= 0),
    created_at     timestamptz NOT NULL DEFAULT now(),
    applied_at     timestamptz,
    PRIMARY KEY (bot_id, code_id, user_id),
    CONSTRAINT promo_redemption_shape CHECK ((state = 'applied') = (topup_id IS NOT NULL)),
    FOREIGN KEY (bot_id, code_id) REFERENCES promo_codes (bot_id, id),
    FOREIGN KEY (bot_id, user_id) REFERENCES bot_users (bot_id, user_id)
);
CREATE INDEX promo_redemptions_pending ON promo_redemptions (bot_id, user_id, created_at) WHERE state = 'pending';
CREATE UNIQUE INDEX promo_redemptions_topup ON promo_redemptions (bot_id, topup_id) WHERE topup_id IS NOT NULL;

-- Wrong promo codes a user typed, for the guessing limit (per user per
-- hour). In the database, so a failover does not reset it.
CREATE TABLE promo_failures (
    bot_id  bigint      NOT NULL,
    user_id bigint      NOT NULL,
    at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX promo_failures_user ON promo_failures (bot_id, user_id, at);

-- Where a user came from: the tag of the campaign link (?start=src_<tag>)
-- of their first contact. Written once.
CREATE TABLE user_sources (
    bot_id     bigint      NOT NULL,
    user_id    bigint      NOT NULL,
    source     text        NOT NULL CHECK (source ~ '^[a-z0-9_-]{1,32}$'),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bot_id, user_id),
    FOREIGN KEY (bot_id, user_id) REFERENCES bot_users (bot_id, user_id)
);
CREATE INDEX user_sources_source ON user_sources (bot_id, source);
