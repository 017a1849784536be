-- The web admin panel's sign-in. An admin asks the bot for a one-time link
-- (/panel); opening it trades the link for a session cookie. Neither token
-- is stored: only its SHA-256, so a copy of the database signs no one in.
-- Both are bound to the admin's Telegram id, which must still be in
-- ADMIN_ID on every request (checked in the application, not here).

CREATE TABLE panel_links (
    bot_id     bigint      NOT NULL,
    token_hash bytea       NOT NULL CHECK (length(token_hash) = 32),
    admin_id   bigint      NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz, -- set once: a link signs in at most one browser
    PRIMARY KEY (bot_id, token_hash)
);
CREATE INDEX panel_links_expires ON panel_links (bot_id, expires_at);

CREATE TABLE panel_sessions (
    bot_id       bigint      NOT NULL,
    token_hash   bytea       NOT NULL CHECK (length(token_hash) = 32),
    admin_id     bigint      NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    revoked_at   timestamptz, -- signed out (the panel, /panel logout)
    user_agent   text        NOT NULL DEFAULT '' CHECK (length(user_agent) <= 300),
    PRIMARY KEY (bot_id, token_hash)
);
CREATE INDEX panel_sessions_admin ON panel_sessions (bot_id, admin_id) WHERE revoked_at IS NULL;
