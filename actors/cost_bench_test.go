package actors_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kiebot/kiebot/actors/actorstest"
	"github.com/kiebot/kiebot/actors/telegram/telegramtest"
	"github.com/kiebot/kiebot/store/storetest"
)

// dbCounters is what the database did, read from its statistics views.
type dbCounters struct {
	commits, rollbacks         int64 // pg_stat_database: every transaction, read-only ones included
	inserted, updated, deleted int64 // rows written (pg_stat_database tup_*)
	xid                        int64 // next transaction id: write transactions, cluster-wide
	walLSN                     string
	otherCommits               int64 // commits in every other database: 0 means the cluster-wide figures are ours
	pgCPU                      time.Duration
	tables                     map[string][4]int64 // per table: inserted, updated (HOT included), HOT-updated, deleted
	selfCPU                    time.Duration       // this process (kiebot and the fake Bot API)
}

// readCounters reads dbCounters for database db through admin (a
// connection to another database). Backends report their statistics
// lazily, so it first waits until db has no other backend than skipPID
// and the figures are stable.
func readCounters(b *testing.B, admin *pgx.Conn, db string, skipPID uint32) dbCounters {
	b.Helper()
	ctx := context.Background()
	read := func() dbCounters {
		var c dbCounters
		err := admin.QueryRow(ctx, `
			SELECT d.xact_commit, d.xact_rollback, d.tup_inserted, d.tup_updated, d.tup_deleted,
			       pg_snapshot_xmax(pg_current_snapshot())::text::bigint, pg_current_wal_lsn()::text,
			       (SELECT coalesce(sum(xact_commit), 0) FROM pg_stat_database o WHERE o.datname IS NOT NULL AND o.datname <> $1)::bigint
			  FROM pg_stat_database d WHERE d.datname = $1`, db).
			Scan(&c.commits, &c.rollbacks, &c.inserted, &c.updated, &c.deleted, &c.xid, &c.walLSN, &c.otherCommits)
		if err != nil {
			b.Fatal(err)
		}
		c.pgCPU = postgresCPU(b, admin)
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		c.selfCPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		return c
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var others int
		if err := admin.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> $2`, db, skipPID).Scan(&others); err != nil {
			b.Fatal(err)
		}
		if others == 0 {
			c1 := read()
			time.Sleep(300 * time.Millisecond) // statistics arrive asynchronously: wait for them to settle
			c2 := read()
			if c1.commits == c2.commits && c1.inserted == c2.inserted && c1.updated == c2.updated && c1.deleted == c2.deleted {
				c2.tables = tableCounters(b, db)
				return c2
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("database %s: backends still open or statistics still moving after 30 s", db)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func tableCounters(b *testing.B, db string) map[string][4]int64 {
	b.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, storetest.DatabaseURL(b, db))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del FROM pg_stat_user_tables`)
	if err != nil {
		b.Fatal(err)
	}
	out := map[string][4]int64{}
	for rows.Next() {
		var name string
		var v [4]int64
		if err := rows.Scan(&name, &v[0], &v[1], &v[2], &v[3]); err != nil {
			b.Fatal(err)
		}
		out[name] = v
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return out
}

// postgresCPU is the CPU time of the PostgreSQL server (the postmaster,
// its live children and every child it has reaped), if it runs on this
// machine and /proc can be read; 0 otherwise.
func postgresCPU(b *testing.B, admin *pgx.Conn) time.Duration {
	pid := int(admin.PgConn().PID())
	stat := func(pid int) []string {
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return nil
		}
		s := string(raw)
		return strings.Fields(s[strings.LastIndexByte(s, ')')+2:]) // fields from 3 (state) on
	}
	f := stat(pid)
	if f == nil {
		return 0
	}
	pm, _ := strconv.Atoi(f[1]) // ppid: the postmaster
	ticks := func(f []string, idx ...int) int64 {
		var n int64
		for _, i := range idx {
			v, _ := strconv.ParseInt(f[i-3], 10, 64)
			n += v
		}
		return n
	}
	pf := stat(pm)
	if pf == nil {
		return 0
	}
	total := ticks(pf, 14, 15, 16, 17) // utime, stime, cutime, cstime
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil || p == pm {
			continue
		}
		if cf := stat(p); cf != nil && cf[1] == strconv.Itoa(pm) {
			total += ticks(cf, 14, 15)
		}
	}
	return time.Duration(total) * time.Second / 100 // USER_HZ
}

// closedLoop lets every user send perUser messages, each after the reply
// to the previous one, and returns the latencies (all, and of each user's
// first message) and the time it took.
func closedLoop(b *testing.B, h *actorstest.Harness, users []*telegramtest.User, perUser int) (all, first []time.Duration, took time.Duration) {
	b.Helper()
	sub := h.TG.Subscribe()
	defer sub.Close()
	byChat := map[int64]*telegramtest.User{}
	for _, u := range users {
		byChat[u.ID()] = u
	}
	var mu sync.Mutex
	sentAt := map[int64]time.Time{}
	count := map[int64]int{}
	send := func(u *telegramtest.User) {
		mu.Lock()
		sentAt[u.ID()] = time.Now()
		n := count[u.ID()]
		mu.Unlock()
		u.SendText(fmt.Sprintf("m%d", n))
	}
	start := time.Now()
	for _, u := range users {
		send(u)
	}
	want := len(users) * perUser
	for len(all) < want {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		ev, err := sub.Next(ctx)
		cancel()
		if err != nil {
			b.Fatalf("%d of %d replies: %v", len(all), want, err)
		}
		u := byChat[ev.ChatID]
		if ev.Method != "sendMessage" || ev.Status != 200 || u == nil {
			continue
		}
		mu.Lock()
		d := ev.Time.Sub(sentAt[u.ID()])
		count[u.ID()]++
		n := count[u.ID()]
		mu.Unlock()
		all = append(all, d)
		if n == 1 {
			first = append(first, d)
		}
		if n < perUser {
			send(u)
		}
	}
	return all, first, time.Since(start)
}

func pct(ds []time.Duration, p int) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	return float64(s[min(len(s)-1, len(s)*p/100)].Microseconds()) / 1000
}

// BenchmarkClosedLoop is the issue-14 comparison load: 500 users × 10
// messages in a closed loop (each user waits for the reply before sending
// the next) against the echo conversation, twice — first with new users
// (their first reply is a new user's), then, on a fresh instance, with the
// same users known — and reports updates/s, p50/p99, a new user's first
// reply, and for the known-user run what the database did per update: rows
// written, transactions committed (all, and write transactions by the
// cluster's transaction ids), WAL bytes and PostgreSQL CPU. The
// cluster-wide figures (write transactions, WAL, PostgreSQL CPU) are
// exact only on a server nothing else uses (scripts/bench-postgres.sh);
// otherCommits says how much else happened. Run with -benchtime=1x.
func BenchmarkClosedLoop(b *testing.B) {
	const nUsers, perUser = 500, 10
	h := actorstest.New(b, actorstest.BotToken)
	cfg, err := pgx.ParseConfig(h.DSN)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, storetest.AdminURL())
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close(ctx)
	users := make([]*telegramtest.User, nUsers)
	for i := range users {
		users[i] = h.Bot.AddUser(telegramtest.UserConfig{FirstName: fmt.Sprintf("u%d", i)})
	}
	startInstance := func(name string) *actorstest.Instance {
		inst := h.Start(name, actorstest.Options{TTL: time.Minute})
		wctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		if err := h.Events.WaitFor(wctx, has(name+" poll")); err != nil {
			b.Fatal(err)
		}
		return inst
	}
	b.ResetTimer()

	// New users.
	c0 := readCounters(b, admin, cfg.Database, h.Admin.PgConn().PID())
	a := startInstance("new")
	allNew, firstNew, tookNew := closedLoop(b, h, users, perUser)
	a.Stop(b)
	c1 := readCounters(b, admin, cfg.Database, h.Admin.PgConn().PID())

	// The same users, known: the steady path.
	k := startInstance("known")
	allKnown, _, tookKnown := closedLoop(b, h, users, perUser)
	k.Stop(b)
	c2 := readCounters(b, admin, cfg.Database, h.Admin.PgConn().PID())
	if got := h.Bot.Calls("sendMessage"); got != 2*nUsers*perUser {
		b.Errorf("%d replies to %d messages", got, 2*nUsers*perUser)
	}
	b.StopTimer()

	n := float64(nUsers * perUser)
	b.ReportMetric(n/tookNew.Seconds(), "new-updates/s")
	b.ReportMetric(pct(firstNew, 50), "new-first-reply-p50-ms")
	b.ReportMetric(pct(allNew, 99), "new-p99-ms")
	b.ReportMetric(n/tookKnown.Seconds(), "updates/s")
	b.ReportMetric(pct(allKnown, 50), "p50-ms")
	b.ReportMetric(pct(allKnown, 99), "p99-ms")
	report := func(label string, x, y dbCounters) {
		rows := float64((y.inserted-x.inserted)+(y.updated-x.updated)+(y.deleted-x.deleted)) / n
		var lsn [2]uint64
		for i, s := range []string{x.walLSN, y.walLSN} {
			hi, lo, _ := strings.Cut(s, "/")
			h, _ := strconv.ParseUint(hi, 16, 64)
			l, _ := strconv.ParseUint(lo, 16, 64)
			lsn[i] = h<<32 | l
		}
		wal := float64(lsn[1]-lsn[0]) / n
		b.ReportMetric(rows, label+"rows/update")
		b.ReportMetric(float64(y.commits-x.commits)/n, label+"xacts/update")
		b.ReportMetric(float64(y.xid-x.xid)/n, label+"write-xacts/update")
		b.ReportMetric(wal, label+"WAL-B/update")
		b.ReportMetric(float64((y.pgCPU-x.pgCPU).Microseconds())/1000/n, label+"pg-cpu-ms/update")
		b.ReportMetric(float64((y.selfCPU-x.selfCPU).Microseconds())/1000/n, label+"proc-cpu-ms/update")
		var per []string
		names := make([]string, 0, len(y.tables))
		for t := range y.tables {
			names = append(names, t)
		}
		slices.Sort(names)
		for _, t := range names {
			d := [4]int64{}
			for i := range d {
				d[i] = y.tables[t][i] - x.tables[t][i]
			}
			if d != ([4]int64{}) {
				per = append(per, fmt.Sprintf("%s ins %.2f upd %.2f (hot %.2f) del %.2f", t,
					float64(d[0])/n, float64(d[1])/n, float64(d[2])/n, float64(d[3])/n))
			}
		}
		b.Logf("%s: per update %.2f rows, %.2f transactions (%.2f writing), %.0f WAL bytes; rollbacks %d; commits elsewhere in the cluster meanwhile: %d\n  %s",
			label, rows, float64(y.commits-x.commits)/n, float64(y.xid-x.xid)/n, wal, y.rollbacks-x.rollbacks, y.otherCommits-x.otherCommits, strings.Join(per, "\n  "))
	}
	report("new-", c0, c1)
	report("", c1, c2)
}
