package shop

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/kiebot/kiebot/store"
	"github.com/kiebot/kiebot/store/storetest"
)

// runningCatalogue starts a catalogue of bot on a fresh database that
// reloads on notifications only, and waits until it listens.
func runningCatalogue(tb testing.TB, bot int64) (*Catalogue, *store.Store) {
	tb.Helper()
	pool := storetest.NewPool(tb)
	st := store.New(pool, bot)
	cat := NewCatalogue(CatalogueConfig{Store: st, ConnConfig: pool.Config().ConnConfig.Copy(), Reload: time.Hour, Logger: slog.New(slog.DiscardHandler)})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = cat.Run(ctx)
	}()
	tb.Cleanup(func() {
		cancel()
		<-done
	})
	err := waitUntil(context.Background(), func() (bool, error) {
		var n int
		err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'||$1||'%'`,
			store.ModelsChannel).Scan(&n)
		return n == 1, err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return cat, st
}

func switchModel(tb testing.TB, st *store.Store, id string, off bool) {
	tb.Helper()
	if _, _, err := st.SetModelSwitch(context.Background(), store.ModelSwitch{ModelID: id, Off: off, AdminID: 1}); err != nil {
		tb.Fatal(err)
	}
}

// The catalogue follows its bot's switches by NOTIFY and ignores other
// bots' switches in the same database.
func TestCatalogueFollowsItsBotsSwitches(t *testing.T) {
	t.Parallel()
	cat, st := runningCatalogue(t, 5)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	switchModel(t, st, "z-image", true)
	if err := waitUntil(ctx, func() (bool, error) { return cat.Off()["z-image"], nil }); err != nil {
		t.Fatal(err)
	}
	other := store.New(st.Pool(), 6)
	switchModel(t, other, "flux", true)
	switchModel(t, st, "z-image", false)
	if err := waitUntil(ctx, func() (bool, error) { return !cat.Off()["z-image"], nil }); err != nil {
		t.Fatal(err)
	}
	if len(cat.Off()) != 0 {
		t.Fatalf("another bot's switch leaked in: %v", cat.Off())
	}
}

// BenchmarkCatalogueHearsASwitch is the time from a switch's commit to
// another instance's catalogue knowing it (NOTIFY, reload).
func BenchmarkCatalogueHearsASwitch(b *testing.B) {
	cat, st := runningCatalogue(b, 5)
	ctx := context.Background()
	off := false
	for b.Loop() {
		off = !off
		switchModel(b, st, "z-image", off)
		for cat.Off()["z-image"] != off {
			if ctx.Err() != nil {
				b.Fatal(ctx.Err())
			}
			time.Sleep(100 * time.Microsecond) // polling a benchmark's own condition, not synchronising a test
		}
	}
}
