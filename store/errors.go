package store

import (
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

var (
	// ErrNotFound: the row does not exist (for this bot).
	ErrNotFound = errors.New("not found")
	// ErrDuplicate: a unique key already exists; for idempotency keys this
	// means "already done".
	ErrDuplicate = errors.New("duplicate")
	// ErrInsufficientFunds: a balance change would make a balance negative.
	ErrInsufficientFunds = errors.New("insufficient funds")
	// ErrConflict: the row changed since the caller read it (a
	// conversation saved by someone else); read it again and recompute.
	ErrConflict = errors.New("changed since read")
)

// interpret maps driver errors to the store's sentinels, keeping the cause.
func interpret(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "23505":
			return errors.Join(ErrDuplicate, err)
		case pgErr.Code == "23514" && pgErr.ConstraintName == "balance_not_negative":
			return errors.Join(ErrInsufficientFunds, err)
		}
	}
	return err
}
