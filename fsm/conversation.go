package fsm

import (
	"context"
	"errors"
	"fmt"
	"slices"

	lfsm "github.com/looplab/fsm"
)

// Conversation states: where a user is, which decides what their text,
// files and buttons mean.
const (
	StateNew      = "new"      // never started
	StateMenu     = "menu"     // at the main menu (also after a confirmed job)
	StateCategory = "category" // a category's model list (or the free models)
	StateModel    = "model"    // a model's card
	StateInput    = "input"    // being asked for one of the model's inputs
	StateConfirm  = "confirm"  // the confirmation screen with the exact price
	StateBalance  = "balance"  // balance and last entries
	StateHistory  = "history"  // last jobs
	StateTopUp    = "topup"    // Stars packages
	StateHelp     = "help"     // help (and /paysupport)
	StateLanguage = "language" // language choice
	// StateManual (payments.go) waits for a manual top-up's receipt.
	StatePromo = "promo" // waiting for a promo code

	// The operator console (admins only; see admin.go).
	StateAdmin        = "admin"         // the admin menu
	StateAdminStats   = "admin_stats"   // business statistics of a period
	StateAdminAsk     = "admin_ask"     // waiting for the admin's text: a user, an order number, an amount, a reason, a message
	StateAdminUser    = "admin_user"    // a user's card
	StateAdminJob     = "admin_job"     // an order's card
	StateAdminConfirm = "admin_confirm" // a change shown back for confirmation
	StateAdminModels  = "admin_models"  // the models and their runtime switches
	StateAdminAudit   = "admin_audit"   // the audit log

	// Broadcasts (admin_bc.go).
	StateAdminBroadcasts = "admin_broadcasts"  // the newest broadcasts
	StateAdminBcDraft    = "admin_bc_draft"    // a broadcast being composed
	StateAdminBcAudience = "admin_bc_audience" // choosing who gets a previewed draft
	StateAdminBcConfirm  = "admin_bc_confirm"  // the recipient count, before the start
)

// States lists every conversation state: the shop's, then the console's.
func States() []string { return append(shopStates(), adminStates()...) }

// shopStates lists the states of the shop's machine.
func shopStates() []string {
	return []string{StateNew, StateMenu, StateCategory, StateModel, StateInput, StateConfirm,
		StateBalance, StateHistory, StateTopUp, StateHelp, StateLanguage, StateManual, StateSubscription, StatePromo}
}

// adminStates lists the operator console's states.
func adminStates() []string {
	return []string{StateAdmin, StateAdminStats, StateAdminAsk, StateAdminUser, StateAdminJob, StateAdminConfirm,
		StateAdminModels, StateAdminAudit, StateAdminBroadcasts, StateAdminBcDraft, StateAdminBcAudience, StateAdminBcConfirm,
		StateAdminManual, StateAdminSubs}
}

// Conversation events.
const (
	EventStart    = "start"    // /start: the welcome and main menu
	EventMenu     = "menu"     // back to the main menu (/cancel, the menu button, a language change)
	EventBrowse   = "browse"   // a category's model list or a page of it
	EventOpen     = "open"     // a model's card
	EventAsk      = "ask"      // ask for an input
	EventReview   = "review"   // show the confirmation
	EventRepeat   = "repeat"   // the confirmation of an earlier job's inputs
	EventSubmit   = "submit"   // confirmed: a job is created
	EventBalance  = "balance"  // the balance screen
	EventHistory  = "history"  // the history screen
	EventTopUp    = "topup"    // the top-up screen
	EventHelp     = "help"     // help or payment support
	EventLanguage = "language" // the language screen
	EventPromo    = "promo"    // ask for a promo code

	EventAdmin        = "admin"         // the admin menu (/admin)
	EventAdminStats   = "admin_stats"   // statistics
	EventAdminAsk     = "admin_ask"     // ask the admin to type something
	EventAdminUser    = "admin_user"    // a user's card
	EventAdminJob     = "admin_job"     // an order's card
	EventAdminConfirm = "admin_confirm" // show a change for confirmation
	EventAdminModels  = "admin_models"  // the models
	EventAdminAudit   = "admin_audit"   // the audit log

	EventAdminBroadcasts = "admin_broadcasts"  // the broadcasts list
	EventAdminBcDraft    = "admin_bc_draft"    // a draft's screen
	EventAdminBcAudience = "admin_bc_audience" // its audience (once previewed)
	EventAdminBcConfirm  = "admin_bc_confirm"  // its confirmation
)

// The conversation is two looplab machines over one set of states: the
// shop's (transitions) and the operator console's (consoleTransitions).
// A machine is rebuilt at every Step, so each is kept to its own side's
// states: every user's step pays for the shop's table only, and the
// console's is built for admins in the console. The shop enters the
// console through one door, EventAdmin (the admin menu); the console
// leaves through the shop's everywhere-events (/start, the menu, balance…).
// turn.fire crosses between them.

// transitions is the shop's table. Navigation to the menus works from
// anywhere (old messages and result buttons can be pressed at any time);
// the generation flow is constrained: inputs are asked only from the card,
// an input or the confirmation, the confirmation is reached from those (or
// back from the top-up screen it led to), and a job is submitted only from
// the confirmation.
func transitions() lfsm.Events {
	all := shopStates()
	return lfsm.Events{
		{Name: EventStart, Src: all, Dst: StateMenu},
		{Name: EventMenu, Src: all, Dst: StateMenu},
		{Name: EventBrowse, Src: []string{StateMenu, StateCategory, StateModel}, Dst: StateCategory},
		{Name: EventOpen, Src: all, Dst: StateModel},
		{Name: EventAsk, Src: []string{StateModel, StateInput, StateConfirm}, Dst: StateInput},
		{Name: EventReview, Src: []string{StateModel, StateInput, StateConfirm, StateTopUp}, Dst: StateConfirm},
		{Name: EventRepeat, Src: all, Dst: StateConfirm},
		{Name: EventSubmit, Src: []string{StateConfirm}, Dst: StateMenu},
		{Name: EventBalance, Src: all, Dst: StateBalance},
		{Name: EventHistory, Src: all, Dst: StateHistory},
		{Name: EventTopUp, Src: all, Dst: StateTopUp},
		{Name: EventHelp, Src: all, Dst: StateHelp},
		{Name: EventLanguage, Src: all, Dst: StateLanguage},
		{Name: EventManual, Src: []string{StateTopUp}, Dst: StateManual},
		{Name: EventSubscription, Src: all, Dst: StateSubscription},
		{Name: EventPromo, Src: all, Dst: StatePromo},
		// The console's door (Step lets only admins through).
		{Name: EventAdmin, Src: all, Dst: StateAdmin},
	}
}

// consoleTransitions is the console's table. Its screens open from any of
// its states (its commands and the outcome messages' buttons work at any
// time); a change is confirmed only from the prompt or screen it was
// started on. Every shop event that works from anywhere leaves it.
func consoleTransitions() lfsm.Events {
	adm := adminStates()
	events := lfsm.Events{
		{Name: EventAdmin, Src: adm, Dst: StateAdmin},
		{Name: EventAdminStats, Src: adm, Dst: StateAdminStats},
		{Name: EventAdminAsk, Src: adm, Dst: StateAdminAsk},
		{Name: EventAdminUser, Src: adm, Dst: StateAdminUser},
		{Name: EventAdminJob, Src: adm, Dst: StateAdminJob},
		{Name: EventAdminConfirm, Src: []string{StateAdminAsk, StateAdminUser, StateAdminJob, StateAdminModels, StateAdminConfirm}, Dst: StateAdminConfirm},
		{Name: EventAdminModels, Src: adm, Dst: StateAdminModels},
		{Name: EventAdminAudit, Src: adm, Dst: StateAdminAudit},
		{Name: EventAdminBroadcasts, Src: adm, Dst: StateAdminBroadcasts},
		{Name: EventAdminBcDraft, Src: adm, Dst: StateAdminBcDraft},
		// Only a previewed draft has an audience, and only it is confirmed.
		{Name: EventAdminBcAudience, Src: []string{StateAdminBcDraft, StateAdminBcAudience, StateAdminBcConfirm, StateAdminAsk}, Dst: StateAdminBcAudience},
		{Name: EventAdminBcConfirm, Src: []string{StateAdminBcAudience, StateAdminBcConfirm}, Dst: StateAdminBcConfirm},
		{Name: EventAdminManual, Src: adm, Dst: StateAdminManual},
		{Name: EventAdminDecide, Src: adm, Dst: StateAdminConfirm},
		{Name: EventAdminSubs, Src: adm, Dst: StateAdminSubs},
	}
	for _, e := range transitions() {
		if e.Name != EventAdmin && slices.Equal(e.Src, shopStates()) {
			events = append(events, lfsm.EventDesc{Name: e.Name, Src: adm, Dst: e.Dst})
		}
	}
	return events
}

// isAdminEvent reports whether event belongs to the console's table only.
func isAdminEvent(event string) bool {
	switch event {
	case EventAdminStats, EventAdminAsk, EventAdminUser, EventAdminJob, EventAdminConfirm, EventAdminModels, EventAdminAudit,
		EventAdminBroadcasts, EventAdminBcDraft, EventAdminBcAudience, EventAdminBcConfirm,
		EventAdminManual, EventAdminDecide, EventAdminSubs:
		return true
	}
	return false
}

// mustValid panics on a malformed table: an unknown state, a repeated event
// or a source listed twice is a programming bug, caught by the first test.
func mustValid(events lfsm.Events) {
	states := States()
	seen := map[string]bool{}
	for _, e := range events {
		if e.Name == "" || seen[e.Name] {
			panic(fmt.Sprintf("fsm: event %q is empty or repeated", e.Name))
		}
		seen[e.Name] = true
		if !slices.Contains(states, e.Dst) {
			panic(fmt.Sprintf("fsm: event %q goes to unknown state %q", e.Name, e.Dst))
		}
		if len(e.Src) == 0 {
			panic(fmt.Sprintf("fsm: event %q has no source state", e.Name))
		}
		srcs := map[string]bool{}
		for _, s := range e.Src {
			if !slices.Contains(states, s) || srcs[s] {
				panic(fmt.Sprintf("fsm: event %q has unknown or repeated source %q", e.Name, s))
			}
			srcs[s] = true
		}
	}
}

// NewConversation builds a user's conversation machine at state (rebuilt
// from the database after a failover; "" or an unknown state means new):
// the console's machine for a console state, else the shop's.
// The machine only holds state: it has no callbacks, so no I/O can happen
// inside a transition. It panics if the transition table is malformed.
func NewConversation(state string) *lfsm.FSM {
	if slices.Contains(adminStates(), state) {
		events := consoleTransitions()
		mustValid(events)
		return lfsm.NewFSM(state, events, nil)
	}
	events := transitions()
	mustValid(events)
	if !slices.Contains(shopStates(), state) {
		state = StateNew
	}
	return lfsm.NewFSM(state, events, nil)
}

// Fire applies event to m. The context is never cancellable (a cancelled
// one wedges looplab/fsm forever), and a transition to the same state is
// not an error (looplab reports it as NoTransitionError with a nil Err).
func Fire(m *lfsm.FSM, event string) error {
	err := m.Event(context.Background(), event)
	var noTransition lfsm.NoTransitionError
	if errors.As(err, &noTransition) && noTransition.Err == nil {
		return nil
	}
	return err
}
