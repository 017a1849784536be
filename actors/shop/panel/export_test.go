package panel

import (
	"bufio"
	"encoding/csv"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors/shop/operator"
)

// The CSV exports: the users, ledger entries and jobs of a range of days,
// one row each, with the header first; text a spreadsheet would run is
// defused; and the file starts arriving while the database is still
// being read — the rows are written as pgx reads them, through the
// server's streaming route (not buffered whole by the route timeout).
func TestExportCSV(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{})
	f.touch(5003, "=HYPERLINK(1)", "calc", "en")
	f.credit(customer, 500_00, "seed")
	j := f.succeededJob(customer, 120_00, "job-csv")
	b := f.signIn(adminID)
	today := f.clock.Now().In(operator.Moscow()).Format(time.DateOnly)
	q := "?from=" + today + "&to=" + today

	read := func(what string) [][]string {
		t.Helper()
		a := b.get(Prefix + "export/" + what + q)
		if a.code != http.StatusOK || !strings.HasPrefix(a.header.Get("Content-Type"), "text/csv") ||
			!strings.Contains(a.header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("%s: %d %v\n%s", what, a.code, a.header, a.body)
		}
		recs, err := csv.NewReader(strings.NewReader(a.body)).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return recs
	}
	users := read("users.csv")
	if len(users) != 4 || users[0][0] != "user_id" { // header, admin, customer, 5003
		t.Fatalf("users.csv: %q", users)
	}
	if !strings.Contains(strings.Join(users[3], ","), "'=HYPERLINK(1)") {
		t.Errorf("a formula was not defused: %q", users[3])
	}
	ledger := read("ledger.csv")
	kinds := map[string]int{}
	for _, r := range ledger[1:] {
		kinds[r[2]]++
	}
	if kinds["adjustment"] != 1 || kinds["hold"] != 1 || kinds["capture"] != 1 || len(ledger) != 4 {
		t.Errorf("ledger.csv: %q", ledger)
	}
	jobs := read("jobs.csv")
	if len(jobs) != 2 || jobs[1][0] != itoa64(j.ID) || jobs[1][3] != "succeeded" || jobs[1][4] != "12000" {
		t.Errorf("jobs.csv: %q", jobs)
	}
	// Another day has none of it.
	if recs := func() [][]string { q = "?from=2020-01-01&to=2020-01-02"; return read("jobs.csv") }(); len(recs) != 1 {
		t.Errorf("jobs.csv for 2020: %q", recs)
	}
	if a := b.get(Prefix + "export/jobs.csv?from=2020-01-02&to=2020-01-01"); a.code != http.StatusBadRequest {
		t.Errorf("reversed range = %d", a.code)
	}
	if a := b.get(Prefix + "export/secrets.csv" + q); a.code != http.StatusNotFound {
		t.Errorf("unknown export = %d", a.code)
	}
}

// Streaming: with more rows than one flush holds, the client reads the
// header and the first rows while the server is still writing, which a
// buffered answer would not allow — proved by holding the export's
// database read open (a row callback blocked) until the client has read
// the first rows.
func TestExportStreams(t *testing.T) {
	t.Parallel()
	f := newFixture(t, fixtureOptions{})
	// 3 flushes' worth of users in one statement.
	if _, err := f.h.Admin.Exec(f.ctx(), `INSERT INTO bot_users (bot_id, user_id, chat_id, first_name, username, language)
		SELECT $1, 100000 + g, 100000 + g, 'u' || g, '', 'ru' FROM generate_series(1, $2) g`, f.h.BotID, 3*flushRows); err != nil {
		t.Fatal(err)
	}
	gate := make(chan struct{})
	f.p.exportHook = func(n int) {
		if n == flushRows+10 {
			<-gate // the server holds here, mid-export, until the client has rows
		}
	}
	b := f.signIn(adminID)
	today := f.clock.Now().In(operator.Moscow()).Format(time.DateOnly)
	req, _ := http.NewRequestWithContext(f.ctx(), http.MethodGet, f.base+Prefix+"export/users.csv?from="+today+"&to="+today, nil)
	req.AddCookie(b.cookie)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	for i := range flushRows {
		if _, err := r.ReadString('\n'); err != nil {
			t.Fatalf("row %d before the export finished: %v", i, err)
		}
	}
	close(gate)
	rest, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if got := flushRows + strings.Count(string(rest), "\n"); got != 3*flushRows+2+1 { // + admin, customer, header
		t.Fatalf("%d lines", got)
	}
}
