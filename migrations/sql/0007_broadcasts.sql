-- The operator's background work: broadcasts, alerts to admins and the
-- last known Kie balance. Every table is keyed by bot_id first.

-- Who gets no broadcasts. banned_at: an operator banned the user (set by
-- the console; IF NOT EXISTS because its own migration may add it too).
-- blocked_at: Telegram refused a broadcast with 403 (the user blocked the
-- bot). A user who writes to the bot again afterwards (last_seen_at later
-- than blocked_at) has unblocked it, so nothing ever clears blocked_at:
-- store.recipientExcluded compares the two.
ALTER TABLE bot_users
    ADD COLUMN IF NOT EXISTS banned_at  timestamptz,
    ADD COLUMN IF NOT EXISTS blocked_at timestamptz;

-- A message to many users. draft (created, validated) → ready (previewed:
-- Telegram accepted it in an admin's chat) → sending ⇄ paused → done;
-- any unfinished state → cancelled. The audience is a conjunction of
-- filters (none: everyone). recipients is fixed when sending starts, from
-- the rows materialised into broadcast_recipients in the same statement.
CREATE TABLE broadcasts (
    bot_id              bigint      NOT NULL,
    id                  bigserial   NOT NULL,
    state               text        NOT NULL DEFAULT 'draft'
                        CHECK (state IN ('draft', 'ready', 'sending', 'paused', 'done', 'cancelled')),
    text                text        NOT NULL CHECK (text <> ''),
    photo               text        NOT NULL DEFAULT '', -- Telegram file_id or http(s) URL
    button_text         text        NOT NULL DEFAULT '',
    button_url          text        NOT NULL DEFAULT '',
    paying_only         boolean     NOT NULL DEFAULT false,
    active_days         integer     NOT NULL DEFAULT 0 CHECK (active_days >= 0),
    language            text        NOT NULL DEFAULT '' CHECK (language IN ('', 'ru', 'en')),
    created_by          bigint      NOT NULL,
    recipients          integer     NOT NULL DEFAULT 0,
    progress_chat_id    bigint      NOT NULL DEFAULT 0,
    progress_message_id bigint      NOT NULL DEFAULT 0,
    created_at          timestamptz NOT NULL DEFAULT now(),
    previewed_at        timestamptz,
    started_at          timestamptz,
    finished_at         timestamptz,
    PRIMARY KEY (bot_id, id),
    CONSTRAINT broadcast_button_whole CHECK ((button_text = '') = (button_url = '')),
    CONSTRAINT broadcast_finished_iff_final CHECK ((finished_at IS NOT NULL) = (state IN ('done', 'cancelled')))
);
-- One broadcast at a time shares the bot's sending budget.
CREATE UNIQUE INDEX broadcasts_one_active ON broadcasts (bot_id) WHERE state IN ('sending', 'paused');

-- One row per recipient, written when sending starts. pending → attempting
-- (claimed, committed before the Bot API call, claimed_epoch = the
-- sender's leadership term) → sent | failed | blocked; pending → skipped
-- (banned or blocked since the start). A row a dead term left attempting
-- becomes unknown and is never sent again: the message may or may not
-- have gone out, and sending twice is worse than not at all.
CREATE TABLE broadcast_recipients (
    bot_id        bigint      NOT NULL,
    broadcast_id  bigint      NOT NULL,
    user_id       bigint      NOT NULL,
    chat_id       bigint      NOT NULL,
    state         text        NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'attempting', 'sent', 'failed', 'blocked', 'skipped', 'unknown')),
    attempts      integer     NOT NULL DEFAULT 0,
    claimed_epoch bigint      NOT NULL DEFAULT 0,
    error         text        NOT NULL DEFAULT '',
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bot_id, broadcast_id, user_id),
    FOREIGN KEY (bot_id, broadcast_id) REFERENCES broadcasts (bot_id, id),
    FOREIGN KEY (bot_id, user_id) REFERENCES bot_users (bot_id, user_id)
);
CREATE INDEX broadcast_recipients_pending ON broadcast_recipients (bot_id, broadcast_id, user_id) WHERE state = 'pending';
CREATE INDEX broadcast_recipients_attempting ON broadcast_recipients (bot_id, claimed_epoch) WHERE state = 'attempting';

-- Alerts to admins, de-duplicated per key across instances and restarts:
-- an alert is sent only when its key was last sent longer ago than the
-- window. suppressed counts the repeats held back since then.
CREATE TABLE admin_alerts (
    bot_id       bigint      NOT NULL,
    key          text        NOT NULL CHECK (key <> ''),
    last_sent_at timestamptz NOT NULL,
    sent         integer     NOT NULL DEFAULT 1,
    suppressed   integer     NOT NULL DEFAULT 0,
    last_text    text        NOT NULL DEFAULT '',
    PRIMARY KEY (bot_id, key)
);

-- Kie's credit balance as the leader last read it, for every instance
-- (order checks, the console, metrics) to read.
CREATE TABLE kie_balance (
    bot_id        bigint      PRIMARY KEY,
    credits_micro bigint      NOT NULL,
    read_at       timestamptz NOT NULL
);

-- The model-failure alert reads each model's latest finished jobs.
CREATE INDEX jobs_model_finished ON jobs (bot_id, model_id, finished_at DESC) WHERE finished_at IS NOT NULL;
