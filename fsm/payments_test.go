package fsm

import (
	"strings"
	"testing"

	"github.com/kiebot/kiebot/pricing"
)

// fakeManual is ManualFacts from fixed values.
type fakeManual struct{ views map[int64]ManualView }

func (f *fakeManual) ManualTopUp(id int64) (ManualView, bool, error) {
	v, ok := f.views[id]
	return v, ok, nil
}
func (f *fakeManual) PendingManual(limit int) ([]ManualView, bool, error) {
	var out []ManualView
	for _, v := range f.views {
		if v.State == "submitted" {
			out = append(out, v)
		}
	}
	return out, false, nil
}

// The user's side of a transfer: the amounts, the request command, then
// only a photo or a PDF/picture document within the limit is a receipt;
// a submitted receipt ends the wait.
func TestManualReceiptFlow(t *testing.T) {
	t.Parallel()
	env, _ := newEnv(t, "95", 0)
	env.Lang, env.ManualAmounts, env.ManualMaxBytes = EN, []int64{1500_00, 0, 3000_00}, 1<<20
	c := newChat(t, env)
	c.cmd("topup")
	c.press(T(EN, KeyBtnManual))
	for _, row := range c.screen().Buttons {
		for _, b := range row {
			if b.Text == pricing.FormatRUB(0) {
				t.Fatal("a zero amount is offered")
			}
		}
	}
	res := c.press(pricing.FormatRUB(3000_00))
	if cmd, ok := res.Cmd.(CreateManualTopUp); !ok || cmd.Kopecks != 3000_00 || c.state != StateManual {
		t.Fatalf("pick: %#v in %s", res.Cmd, c.state)
	}
	for _, f := range []File{
		{Kind: "video", FileID: "v", MIME: "video/mp4"},
		{Kind: "document", FileID: "z", MIME: "application/zip", Name: "a.zip"},
		{Kind: "photo", FileID: "big", Size: 2 << 20},
	} {
		if res := c.file(f); res.Cmd != nil || c.state != StateManual {
			t.Fatalf("%+v taken as a receipt: %#v in %s", f, res.Cmd, c.state)
		}
	}
	if !strings.Contains(c.screenText(), "too large") {
		t.Fatalf("oversized: %q", c.screenText())
	}
	res = c.file(File{Kind: "document", FileID: "p", UniqueID: "u", MIME: "application/pdf", Size: 1000})
	if cmd, ok := res.Cmd.(SubmitReceipt); !ok || cmd.File.UniqueID != "u" || c.state != StateMenu {
		t.Fatalf("receipt: %#v in %s", res.Cmd, c.state)
	}
	if res := c.file(File{Kind: "photo", FileID: "again"}); res.Cmd != nil || !strings.Contains(c.screenText(), "If this is a payment receipt") {
		t.Fatalf("a second receipt: %#v %q", res.Cmd, c.screenText())
	}
}

// The admins' side: the receipt buttons work from any screen for admins
// only; approving confirms with the balance before and after; rejecting
// asks a reason; both yield an AdminAct naming the request, keyed by the
// confirmation; a decided request cannot be confirmed.
func TestManualDecisions(t *testing.T) {
	t.Parallel()
	env, _ := newEnv(t, "95", 0)
	env.Lang, env.ManualAmounts = EN, []int64{1500_00}
	views := &fakeManual{views: map[int64]ManualView{
		9:  {ID: 9, UserID: 7, UserName: "Ann", Kopecks: 1500_00, Available: 200_00, Reference: "KB-7F3K2H", State: "submitted", Flags: []string{FlagAmount}},
		10: {ID: 10, UserID: 7, UserName: "Ann", Kopecks: 1500_00, Reference: "KB-7F3K3H", State: "approved"},
	}}
	buttons := ManualButtons(EN, 9)
	approve, reject := buttons[0][0].Data, buttons[0][1].Data

	user := newChat(t, env)
	user.cmd("start")
	if res := user.data_(approve); res.Cmd != nil || user.state != StateMenu {
		t.Fatalf("a user approved: %#v", res.Cmd)
	}

	env.IsAdmin, env.Admin, env.Manual = true, newFakeAdmin(), views
	admin := newChat(t, env)
	admin.cmd("balance") // anywhere
	admin.data_(approve)
	if admin.state != StateAdminConfirm || !strings.Contains(admin.screenText(), pricing.FormatRUB(200_00)+" → "+pricing.FormatRUB(1700_00)) ||
		!strings.Contains(admin.screenText(), "wrong amount") {
		t.Fatalf("approval confirmation %q in %s", admin.screenText(), admin.state)
	}
	res := admin.press(T(EN, KeyBtnApply))
	act, ok := res.Cmd.(AdminAct)
	if !ok || act.Kind != ActManualApprove || act.ManualID != 9 || act.Key == "" {
		t.Fatalf("approve act %#v", res.Cmd)
	}
	admin.data_(reject)
	if admin.state != StateAdminAsk {
		t.Fatalf("reject asks no reason: %q", admin.screenText())
	}
	admin.text("no such transfer")
	res = admin.press(T(EN, KeyBtnApply))
	if r, ok := res.Cmd.(AdminAct); !ok || r.Kind != ActManualReject || r.ManualID != 9 || r.Reason != "no such transfer" || r.Key == act.Key {
		t.Fatalf("reject act %#v", res.Cmd)
	}
	decided := ManualButtons(EN, 10)[0][0].Data
	admin.data_(decided)
	if _, ok := admin.button(T(EN, KeyBtnApply)); ok || !strings.Contains(admin.screenText(), "no longer awaits a decision (approved)") {
		t.Fatalf("a decided request can be confirmed: %q", admin.screenText())
	}
	admin.cmd("receipts")
	if admin.state != StateAdminManual || !strings.Contains(admin.screenText(), "KB-7F3K2H") || strings.Contains(admin.screenText(), "KB-7F3K3H") {
		t.Fatalf("pending list %q", admin.screenText())
	}
}
