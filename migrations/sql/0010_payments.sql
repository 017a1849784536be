-- Payments beyond one-off Stars invoices: manual card/SBP top-ups checked
-- by an admin, and monthly Stars subscriptions.
--
-- Both credit money through the topups table, so the ledger gains no new
-- entry kind: an approved manual top-up becomes a 'paid' top-up of method
-- 'manual' (no Stars, its charge id 'manual:<id>'), credited once with the
-- ordinary 'topup' entry keyed by that charge id; each subscription payment
-- is a Stars top-up of method 'subscription', credited once per
-- telegram_payment_charge_id like any other. ledger audit, the statistics
-- by method and the user card therefore cover both as they are.

ALTER TABLE topups DROP CONSTRAINT topups_stars_check;
ALTER TABLE topups ADD CONSTRAINT topups_stars_check CHECK (stars > 0 OR (method = 'manual' AND stars = 0));

-- A manual top-up: the user asked to pay kopecks by transfer and was shown
-- reference to put in the transfer comment; they may send one receipt,
-- which an admin approves (crediting topup_id's top-up) or rejects.
--   awaiting  → submitted (a receipt arrived) → approved | rejected
--   awaiting  → expired (no receipt within its validity) | cancelled (a newer request)
-- The receipt's fingerprint (Telegram's file_unique_id, SHA-256 of the
-- bytes, the picture's dHash) finds receipts sent before.
CREATE TABLE manual_topups (
    bot_id             bigint      NOT NULL,
    id                 bigserial   NOT NULL,
    user_id            bigint      NOT NULL,
    kopecks            bigint      NOT NULL CHECK (kopecks > 0),
    reference          text        NOT NULL CHECK (reference ~ '^KB-[0-9A-Z]{6}$'),
    state              text        NOT NULL DEFAULT 'awaiting'
                       CHECK (state IN ('awaiting', 'submitted', 'approved', 'rejected', 'expired', 'cancelled')),
    created_at         timestamptz NOT NULL DEFAULT now(),
    expires_at         timestamptz NOT NULL,
    file_id            text        NOT NULL DEFAULT '',
    file_unique_id     text        NOT NULL DEFAULT '',
    file_kind          text        NOT NULL DEFAULT '',
    file_bytes         bigint      NOT NULL DEFAULT 0,
    sha256             bytea,
    dhash              bigint,
    ocr_status         text        NOT NULL DEFAULT '',
    ocr_kopecks        bigint      NOT NULL DEFAULT 0,
    ocr_paid_at        timestamp,
    flags              text[]      NOT NULL DEFAULT '{}',
    report             text        NOT NULL DEFAULT '',
    duplicate_of       bigint,
    submitted_at       timestamptz,
    decided_at         timestamptz,
    decided_by         bigint,
    reason             text        NOT NULL DEFAULT '',
    topup_id           bigint,
    PRIMARY KEY (bot_id, id),
    UNIQUE (bot_id, reference),
    FOREIGN KEY (bot_id, user_id) REFERENCES bot_users (bot_id, user_id),
    FOREIGN KEY (bot_id, topup_id) REFERENCES topups (bot_id, id),
    CONSTRAINT manual_approved_has_topup CHECK ((state = 'approved') = (topup_id IS NOT NULL)),
    CONSTRAINT manual_receipt_when_submitted CHECK (state IN ('awaiting', 'expired', 'cancelled') OR file_id <> ''),
    CONSTRAINT manual_decided CHECK ((state IN ('approved', 'rejected')) = (decided_at IS NOT NULL))
);
-- One request awaiting its receipt per user: a new one cancels the old.
CREATE UNIQUE INDEX manual_topups_awaiting ON manual_topups (bot_id, user_id) WHERE state = 'awaiting';
CREATE INDEX manual_topups_pending ON manual_topups (bot_id, id) WHERE state = 'submitted';
CREATE INDEX manual_topups_file ON manual_topups (bot_id, file_unique_id) WHERE file_unique_id <> '';
CREATE INDEX manual_topups_sha ON manual_topups (bot_id, sha256) WHERE sha256 IS NOT NULL;
CREATE INDEX manual_topups_user ON manual_topups (bot_id, user_id, id);
-- One top-up per approved request, whoever approves.
CREATE UNIQUE INDEX manual_topups_topup ON manual_topups (bot_id, topup_id) WHERE topup_id IS NOT NULL;

-- A user's Stars subscription: the invoice (a 'subscription' top-up whose
-- payload every renewal carries), the plan's Stars and kopecks a period,
-- and what Telegram last said: paid until expires_at, cancelled or not.
CREATE TABLE subscriptions (
    bot_id         bigint      NOT NULL,
    user_id        bigint      NOT NULL,
    topup_id       bigint      NOT NULL,
    stars          bigint      NOT NULL CHECK (stars > 0),
    kopecks        bigint      NOT NULL CHECK (kopecks > 0),
    charge_id      text        NOT NULL DEFAULT '', -- the first payment's: editUserStarSubscription takes it
    expires_at     timestamptz,
    payments       integer     NOT NULL DEFAULT 0,
    cancelled_at   timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bot_id, user_id, topup_id),
    FOREIGN KEY (bot_id, user_id) REFERENCES bot_users (bot_id, user_id),
    FOREIGN KEY (bot_id, topup_id) REFERENCES topups (bot_id, id)
);
CREATE INDEX subscriptions_active ON subscriptions (bot_id, expires_at) WHERE charge_id <> '';
