-- The operator console: the audit log of admin actions, bans, models
-- switched off at runtime, the admin behind a hand-made ledger entry, the
-- payment method of a top-up, and the indexes the business statistics read
-- by time. Every table is keyed by bot_id first.

-- Ledger entries an admin made carry the admin's Telegram id. Two new
-- kinds: admin_adjust (a correction of the spendable balance, ±) and
-- job_refund (a succeeded, paid job's price given back). entry_shape is
-- re-created with every earlier kind unchanged; entry_admin ties admin_id
-- to exactly the admin kinds, so neither can be written without one.
ALTER TABLE ledger_entries ADD COLUMN admin_id bigint;
ALTER TABLE ledger_entries DROP CONSTRAINT entry_shape;
ALTER TABLE ledger_entries ADD CONSTRAINT entry_shape CHECK (CASE kind
    WHEN 'topup'        THEN amount_kopecks > 0 AND held_change_kopecks = 0 AND topup_id IS NOT NULL
    WHEN 'welcome'      THEN amount_kopecks > 0 AND held_change_kopecks = 0
    WHEN 'adjustment'   THEN amount_kopecks <> 0 AND held_change_kopecks = 0
    WHEN 'refund'       THEN amount_kopecks < 0 AND held_change_kopecks = 0 AND topup_id IS NOT NULL
    WHEN 'hold'         THEN amount_kopecks < 0 AND held_change_kopecks = -amount_kopecks AND job_id IS NOT NULL
    WHEN 'capture'      THEN amount_kopecks = 0 AND held_change_kopecks < 0 AND job_id IS NOT NULL
    WHEN 'release'      THEN amount_kopecks > 0 AND held_change_kopecks = -amount_kopecks AND job_id IS NOT NULL
    WHEN 'admin_adjust' THEN amount_kopecks <> 0 AND held_change_kopecks = 0 AND job_id IS NULL AND topup_id IS NULL
    WHEN 'job_refund'   THEN amount_kopecks > 0 AND held_change_kopecks = 0 AND job_id IS NOT NULL AND topup_id IS NULL
    ELSE false END);
ALTER TABLE ledger_entries ADD CONSTRAINT entry_admin
    CHECK ((admin_id IS NOT NULL) = (kind IN ('admin_adjust', 'job_refund')));
-- A job is refunded at most once, whatever key a caller chose.
CREATE UNIQUE INDEX ledger_entries_job_refund ON ledger_entries (bot_id, job_id) WHERE kind = 'job_refund';
CREATE INDEX ledger_entries_created ON ledger_entries (bot_id, created_at);
CREATE INDEX ledger_entries_topups ON ledger_entries (bot_id, created_at) WHERE kind = 'topup';

-- A banned user gets one polite message and nothing else is done for them;
-- money already paid is still credited. banned_by is the admin.
ALTER TABLE bot_users
    ADD COLUMN banned_at  timestamptz,
    ADD COLUMN banned_by  bigint,
    ADD COLUMN ban_reason text NOT NULL DEFAULT '',
    ADD CONSTRAINT ban_has_admin CHECK ((banned_at IS NULL) = (banned_by IS NULL));
-- User lookup by @username (Telegram usernames are case-insensitive; a
-- username rarely changes, so a step's touch of the row stays a HOT
-- update). No index on last_seen_at: every step moves it, and the
-- statistics count a bot's users in one scan anyway.
CREATE INDEX bot_users_username ON bot_users (bot_id, lower(username)) WHERE username <> '';

-- How a top-up was paid. Telegram Stars is the only method today; the
-- statistics group by it so card, SBP or subscription top-ups appear as
-- their own lines once they exist.
ALTER TABLE topups ADD COLUMN method text NOT NULL DEFAULT 'stars' CHECK (method ~ '^[a-z][a-z0-9_]{0,31}$');

CREATE INDEX jobs_created ON jobs (bot_id, created_at);
CREATE INDEX jobs_finished ON jobs (bot_id, finished_at) WHERE finished_at IS NOT NULL;

-- Models an admin switched off (or back on) at runtime, on top of the
-- registry shipped in the binary. One row per model that was ever
-- switched: off, why, by whom, when. Every instance keeps a live copy,
-- reloaded on NOTIFY kiebot_models (payload: the bot id) and on a timer;
-- a confirmation re-reads the row in its own transaction.
CREATE TABLE model_switches (
    bot_id     bigint      NOT NULL,
    model_id   text        NOT NULL CHECK (model_id <> ''),
    off        boolean     NOT NULL,
    reason     text        NOT NULL DEFAULT '',
    admin_id   bigint      NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bot_id, model_id)
);

-- The audit log: every admin action that changed something, written in the
-- transaction of the change it records. before_value and after_value are
-- the changed thing's state as text (kopecks for balances, "active" or
-- "banned", "on" or "off"); target names what a user-less action touched
-- (a job id, a model id, a Stars charge id). idem_key makes a repeated
-- action (a double tap) record once. Append-only like the ledger.
CREATE TABLE admin_actions (
    bot_id         bigint      NOT NULL,
    id             bigserial   NOT NULL,
    admin_id       bigint      NOT NULL,
    action         text        NOT NULL CHECK (action ~ '^[a-z][a-z0-9_]{0,31}$'),
    target_user_id bigint,
    target         text        NOT NULL DEFAULT '',
    before_value   text        NOT NULL DEFAULT '',
    after_value    text        NOT NULL DEFAULT '',
    reason         text        NOT NULL DEFAULT '',
    idem_key       text        NOT NULL CHECK (idem_key <> ''),
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bot_id, id),
    UNIQUE (bot_id, idem_key)
);
CREATE INDEX admin_actions_admin ON admin_actions (bot_id, admin_id, id);
CREATE INDEX admin_actions_user ON admin_actions (bot_id, target_user_id, id) WHERE target_user_id IS NOT NULL;

CREATE FUNCTION kiebot_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP;
END
$$;
CREATE TRIGGER admin_actions_append_only
    BEFORE UPDATE OR DELETE ON admin_actions
    FOR EACH ROW EXECUTE FUNCTION kiebot_append_only();
CREATE TRIGGER admin_actions_no_truncate
    BEFORE TRUNCATE ON admin_actions
    FOR EACH STATEMENT EXECUTE FUNCTION kiebot_append_only();
