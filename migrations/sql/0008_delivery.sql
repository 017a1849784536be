-- Refunds booked before Telegram is asked, and delivery recorded per result.

-- A refund we make takes the money back first (state 'refunding', its
-- debit keyed by the charge and attempt), then asks Telegram; Telegram's
-- answer (or its refunded_payment notice) makes it 'refunded', a refusal
-- for good returns it to 'paid' with a keyed reversing adjustment. Each
-- attempt has its own keys, so a top-up refused once can be refunded later.
-- A refund Telegram made on its own takes back what the balance still has;
-- refund_shortfall_kopecks is what it could not (store.Audit allows for it).
ALTER TABLE topups
    DROP CONSTRAINT topups_state_check,
    ADD CONSTRAINT topups_state_check CHECK (state IN ('pending', 'paid', 'refunding', 'refunded', 'expired')),
    ADD COLUMN refund_attempts integer NOT NULL DEFAULT 0 CHECK (refund_attempts >= 0),
    ADD COLUMN refund_shortfall_kopecks bigint NOT NULL DEFAULT 0
        CHECK (refund_shortfall_kopecks >= 0 AND refund_shortfall_kopecks <= kopecks);
UPDATE topups SET refund_attempts = 1 WHERE state = 'refunded';

-- How many of a job's results (in order) have been dealt with — delivered,
-- or given up on with the price credited back (results_lost of them). A
-- retry after a failure, or a new leader, resumes with the next one instead
-- of sending every result again.
ALTER TABLE jobs
    ADD COLUMN results_delivered integer NOT NULL DEFAULT 0 CHECK (results_delivered >= 0),
    ADD COLUMN results_lost integer NOT NULL DEFAULT 0 CHECK (results_lost >= 0 AND results_lost <= results_delivered);
