-- The catalogue: operator-confirmed prices, Kie's billing checked against
-- our quotes, and the daily catalogue sync. Every table is keyed by bot_id
-- first.

-- Prices (and narrowing disables) an operator confirmed where Kie's
-- official table has none: pricing.Confirmation as stored. Applied over the
-- embedded registry on every instance (each reloads on NOTIFY kiebot_models
-- and on a timer); the newest price per model and option wins, a disable
-- always wins. Append-only: a confirmation is withdrawn by a newer one (or
-- a disable), never edited away, so the audit trail of every price sold
-- stays whole. source is required: a URL of Kie's pricing page or a note.
CREATE TABLE price_confirmations (
    bot_id        bigint      NOT NULL,
    id            bigserial   NOT NULL,
    kind          text        NOT NULL CHECK (kind IN ('price', 'disable')),
    model_id      text        NOT NULL CHECK (model_id <> ''),
    option_key    text        NOT NULL DEFAULT '',
    option        jsonb       NOT NULL DEFAULT '{}'::jsonb,
    unit          text        NOT NULL DEFAULT '',
    field         text        NOT NULL DEFAULT '',
    credits_micro bigint      NOT NULL DEFAULT 0 CHECK (credits_micro >= 0),
    source        text        NOT NULL CHECK (btrim(source) <> ''),
    confirmed_at  timestamptz NOT NULL,
    admin_id      bigint      NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bot_id, id),
    CHECK (kind = 'disable' OR (credits_micro > 0 AND unit <> ''))
);
CREATE INDEX price_confirmations_model ON price_confirmations (bot_id, model_id, id);
CREATE TRIGGER price_confirmations_append_only
    BEFORE UPDATE OR DELETE ON price_confirmations
    FOR EACH ROW EXECUTE FUNCTION kiebot_append_only();

-- Jobs Kie billed more for than we quoted: one row per job, written when
-- the job finishes (the job's cost_micro_credits is the quote,
-- credits_consumed_micro what Kie reported).
CREATE TABLE cost_overruns (
    bot_id        bigint      NOT NULL,
    job_id        bigint      NOT NULL,
    model_id      text        NOT NULL,
    quoted_micro  bigint      NOT NULL CHECK (quoted_micro >= 0),
    billed_micro  bigint      NOT NULL CHECK (billed_micro > quoted_micro),
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bot_id, job_id)
);
CREATE INDEX cost_overruns_model ON cost_overruns (bot_id, model_id, created_at);

-- The catalogue sync's runs: when each started and ended, the report the
-- admins got, and Kie's prose price of every model it saw (model id → text),
-- the next run's yardstick for "changed prose prices". A new leader knows
-- from it whether today's run is done.
CREATE TABLE catalogue_syncs (
    bot_id      bigint      NOT NULL,
    id          bigserial   NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    report      text        NOT NULL DEFAULT '',
    failure     text        NOT NULL DEFAULT '',
    prices      jsonb       NOT NULL DEFAULT '{}'::jsonb,
    PRIMARY KEY (bot_id, id)
);
CREATE INDEX catalogue_syncs_started ON catalogue_syncs (bot_id, started_at);
