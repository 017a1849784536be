package fsm

import "testing"

func TestConversationStartsAtTheMenuFromAnywhere(t *testing.T) {
	for _, from := range []string{"", StateNew, StateMenu} {
		m := NewConversation(from)
		if err := Fire(m, EventStart); err != nil {
			t.Fatalf("start from %q: %v", from, err)
		}
		if m.Current() != StateMenu {
			t.Fatalf("start from %q ends in %q", from, m.Current())
		}
	}
}
