-- The Bot API calls a conversation's latest step decided and that are not
-- yet known to be sent, kept in the conversation row the step writes anyway
-- instead of an outbox row each (inserted, then deleted once sent): one row
-- written per update instead of three. The user's actor overwrites them
-- with its next step and empties them when it exits; a new leader sends
-- what is left, as it does for the outbox. The outbox stays for calls that
-- are not a conversation's (updates without a user, apologies).
ALTER TABLE conversations ADD COLUMN ops jsonb NOT NULL DEFAULT '[]'::jsonb;
