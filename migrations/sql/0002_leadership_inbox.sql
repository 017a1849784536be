-- Leadership and update ingestion.

-- One row per bot: who leads, in which term (epoch), and when it last
-- proved it is alive. All times come from the database clock. The session
-- advisory lock decides who leads; this row tells standbys whether the
-- holder is alive and tells a new leader whether the old one released
-- cleanly or must be waited out.
CREATE TABLE leader_leases (
    bot_id              bigint      PRIMARY KEY,
    epoch               bigint      NOT NULL DEFAULT 0,
    holder              text        NOT NULL DEFAULT '',
    instance_started_at timestamptz,
    version             text        NOT NULL DEFAULT '',
    backend_pid         integer,
    elected_at          timestamptz,
    heartbeat_at        timestamptz,
    released_at         timestamptz,
    webhook_fingerprint text        NOT NULL DEFAULT ''
);

-- Every update Telegram gave us, stored before it is confirmed (polling) or
-- acknowledged (webhook). update_id is the key: duplicates are ignored.
-- seq orders processing; processed_at is set in the same transaction as the
-- state change the update caused.
CREATE TABLE inbox (
    bot_id       bigint      NOT NULL,
    update_id    bigint      NOT NULL,
    seq          bigserial   NOT NULL,
    user_id      bigint      NOT NULL,
    kind         text        NOT NULL,
    payload      jsonb       NOT NULL,
    source       text        NOT NULL CHECK (source IN ('poll', 'webhook')),
    received_at  timestamptz NOT NULL DEFAULT now(),
    attempts     integer     NOT NULL DEFAULT 0,
    last_error   text        NOT NULL DEFAULT '',
    processed_at timestamptz,
    failed       boolean     NOT NULL DEFAULT false,
    PRIMARY KEY (bot_id, update_id)
);
CREATE INDEX inbox_pending ON inbox (bot_id, seq) WHERE processed_at IS NULL;
CREATE INDEX inbox_processed_at ON inbox (processed_at) WHERE processed_at IS NOT NULL;

-- Bot API calls decided by a committed state change and not yet made. A row
-- is written in the transaction that processes its update and deleted once
-- Telegram accepted the call, so a failover re-sends what was not sent.
CREATE TABLE outbox (
    id         bigserial   PRIMARY KEY,
    bot_id     bigint      NOT NULL,
    user_id    bigint      NOT NULL,
    op         jsonb       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_user ON outbox (bot_id, user_id, id);
