// Package actors is kiebot's engine: it takes a bot's updates from
// Telegram, makes each durable, and delivers it exactly once, in order per
// user, to an UpdateHandler, then sends the Bot API calls the handler
// decided. It knows nothing of what the handler sells (the shop, in
// actors/shop, is one such handler); its dependencies are the store and
// the Telegram adapter (actors/telegram) only, and a test
// (TestImportBoundaries) keeps it so.
//
// # Who runs what
//
// Three actors run as execute/interrupt pairs in the one oklog/run group
// that cmd/kiebot owns: the shutdown listener (SIGTERM/SIGINT), the Leader,
// and the HTTPServer (health, readiness, metrics, the webhook and the
// shop's Kie callback route). The HTTP server serves on every instance,
// leader or standby, and outlives the leader (HTTPServerConfig.StopAfter)
// so the webhook keeps storing updates until the lock is released.
//
// Everything that may only happen on the leader runs inside a leadership
// term instead, under the TermSupervisor rather than in the run group: the
// Poller, the Dispatcher with its per-user actors, and the Workers the
// handler side adds (the shop's jobs actor). They are not group members
// because their lifetime is the term's, not the process's: they start
// when a term starts and must all have stopped — in order, poller first,
// waited for — before the leader reports standby, releases the lease or
// claims a new term. That ordered stop is what makes losing leadership
// stop the poller deterministically; the run group has no notion of order.
//
// # The leader's state machine
//
// One Leader per instance; states are what /readyz reports as the role.
//
//	          start
//	            │
//	            ▼
//	┌──────▶ standby ── try pg_try_advisory_lock every RetryInterval and on
//	│           │        NOTIFY "released"; evict a holder whose lease is
//	│           │        older than LOCK_TTL (pg_terminate_backend); ask an
//	│           │        older leader to hand over (RequestHandover) — once,
//	│           │        and only if this instance never led
//	│           │ lock taken
//	│           ▼
//	│        elected ── lease claimed: epoch+1, backend pid, heartbeat_at
//	│           │        (database clock); after an unclean loss wait until
//	│           │        the old lease has expired (startDelay)
//	│           ▼
//	│        leader ── term running; heartbeat every HEARTBEAT_INTERVAL on
//	│           │       the lock's own connection; the trust window ends
//	│           │       LOCK_TTL − LOCK_TTL/4 after the last heartbeat began;
//	│           │       a slow heartbeat is cancelled by the server
//	│           │       (statement_timeout), keeping the connection and lock
//	│           │
//	│           ├─ heartbeat matched no row, lock connection lost,
//	│           │  trust window expired ─────────▶ stop term ─▶ (no release:
//	│           │                                   the lock went with the
//	│           │                                   connection or will expire)
//	│           ├─ newer instance asked ─▶ stop term ─▶ release + NOTIFY
//	└───────────┘                                     (quiet 3 retries so it wins)
//	            │ shutdown (ctx ended)
//	            ▼
//	        stopping ── stop term, release lease, unlock, NOTIFY; return
//
// "Stop term" always cancels the term's context and waits for the
// TermSupervisor to return, so no poller, dispatcher or worker of the term
// outlives it. Heartbeats go on until it has returned (a shutdown's drain
// keeps the lease), and a drain that outlives the trust window is logged. A standby never polls: polling happens only inside a term.
// A fatal term error (Telegram rejects the token) stops the instance.
package actors
