package fsm

import (
	"errors"
	"slices"
	"testing"

	lfsm "github.com/looplab/fsm"
)

func TestTransitionTable(t *testing.T) {
	t.Parallel()
	mustValid(transitions()) // panics on a bad table
	mustValid(consoleTransitions())

	bad := []lfsm.Events{
		{{Name: "x", Src: []string{StateMenu}, Dst: "nowhere"}},
		{{Name: "x", Src: []string{"nowhere"}, Dst: StateMenu}},
		{{Name: "x", Src: []string{StateMenu, StateMenu}, Dst: StateMenu}},
		{{Name: "x", Src: []string{StateMenu}, Dst: StateMenu}, {Name: "x", Src: []string{StateHelp}, Dst: StateMenu}},
		{{Name: "", Src: []string{StateMenu}, Dst: StateMenu}},
		{{Name: "x", Dst: StateMenu}},
	}
	for _, events := range bad {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("table %+v did not panic", events)
				}
			}()
			mustValid(events)
		}()
	}
}

func TestEveryStateIsReachable(t *testing.T) {
	t.Parallel()
	reached := map[string]bool{StateNew: true}
	for _, e := range append(transitions(), consoleTransitions()...) {
		reached[e.Dst] = true
	}
	for _, s := range States() {
		if !reached[s] {
			t.Errorf("no event leads to %s", s)
		}
	}
}

func TestFire(t *testing.T) {
	t.Parallel()
	for _, from := range []string{"", StateNew, StateMenu, "garbage"} {
		m := NewConversation(from)
		if err := Fire(m, EventStart); err != nil || m.Current() != StateMenu {
			t.Fatalf("start from %q: %v, at %s", from, err, m.Current())
		}
	}
	// Same-state transitions are success (looplab says NoTransitionError).
	m := NewConversation(StateMenu)
	if err := Fire(m, EventMenu); err != nil {
		t.Fatalf("menu → menu: %v", err)
	}
	// The flow is constrained: no submission outside the confirmation.
	m = NewConversation(StateInput)
	var invalid lfsm.InvalidEventError
	if err := Fire(m, EventSubmit); !errors.As(err, &invalid) || m.Current() != StateInput {
		t.Fatalf("submit from input: %v, at %s", err, m.Current())
	}
	if err := Fire(m, "no-such-event"); err == nil {
		t.Fatal("unknown event accepted")
	}
	// Each machine keeps to its side: the shop's knows the console's door
	// only, the console's leaves through the shop's everywhere-events.
	if m := NewConversation(StateMenu); Fire(m, EventAdminStats) == nil {
		t.Fatal("the shop's machine opened a console screen directly")
	}
	if m := NewConversation(StateAdminUser); Fire(m, EventBalance) != nil || m.Current() != StateBalance {
		t.Fatalf("leaving the console: at %s", m.Current())
	}
	if m := NewConversation(StateAdminUser); Fire(m, EventSubmit) == nil {
		t.Fatal("the console's machine submitted a job")
	}
	// A machine survives any sequence of events.
	m = NewConversation(StateConfirm)
	for _, e := range transitions() {
		_ = Fire(m, e.Name)
		if !slices.Contains(States(), m.Current()) {
			t.Fatalf("machine in unknown state %q", m.Current())
		}
	}
}
