// Package shop is what the bot sells and every decision about money. It
// plugs into the engine (package actors) as its UpdateHandler and
// PreCheckoutHandler, and adds the leader-only jobs actor as a term worker.
//
// Reading order, one file each:
//
//   - shop.go: the update handler. Each update goes through the
//     conversation machine (package fsm); what it decides — an order, a
//     language change, an invoice — is written in the update's own
//     transaction (actors.Step.Apply), so it takes effect exactly once.
//     Confirming an order creates the job and holds its price atomically.
//   - payments.go: Telegram Stars. Pre-checkout validation, crediting a
//     successful payment once per charge id, and refunds: the admin's
//     /refund takes the money back before Telegram returns the Stars (and
//     gives it back if Telegram refuses); Telegram's refunded_payment
//     notice confirms ours or books one Telegram made on its own.
//   - manual.go: card/SBP transfers. A request with a reference, the
//     receipt pre-checked by OCR (package receipt) and compared with every
//     receipt sent before, then sent to the admins; only an admin's
//     approval in the console (operator.ApproveManual) credits money.
//   - subscription.go: the monthly Stars plan: an invoice link with
//     Telegram's 30-day period, every payment credited by payments.go once
//     per charge id and recorded for /subscription; cancelling and
//     resuming through editUserStarSubscription.
//   - jobs.go: the jobs actor. Submits each job to Kie once (an ambiguous
//     answer is never resent, a created task's id is recorded until it
//     sticks), follows at most MaxFollowers jobs at once by polling and
//     callbacks, and settles their money exactly once: capture on success,
//     release on failure or at the deadline.
//   - delivery.go: sending a finished job's result (or why it failed) to the
//     user, one recorded result at a time, in the first form Telegram takes
//     (by URL, uploaded — streamed, MaxUploads at once — as a document, as a
//     link), and crediting back a paid result that cannot be delivered.
//   - kiecallback.go: Kie's completion callbacks, on every instance; only
//     ever a hint, since every decision re-reads the task from Kie.
//   - facts.go: the database reads the conversation machine asks for.
//   - render.go: fsm screens into Telegram ops — the only place the two meet.
//   - lang.go: the one rule for which language a user is spoken to in.
//   - console.go, console_facts.go: the operator console in Telegram. Its
//     screens are fsm states; its changes run through package operator
//     (actors/shop/operator: the service a web panel will call too) in the
//     update's transaction, audited there. Bans stop a user's updates here.
//   - growth.go, growth_console.go: invitations and their rewards, promo
//     codes and campaign sources. Deep links (/start ref_…, promo_…,
//     src_…) are read after the welcome; a paid top-up pays its referrer's
//     reward and a waiting promo bonus in the transaction that credits it
//     (afterTopUp), a refund takes them back (afterRefund), each keyed by
//     the top-up. The console's /promonew, /promos, /promoinfo,
//     /promooff and /sources run through package operator, audited.
//   - catalogue.go: each instance's live copy of the models an admin
//     switched off, reloaded on NOTIFY; a confirmation re-reads the switch
//     in its transaction.
//
// The operator's side, an API for the console and a web panel plus
// leader-only term workers, with every decision in the database:
//
//   - broadcast.go, broadcast_sender.go: broadcasts — create, preview in
//     an admin's chat, count, start, pause, resume, cancel, progress — and
//     the sender, which never sends anyone the same broadcast twice.
//   - alerts.go: alerts to admins, de-duplicated across instances.
//   - kiewatch.go: Kie's credit balance, read on a schedule and stored;
//     the check that refuses orders it cannot cover.
//   - metrics.go: business totals on /metrics, read from the database.
//
// Every balance change goes through package store, in the same transaction
// as its ledger entry, keyed so a retry or a second leader cannot repeat it.
package shop
