// Package fsm holds kiebot's conversation: the pure function Step, which
// takes a user's persisted state and data, one input and a read-only Env,
// and returns the next state and data, what to show (screens, the callback
// answer) and at most one Command for the actor to execute. It performs no
// I/O and imports only the standard library, github.com/looplab/fsm and
// package pricing; every user-facing text lives in one RU/EN catalogue
// (texts*.go).
//
// # The conversation
//
// States are those of a looplab/fsm machine rebuilt at every Step from the
// stored state (NewConversation); it has no callbacks, so no I/O can run
// inside a transition, and Fire never passes a cancellable context. The
// table is checked when the machine is built and panics if malformed.
//
//	                 /start /cancel 🏠 (from any state)
//	  new ──────────────────────────────────▶ menu ◀──────────── ✅ confirm ──┐
//	                                            │ category / 🎁 free          │
//	                                            ▼                             │
//	                                         category ◀─ ◀ ▶ pages            │
//	                                            │ model     ▲ back            │
//	                                            ▼           │                 │
//	           result "to the model" ────▶   model ─────────┘                 │
//	                                            │ ▶ create    ▲ back (1st)    │
//	                                            ▼             │               │
//	                                          input ◀─┐ answer, skip, keep,   │
//	                                            │     └ back, files done      │
//	     history 🔁 / result 🔁 ── repeat ──┐    │ last required input        │
//	                                        ▼   ▼                             │
//	                                         confirm ─────────────────────────┘
//	                                          │  ▲   CreateJob
//	              ⚙️ more settings / ✏️ change ▼  │ (optional inputs; review)
//	                                          input
//
//	balance, history, topup, help, language: from any state, by command or button.
//
// The operator console (/admin, for Env.IsAdmin only) is a second looplab
// machine over its own states, entered through the admin menu and left
// through the shop's everywhere-events, drawn in admin.go; a user's step
// builds the shop's table only. To anyone but an admin the console does
// not exist (its commands get the hint, its buttons are stale).
//
// Inputs follow the registry's typed fields (plan): required files first,
// then the other required fields in schema order; optional fields only from
// the confirmation's "more settings", each with skip. Fields the registry
// fixes are never asked. Enum and bool fields are buttons offering only the
// options that still have a price given the earlier choices
// (pricing.Model.Choices), with their price when the field selects it.
//
// # Callback data
//
// Every interactive screen gets a fresh six-letter nonce stored in the data;
// its buttons carry "<nonce>|<action>|<arg>" (≤ 64 bytes), where arg is a
// short index into a list the machine recomputes from its data (categories,
// a category's models, a field's options, Env.StarsPackages) or keeps in it
// (the jobs /history listed). Free text never goes into callback data.
// Buttons the actors render outside Step (results, failures, insufficient
// funds) carry "*|<action>|<id>": a job id re-read through Facts.Job (so
// only the user's own jobs) or a model id checked against the registry; on
// a console change's outcome, for admins only, a user or order id re-read
// through AdminFacts.
//
// # Failure handling
//
//   - A stale, forged or malformed button (wrong nonce, bad shape, an index
//     out of range, an action the state does not take) is answered "this
//     menu is outdated" and the current screen is sent again as a new
//     message; the order in progress is untouched.
//   - Every callback gets exactly one Answer, first in Out.
//   - Bad input (too long, out of range, wrong file type, a file over the 20 MB
//     Telegram lets bots download, text where a button is expected) gets a
//     polite message naming the limit above the same prompt; the data stays
//     byte for byte the same, so the prompt's buttons keep working.
//   - A Facts error is returned: nothing is decided, the actor retries, then
//     apologises. A panic (a bug) is recovered into ErrInternal.
//   - Unknown state or unreadable data restarts the conversation at the menu.
//   - A model an admin switched off at runtime (Env.SwitchedOff) is hidden
//     from every menu and treated like one the registry disables.
//   - A model disabled mid-order says so and returns to the menu; a repeated
//     job's inputs are re-validated (unknown ones dropped, invalid or
//     unpriced ones asked again) and quoted afresh.
//   - Without USD_RUB_RATE (Pricer.Ready fails) menus work, no price is
//     shown, nothing can be started or confirmed, and screens say sales are
//     paused.
//   - The confirmation re-reads balance, free uses and running jobs; a
//     short balance offers a top-up, the running-jobs limit (admins exempt)
//     offers a refresh, and neither shows a confirm button. A tap is honoured
//     only at the price shown; if the quote moved the screen is shown again.
//   - A double tap on a confirmation yields the same CreateJob with the same
//     IdempotencyKey (derived from that screen's nonce and contents), so the
//     database makes one job of it. The database stays the last word on
//     funds, free uses and the running limit.
package fsm
