-- Foundation: the users a bot has met and their conversation state.
-- Every table is keyed by bot_id first, so bots sharing a database never
-- see each other's rows.

CREATE TABLE bot_users (
    bot_id          bigint      NOT NULL,
    user_id         bigint      NOT NULL,
    chat_id         bigint      NOT NULL,
    first_name      text        NOT NULL DEFAULT '',
    username        text        NOT NULL DEFAULT '',
    language        text        NOT NULL DEFAULT 'ru' CHECK (language IN ('ru', 'en')),
    language_chosen boolean     NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_seen_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bot_id, user_id)
);

-- One row per user: the conversation FSM's current state and its data,
-- persisted after every event so a failover resumes where the user was.
CREATE TABLE conversations (
    bot_id     bigint      NOT NULL,
    user_id    bigint      NOT NULL,
    state      text        NOT NULL,
    data       jsonb       NOT NULL DEFAULT '{}'::jsonb,
    version    bigint      NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bot_id, user_id),
    FOREIGN KEY (bot_id, user_id) REFERENCES bot_users (bot_id, user_id)
);
