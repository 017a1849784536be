package fsm

import "testing"

// BenchmarkStep measures one Step on the real registry: a /start (the main
// menu) and a refresh of a confirmation (plan, validation, quote, Facts).
func BenchmarkStep(b *testing.B) {
	env, _ := newEnv(b, "95", 5)
	confirm := reach(b, env, StateConfirm)
	refresh := Input{Kind: InputCallback, CallbackID: "q", Callback: callbackData(confirm.session().Nonce, aRefresh, "")}
	for _, bc := range []struct {
		name  string
		state string
		data  []byte
		in    Input
	}{
		{"start", "", nil, Input{Kind: InputCommand, Command: "start"}},
		{"confirmation", confirm.state, confirm.data, refresh},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Step(env, bc.state, bc.data, bc.in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
