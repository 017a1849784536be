-- Retention (store/retention.go): what the leader purges, in bounded batches.
--
-- Unpaid invoices are not deleted but marked expired: the row is what a
-- late successful_payment is matched against, and CompleteTopUp still
-- credits an expired invoice Telegram charged. An expired invoice, like a
-- pending one, has no charge.
ALTER TABLE topups
    DROP CONSTRAINT topups_state_check,
    ADD CONSTRAINT topups_state_check CHECK (state IN ('pending', 'paid', 'refunded', 'expired')),
    DROP CONSTRAINT topup_paid_has_charge,
    ADD CONSTRAINT topup_paid_has_charge CHECK ((state IN ('pending', 'expired')) = (charge_id IS NULL));

-- Pending invoices by age, for the expiry; small, since they do not stay
-- pending.
CREATE INDEX topups_pending ON topups (bot_id, created_at) WHERE state = 'pending';

-- No other index is needed: the inbox purge walks inbox_processed_at
-- (0002), the outbox holds only unsent calls, and the conversation purge
-- reads one row per user; an index on conversations.updated_at or
-- bot_users.last_seen_at would cost every update its HOT write.
