// Package operator is what the person running the shop can do and see:
// the audited changes (adjust a balance, ban or unban a user, message a
// user, refund a job, switch a model off or on, the audit line of a Stars
// refund) and the read queries behind them (statistics, a user's card, a
// job's card, the models' state, the audit log).
//
// It is the one place both operator front ends call: the Telegram console
// (package shop renders it through the conversation machine) and a web
// panel. It knows nothing of Telegram or of the conversation: it takes the
// database, returns data and refuses with the sentinel errors below, and
// its callers render both.
//
// # Transactions
//
// Every change takes a *store.Tx and writes its audit row (store
// .RecordAdminAction) in that transaction, inside a savepoint together
// with the change itself: the two commit together or not at all. A
// refusal — a balance that would go negative, a double tap (the same
// Request.Key again: ErrAlreadyDone), a banned user banned again — undoes
// the savepoint and leaves the caller's transaction usable, so the
// Telegram console still commits the update that asked. Any other error
// means the caller's transaction must be rolled back. The console runs a
// change in the update's own transaction (exactly once, with the update);
// an HTTP handler wraps one call in store.Store.InTx.
//
// Reads take a Reader: a *store.Store (the pool) or a *store.Tx.
//
// # Who may
//
// Every change checks that Request.AdminID is one of Config.AdminIDs
// (ErrNotAdmin): front ends check too, but the service does not trust
// them. Admins cannot be banned, by themselves or by each other.
//
// # Time
//
// Statistics count days in Moscow time (Europe/Moscow, UTC+3), as the
// users' screens show them: "today" starts at Moscow midnight. (The free
// tier's daily limit is counted in UTC days — store/freeuse.go — so it
// resets at 03:00 Moscow time; the two are not the same day.)
//
// # Telling users
//
// The service returns who a change was about; its caller tells them. The
// Telegram console puts the notice in the update's own outbox rows. A web
// handler enqueues it in its transaction (store.Tx.EnqueueOps under the
// user's id), but it is sent only when that user's conversation actor
// next runs or a new leader term starts: the engine has no "flush this
// user's outbox now" call yet.
package operator
