package fsm

import "testing"

// BenchmarkStep measures one Step on the real registry: a /start (the main
// menu), a refresh of a confirmation (plan, validation, quote, Facts), and
// an admin's user card refreshed (the console's machine and its reads).
func BenchmarkStep(b *testing.B) {
	env, _ := newEnv(b, "95", 5)
	confirm := reach(b, env, StateConfirm)
	refresh := Input{Kind: InputCallback, CallbackID: "q", Callback: callbackData(confirm.session().Nonce, aRefresh, "")}
	admin, _ := adminEnv(b)
	card := reachAdmin(b, admin, StateAdminUser)
	again := Input{Kind: InputCallback, CallbackID: "q", Callback: callbackData(card.session().Nonce, aUsr, "")}
	for _, bc := range []struct {
		name  string
		env   Env
		state string
		data  []byte
		in    Input
	}{
		{"start", env, "", nil, Input{Kind: InputCommand, Command: "start"}},
		{"confirmation", env, confirm.state, confirm.data, refresh},
		{"console card", admin, card.state, card.data, again},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Step(bc.env, bc.state, bc.data, bc.in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
