package actors_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors"
	"github.com/kiebot/kiebot/store"
	"github.com/kiebot/kiebot/store/storetest"
)

// The retention worker purges at the start of its term and on every tick,
// and stops with the term.
func TestRetentionWorkerPurgesOldProcessedUpdates(t *testing.T) {
	pool := storetest.NewPool(t)
	st := store.New(pool, 77)
	ctx := context.Background()
	rows := []store.InboxUpdate{}
	for id := int64(1); id <= 5; id++ {
		rows = append(rows, store.InboxUpdate{UpdateID: id, UserID: 9, Kind: actors.KindMessage, Payload: []byte(`{"update_id":1}`)})
	}
	if _, err := st.StoreUpdates(ctx, "poll", rows); err != nil {
		t.Fatal(err)
	}
	for id := int64(1); id <= 4; id++ {
		if err := st.MarkProcessed(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := pool.Exec(ctx, `UPDATE inbox SET processed_at = now() - interval '8 days' WHERE update_id <= 3`); err != nil {
		t.Fatal(err)
	}

	passes := make(chan store.RetentionReport, 16)
	w := &actors.Retention{
		Store: st, Policy: store.Retention{Inbox: 7 * 24 * time.Hour, Batch: 2}, Every: time.Hour,
		Logger: slog.New(slog.DiscardHandler),
		Ran: func(r store.RetentionReport, err error) {
			if err != nil {
				t.Errorf("retention: %v", err)
			}
			passes <- r
		},
	}
	tctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(tctx, actors.Term{Epoch: 1}) }()
	select {
	case r := <-passes:
		if r.Inbox != 3 {
			t.Errorf("first pass purged %d updates, want the 3 processed over 7 days ago", r.Inbox)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no retention pass at the start of the term")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v", err)
	}
	var left int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM inbox`).Scan(&left); err != nil || left != 2 {
		t.Fatalf("%d updates left (%v), want the recent and the pending one", left, err)
	}
}
