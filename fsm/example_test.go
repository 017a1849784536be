package fsm_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/kiebot/kiebot/fsm"
	"github.com/kiebot/kiebot/pricing"
)

// noFacts is a user with an empty history.
type noFacts struct{}

func (noFacts) Balance() (int64, int64, error)              { return 100_00, 0, nil }
func (noFacts) FreeUsedToday() (int, error)                 { return 0, nil }
func (noFacts) RunningJobs() (int, error)                   { return 0, nil }
func (noFacts) RecentEntries(int) ([]fsm.LedgerLine, error) { return nil, nil }
func (noFacts) RecentJobs(int) ([]fsm.JobLine, error)       { return nil, nil }
func (noFacts) Job(int64) (fsm.JobLine, bool, error)        { return fsm.JobLine{}, false, nil }

// A conversation is a sequence of Steps; the actor persists State and Data
// between them and executes Out and Cmd.
func ExampleStep() {
	reg := pricing.Default()
	pricer, _ := pricing.NewPricer(reg, pricing.Config{USDRUBRate: "95"})
	env := fsm.Env{
		Lang: fsm.EN, UserID: 1, FirstName: "<Ada>", Registry: reg, Pricer: pricer,
		MaxRunningJobs: 3, Now: time.Date(2026, 5, 12, 9, 0, 0, 0, time.UTC), Facts: noFacts{},
	}

	res, _ := fsm.Step(env, "", nil, fsm.Input{Kind: fsm.InputCommand, Command: "start"})
	fmt.Println(res.State)
	fmt.Println(strings.SplitN(res.Out[0].Screen.Text, "\n", 2)[0])

	// A button from some older message: answered, and the current menu is
	// sent again.
	res, _ = fsm.Step(env, res.State, res.Data, fsm.Input{Kind: fsm.InputCallback, Callback: "abcdef|cat|0", CallbackID: "q1"})
	fmt.Println(res.State, len(res.Out))
	fmt.Println(res.Out[0].Answer.Text)

	// Pressing "Balance" on the current menu.
	balance := res.Out[1].Screen.Buttons[len(res.Out[1].Screen.Buttons)-4][0]
	res, _ = fsm.Step(env, res.State, res.Data, fsm.Input{Kind: fsm.InputCallback, Callback: balance.Data, CallbackID: "q2", MessageID: 7})
	fmt.Println(res.State, res.Out[1].Edit)
	fmt.Println(strings.ReplaceAll(res.Out[1].Screen.Text, "\u00a0", " ")) // prices use no-break spaces
	// Output:
	// menu
	// Hi, &lt;Ada&gt;! 👋
	// menu 2
	// This menu is outdated — here is the current one.
	// balance 7
	// 💰 <b>Balance: 100,00 ₽</b>
}
