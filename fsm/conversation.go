package fsm

import (
	"context"
	"errors"

	lfsm "github.com/looplab/fsm"
)

// Conversation states.
const (
	StateNew  = "new"  // never started
	StateMenu = "menu" // at the main menu
)

// Conversation events.
const (
	EventStart = "start" // /start
)

// NewConversation builds a user's conversation machine at state (rebuilt
// from the database after a failover; "" means new). The machine only holds
// state: callbacks do no I/O, so the actor does its I/O after a transition.
func NewConversation(state string) *lfsm.FSM {
	if state == "" {
		state = StateNew
	}
	return lfsm.NewFSM(state, lfsm.Events{
		{Name: EventStart, Src: []string{StateNew, StateMenu}, Dst: StateMenu},
	}, nil)
}

// Fire applies event to m. The context is never cancellable (a cancelled
// one wedges looplab/fsm forever), and a transition to the same state is
// not an error.
func Fire(m *lfsm.FSM, event string) error {
	err := m.Event(context.Background(), event)
	var noTransition lfsm.NoTransitionError
	if errors.As(err, &noTransition) && noTransition.Err == nil {
		return nil
	}
	return err
}
