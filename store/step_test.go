package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/kiebot/kiebot/store"
	"github.com/kiebot/kiebot/store/storetest"
)

func storeOne(t *testing.T, s *store.Store, id, user int64) {
	t.Helper()
	if _, err := s.StoreUpdates(context.Background(), "poll", []store.InboxUpdate{{UpdateID: id, UserID: user, Kind: "message", Payload: []byte(`{"update_id":1}`)}}); err != nil {
		t.Fatal(err)
	}
}

func TestCommitStepIsAllOrNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.NewStore(t, 9)
	storeOne(t, s, 100, 5)
	w := store.StepWrites{
		UpdateID: 100, UserID: 5, Touch: &store.SeenUser{ID: 5, ChatID: 5, FirstName: "F"},
		SaveState: true, State: "menu", Data: []byte(`{"n":1}`), Ops: [][]byte{[]byte(`{"kind":"send"}`), []byte(`{"kind":"answer"}`)},
	}
	ids, err := s.CommitStep(ctx, w)
	if err != nil || len(ids) != 2 || ids[0] >= ids[1] {
		t.Fatalf("CommitStep = %v, %v", ids, err)
	}
	if _, processed, _, _ := s.UpdateState(ctx, 100); !processed {
		t.Fatal("update not marked processed")
	}
	if c, err := s.Conversation(ctx, 5); err != nil || c.State != "menu" {
		t.Fatalf("conversation = %+v, %v", c, err)
	}

	// The same update again: refused, and nothing of it is written.
	w.Ops = [][]byte{[]byte(`{"kind":"send","text":"again"}`)}
	w.State = "other"
	if _, err := s.CommitStep(ctx, w); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second commit = %v, want ErrNotFound", err)
	}
	ops, _ := s.PendingOps(ctx, 5)
	if c, _ := s.Conversation(ctx, 5); len(ops) != 2 || c.State != "menu" {
		t.Fatalf("a refused step wrote: %d ops, state %q", len(ops), c.State)
	}

	// A failing statement late in the batch rolls back the processed mark.
	storeOne(t, s, 101, 5)
	bad := store.StepWrites{UpdateID: 101, UserID: 5, SaveState: true, State: "x", Data: []byte(`{not json`), SentOps: ids}
	if _, err := s.CommitStep(ctx, bad); err == nil {
		t.Fatal("a batch with invalid JSON committed")
	}
	if _, processed, _, _ := s.UpdateState(ctx, 101); processed {
		t.Fatal("update 101 marked processed although its batch failed")
	}
	if ops, _ := s.PendingOps(ctx, 5); len(ops) != 2 {
		t.Fatalf("sent ops deleted by a failed batch: %d left", len(ops))
	}

	// Sent ops are deleted with the next step.
	if _, err := s.CommitStep(ctx, store.StepWrites{UpdateID: 101, UserID: 5, SentOps: ids}); err != nil {
		t.Fatal(err)
	}
	if ops, _ := s.PendingOps(ctx, 5); len(ops) != 0 {
		t.Fatalf("%d sent ops not deleted", len(ops))
	}
}

// An update the poller handed over directly is inserted processed by its
// step's commit — or, if the poller stored it meanwhile, marked processed —
// and refused the second time.
func TestCommitStepOfAnUnstoredUpdate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.NewStore(t, 9)
	unstored := func(id int64) store.StepWrites {
		return store.StepWrites{
			UpdateID: id, UserID: 5, Touch: &store.SeenUser{ID: 5, ChatID: 5, FirstName: "F"},
			Unstored: &store.InboxUpdate{UpdateID: id, UserID: 5, Kind: "message", Payload: []byte(`{"update_id":1}`)}, Source: "poll",
			SaveState: true, State: "menu", Data: []byte(`{"n":1}`),
		}
	}
	for _, id := range []int64{200, 201} {
		if id == 201 {
			storeOne(t, s, id, 5) // the poller spilled it before the step committed
		}
		if _, err := s.CommitStep(ctx, unstored(id)); err != nil {
			t.Fatalf("update %d: %v", id, err)
		}
		if stored, processed, _, err := s.UpdateState(ctx, id); err != nil || !stored || !processed {
			t.Fatalf("update %d: stored %v processed %v, %v", id, stored, processed, err)
		}
		if _, err := s.CommitStep(ctx, unstored(id)); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("update %d committed twice: %v", id, err)
		}
		if n, err := s.StoreUpdates(ctx, "poll", []store.InboxUpdate{{UpdateID: id, UserID: 5, Kind: "message", Payload: []byte(`{}`)}}); err != nil || n != 0 {
			t.Fatalf("storing processed update %d again: %d, %v", id, n, err)
		}
	}
}
