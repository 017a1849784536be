-- Money: balances, the append-only ledger, generation jobs, Stars top-ups
-- and the free tier's daily usage. Amounts are bigint kopecks. Every table
-- is keyed by bot_id first.

-- A user's spendable balance and the part of it held for unfinished jobs.
-- The constraint names matter: store.interpret maps balance_not_negative
-- to ErrInsufficientFunds.
ALTER TABLE bot_users
    ADD COLUMN balance_kopecks bigint NOT NULL DEFAULT 0,
    ADD COLUMN held_kopecks    bigint NOT NULL DEFAULT 0,
    ADD CONSTRAINT balance_not_negative CHECK (balance_kopecks >= 0),
    ADD CONSTRAINT held_not_negative CHECK (held_kopecks >= 0);

-- Generation jobs. queued (created, price held) → submitting (calling Kie's
-- createTask) → running (Kie accepted; task_id known) → succeeded | failed |
-- expired; unknown = the createTask outcome is unknown (crash or timeout
-- while submitting), never resubmitted blindly. finished_at is set exactly
-- once, in the transaction that captures or releases the hold. The id comes
-- from one sequence for all bots, so a callback URL's job id is unambiguous.
CREATE TABLE jobs (
    bot_id                 bigint      NOT NULL,
    id                     bigserial   NOT NULL,
    user_id                bigint      NOT NULL,
    chat_id                bigint      NOT NULL,
    model_id               text        NOT NULL,
    category               text        NOT NULL DEFAULT '',
    output                 text        NOT NULL DEFAULT '',
    params                 jsonb       NOT NULL DEFAULT '{}'::jsonb,
    inputs                 jsonb       NOT NULL DEFAULT '{}'::jsonb,
    file_ids               jsonb       NOT NULL DEFAULT '{}'::jsonb,
    price_kopecks          bigint      NOT NULL CHECK (price_kopecks >= 0),
    cost_micro_credits     bigint      NOT NULL DEFAULT 0,
    free                   boolean     NOT NULL DEFAULT false,
    free_day               date,       -- the UTC day whose free use this job consumed
    idempotency_key        text        NOT NULL,
    state                  text        NOT NULL DEFAULT 'queued'
                           CHECK (state IN ('queued', 'submitting', 'running', 'unknown', 'succeeded', 'failed', 'expired')),
    task_id                text,
    stage                  text        NOT NULL DEFAULT '',
    polls                  integer     NOT NULL DEFAULT 0,
    next_poll_at           timestamptz,
    deadline               timestamptz NOT NULL,
    unknown_cause          text        NOT NULL DEFAULT '',
    result_urls            text[]      NOT NULL DEFAULT '{}',
    fail_code              text        NOT NULL DEFAULT '',
    fail_msg               text        NOT NULL DEFAULT '',
    credits_consumed_micro bigint      NOT NULL DEFAULT 0,
    progress_message_id    bigint      NOT NULL DEFAULT 0,
    created_at             timestamptz NOT NULL DEFAULT now(),
    submitted_at           timestamptz,
    running_at             timestamptz,
    finished_at            timestamptz,
    delivered_at           timestamptz,
    PRIMARY KEY (bot_id, id),
    UNIQUE (bot_id, idempotency_key),
    FOREIGN KEY (bot_id, user_id) REFERENCES bot_users (bot_id, user_id),
    CONSTRAINT job_finished_iff_final CHECK ((finished_at IS NOT NULL) = (state IN ('succeeded', 'failed', 'expired'))),
    CONSTRAINT job_free_has_day CHECK (free = (free_day IS NOT NULL))
);
CREATE INDEX jobs_user ON jobs (bot_id, user_id, id);
CREATE INDEX jobs_unfinished ON jobs (bot_id, user_id) WHERE finished_at IS NULL;
CREATE INDEX jobs_undelivered ON jobs (bot_id, id) WHERE finished_at IS NULL OR delivered_at IS NULL;
CREATE INDEX jobs_due ON jobs (bot_id, next_poll_at) WHERE state = 'running';
CREATE INDEX jobs_task ON jobs (bot_id, task_id) WHERE task_id IS NOT NULL;

-- Telegram Stars invoices. payload is what the invoice carries (unguessable).
-- charge_id is telegram_payment_charge_id, unique per bot: a top-up is
-- credited once per charge. A second charge for an invoice already paid (two
-- pre-checkouts approved at once) is recorded as its own row pointing at the
-- original (duplicate_of), because the user did pay twice.
CREATE TABLE topups (
    bot_id             bigint      NOT NULL,
    id                 bigserial   NOT NULL,
    user_id            bigint      NOT NULL,
    stars              bigint      NOT NULL CHECK (stars > 0),
    kopecks            bigint      NOT NULL CHECK (kopecks > 0),
    payload            text        NOT NULL CHECK (octet_length(payload) BETWEEN 1 AND 128),
    state              text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'paid', 'refunded')),
    charge_id          text,
    provider_charge_id text        NOT NULL DEFAULT '',
    duplicate_of       bigint,
    created_at         timestamptz NOT NULL DEFAULT now(),
    expires_at         timestamptz NOT NULL,
    paid_at            timestamptz,
    refunded_at        timestamptz,
    PRIMARY KEY (bot_id, id),
    UNIQUE (bot_id, charge_id),
    FOREIGN KEY (bot_id, user_id) REFERENCES bot_users (bot_id, user_id),
    FOREIGN KEY (bot_id, duplicate_of) REFERENCES topups (bot_id, id),
    CONSTRAINT topup_paid_has_charge CHECK ((state = 'pending') = (charge_id IS NULL))
);
CREATE UNIQUE INDEX topups_payload ON topups (bot_id, payload) WHERE duplicate_of IS NULL;

-- The ledger. Every row changes its user's balance (amount_kopecks) and/or
-- held amount (held_change_kopecks) in the same transaction that inserts it,
-- so balance = Σ amount and held = Σ held_change per user (store.Audit
-- checks it). idem_key makes every money movement happen at most once.
CREATE TABLE ledger_entries (
    bot_id              bigint      NOT NULL,
    id                  bigserial   NOT NULL,
    user_id             bigint      NOT NULL,
    kind                text        NOT NULL,
    amount_kopecks      bigint      NOT NULL,
    held_change_kopecks bigint      NOT NULL DEFAULT 0,
    idem_key            text        NOT NULL CHECK (idem_key <> ''),
    job_id              bigint,
    topup_id            bigint,
    note                text        NOT NULL DEFAULT '',
    created_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bot_id, id),
    UNIQUE (bot_id, idem_key),
    FOREIGN KEY (bot_id, user_id) REFERENCES bot_users (bot_id, user_id),
    FOREIGN KEY (bot_id, job_id) REFERENCES jobs (bot_id, id),
    FOREIGN KEY (bot_id, topup_id) REFERENCES topups (bot_id, id),
    -- The shape of each kind, so a bug cannot write a "capture" that pays.
    CONSTRAINT entry_shape CHECK (CASE kind
        WHEN 'topup'      THEN amount_kopecks > 0 AND held_change_kopecks = 0 AND topup_id IS NOT NULL
        WHEN 'welcome'    THEN amount_kopecks > 0 AND held_change_kopecks = 0
        WHEN 'adjustment' THEN amount_kopecks <> 0 AND held_change_kopecks = 0
        WHEN 'refund'     THEN amount_kopecks < 0 AND held_change_kopecks = 0 AND topup_id IS NOT NULL
        WHEN 'hold'       THEN amount_kopecks < 0 AND held_change_kopecks = -amount_kopecks AND job_id IS NOT NULL
        WHEN 'capture'    THEN amount_kopecks = 0 AND held_change_kopecks < 0 AND job_id IS NOT NULL
        WHEN 'release'    THEN amount_kopecks > 0 AND held_change_kopecks = -amount_kopecks AND job_id IS NOT NULL
        ELSE false END)
);
CREATE INDEX ledger_entries_user ON ledger_entries (bot_id, user_id, id);
CREATE INDEX ledger_entries_job ON ledger_entries (bot_id, job_id) WHERE job_id IS NOT NULL;
CREATE INDEX ledger_entries_topup ON ledger_entries (bot_id, topup_id) WHERE topup_id IS NOT NULL;

-- Append-only: a correction is a new 'adjustment' entry, never an edit.
CREATE FUNCTION kiebot_ledger_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger_entries is append-only (% refused)', TG_OP;
END
$$;
CREATE TRIGGER ledger_entries_append_only
    BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION kiebot_ledger_append_only();
CREATE TRIGGER ledger_entries_no_truncate
    BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION kiebot_ledger_append_only();

-- Free-tier generations used per user per UTC day (database clock).
CREATE TABLE free_usage (
    bot_id  bigint  NOT NULL,
    user_id bigint  NOT NULL,
    day     date    NOT NULL,
    used    integer NOT NULL CHECK (used >= 0),
    PRIMARY KEY (bot_id, user_id, day),
    FOREIGN KEY (bot_id, user_id) REFERENCES bot_users (bot_id, user_id)
);
