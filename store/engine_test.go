package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/kiebot/kiebot/store"
	"github.com/kiebot/kiebot/store/storetest"
)

// Issue 9 #5: a panic inside InTx must not leak the connection in an open
// transaction (every new leader used to crash on one and lose a
// connection each time).
func TestInTxRollsBackAndReturnsTheConnectionOnAPanic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.NewStore(t, 9)
	storeOne(t, s, 100, 5)
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the panic was swallowed")
			}
		}()
		_ = s.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.MarkProcessed(ctx, 100); err != nil {
				t.Fatal(err)
			}
			panic("a bug")
		})
	}()
	if n := s.Pool().Stat().AcquiredConns(); n != 0 {
		t.Fatalf("%d connections still acquired after the panic", n)
	}
	if _, processed, _, _ := s.UpdateState(ctx, 100); processed {
		t.Fatal("the panicking transaction committed")
	}
}

// Issue 9 #4: a conversation write is conditional on the version its
// step read; a stale one writes nothing (not even the processed mark).
func TestCommitStepRefusesAStaleConversationVersion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.NewStore(t, 9)
	touch := &store.SeenUser{ID: 5, ChatID: 5, FirstName: "F"}
	step := func(id int64, version int64, state string) error {
		storeOne(t, s, id, 5)
		_, err := s.CommitStep(ctx, store.StepWrites{UpdateID: id, UserID: 5, Touch: touch, SaveState: true, State: state,
			CheckVersion: true, Version: version, Ops: [][]byte{[]byte(`{"kind":"send"}`)}})
		return err
	}
	if err := step(100, store.NoConversation, "a"); err != nil {
		t.Fatal(err)
	}
	if err := step(101, store.NoConversation, "b"); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a second first save = %v, want ErrConflict", err)
	}
	if err := step(102, 0, "c"); err != nil {
		t.Fatalf("save at the version read: %v", err)
	}
	if err := step(103, 0, "d"); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("save at a stale version = %v, want ErrConflict", err)
	}
	c, err := s.Conversation(ctx, 5)
	if err != nil || c.State != "c" || c.Version != 1 {
		t.Fatalf("conversation %+v, %v; want state c at version 1", c, err)
	}
	for _, id := range []int64{101, 103} {
		if _, processed, _, _ := s.UpdateState(ctx, id); processed {
			t.Fatalf("update %d marked processed by a refused step", id)
		}
	}
	if ops, _ := s.PendingOps(ctx, 5); len(ops) != 2 {
		t.Fatalf("%d ops queued; want only the two committed steps'", len(ops))
	}
	// Someone else saved meanwhile (an operator's reset, say): refused.
	if err := s.SaveConversation(ctx, 5, "reset", nil); err != nil {
		t.Fatal(err)
	}
	if err := step(104, 1, "e"); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("save over another writer's version = %v, want ErrConflict", err)
	}
}
