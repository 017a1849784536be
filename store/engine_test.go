package store_test

import (
	"context"
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
