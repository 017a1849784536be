package store

import (
	"context"
	"fmt"
)

// Savepoint runs fn inside a savepoint of this transaction and releases
// it if fn returns nil. When fn fails, its writes are undone and the
// transaction stays usable: a caller that expects a refusal (a double tap,
// a balance too low) still commits its own writes.
func (tx *Tx) Savepoint(ctx context.Context, fn func(tx *Tx) error) error {
	sp, err := tx.tx.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin savepoint: %w", interpret(err))
	}
	if err := fn(&Tx{queries: queries{db: sp, botID: tx.botID}, tx: sp}); err != nil {
		rollback(ctx, sp)
		return err
	}
	if err := sp.Commit(ctx); err != nil {
		rollback(ctx, sp)
		return fmt.Errorf("release savepoint: %w", interpret(err))
	}
	return nil
}
