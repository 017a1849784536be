package panel

import (
	"strings"
	"testing"
	"time"

	"github.com/kiebot/kiebot/store"
)

// succeededJob makes a paid job of userID that succeeded, as the jobs
// actor would: created with its price held, then finished.
func (f *fixture) succeededJob(userID, price int64, key string) store.Job {
	f.t.Helper()
	model := f.pricer.Registry().Models()[0]
	var j store.Job
	if err := f.st.InTx(f.ctx(), func(tx *store.Tx) error {
		var err error
		j, _, err = tx.CreateJob(f.ctx(), store.NewJob{UserID: userID, ChatID: userID, ModelID: model.ID(), Category: "image", Output: "image",
			Params: map[string]string{"prompt": "a <b>cat</b>"}, PriceKopecks: price, CostMicroCredits: 4_000_000,
			IdempotencyKey: key, Deadline: time.Now().Add(time.Hour)})
		if err != nil {
			return err
		}
		j, err = tx.FinishJob(f.ctx(), store.FinishParams{JobID: j.ID, Outcome: store.JobSucceeded, ResultURLs: []string{"https://cdn.example/r.png"}})
		return err
	}); err != nil {
		f.t.Fatal(err)
	}
	return j
}

// Every page renders for a signed-in admin and shows what it is about,
// with user data escaped.
func TestPagesRender(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{})
	f.touch(5002, `<script>x</script>`, "evil", "ru")
	f.credit(customer, 500_00, "seed")
	j := f.succeededJob(customer, 120_00, "job-1")
	b := f.signIn(adminID)
	id := itoa64(customer)
	for _, c := range []struct {
		path string
		want []string
	}{
		{Prefix, []string{"Dashboard", "<svg", "Revenue", "120,00"}},
		{Prefix + "users", []string{"ivan_k", "Иван", "&lt;script&gt;x&lt;/script&gt;"}},
		{Prefix + "users?q=ivan", []string{"ivan_k"}},
		{Prefix + "users?q=" + id, []string{"ivan_k"}},
		{Prefix + "users/" + id, []string{`id="balance"`, "380,00", "#1", "adjust-form"}},
		{Prefix + "jobs", []string{"#" + itoa64(j.ID), "succeeded"}},
		{Prefix + "jobs?state=failed", []string{"Nothing here."}},
		{Prefix + "jobs/" + itoa64(j.ID), []string{"https://cdn.example/r.png", "a &lt;b&gt;cat&lt;/b&gt;", "Refund"}},
		{Prefix + "payments", []string{"Payments"}},
		{Prefix + "models", []string{j.ModelID, "Switch off"}},
		{Prefix + "broadcasts", []string{"bc-create"}},
		{Prefix + "audit", []string{"Audit log"}},
		{Prefix + "instances", []string{"panel-test", "No leader yet."}},
		{Prefix + "export", []string{"users.csv", "ledger.csv", "jobs.csv"}},
	} {
		body := b.mustGet(c.path)
		for _, w := range c.want {
			if !strings.Contains(body, w) {
				t.Errorf("GET %s lacks %q", c.path, w)
			}
		}
		if strings.Contains(body, "<script>") {
			t.Errorf("GET %s: unescaped user data", c.path)
		}
	}
	if body := b.mustGet(Prefix + "users?q=evil"); strings.Contains(body, "ivan_k") {
		t.Error("search for evil found ivan")
	}
	for _, path := range []string{Prefix + "users/999999", Prefix + "jobs/999999", Prefix + "nope"} {
		if a := b.get(path); a.code != 404 {
			t.Errorf("GET %s = %d, want 404", path, a.code)
		}
	}
	// A made-up flash shows nothing.
	if body := b.mustGet(Prefix + "users/" + id + "?flash=Your+account+is+hacked"); strings.Contains(body, "hacked") {
		t.Error("a made-up flash is shown")
	}
}
