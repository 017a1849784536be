package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// CatalogueSync is one run of the catalogue sync.
type CatalogueSync struct {
	ID         int64
	StartedAt  time.Time
	FinishedAt time.Time // zero while running, or when it failed
	Report     string
	Failure    string
	Prices     map[string]string // Kie's prose price per model id, as the run saw it
}

// StartCatalogueSync records that a run begins.
func (q *queries) StartCatalogueSync(ctx context.Context) (CatalogueSync, error) {
	s := CatalogueSync{}
	err := q.db.QueryRow(ctx, `INSERT INTO catalogue_syncs (bot_id) VALUES ($1) RETURNING id, started_at`, q.botID).Scan(&s.ID, &s.StartedAt)
	if err != nil {
		return CatalogueSync{}, fmt.Errorf("start catalogue sync: %w", interpret(err))
	}
	return s, nil
}

// FinishCatalogueSync records a run's outcome: its report and prices, or
// its failure.
func (q *queries) FinishCatalogueSync(ctx context.Context, id int64, report string, prices map[string]string, failure string) error {
	if prices == nil {
		prices = map[string]string{}
	}
	raw, err := json.Marshal(prices)
	if err != nil {
		return fmt.Errorf("finish catalogue sync %d: %w", id, err)
	}
	_, err = q.db.Exec(ctx, `
		UPDATE catalogue_syncs SET finished_at = CASE WHEN $5 = '' THEN now() END, report = $3, prices = $4, failure = $5
		 WHERE bot_id = $1 AND id = $2`, q.botID, id, boundedText(report, maxAdminText), raw, boundedText(failure, maxAdminText))
	if err != nil {
		return fmt.Errorf("finish catalogue sync %d: %w", id, interpret(err))
	}
	return nil
}

// LastCatalogueSync is the newest run (ErrNotFound before the first) and
// the newest successful one (ok false when none succeeded).
func (q *queries) LastCatalogueSync(ctx context.Context) (last, lastOK CatalogueSync, ok bool, err error) {
	rows, err := q.db.Query(ctx, `
		(SELECT id, started_at, finished_at, report, failure, prices FROM catalogue_syncs
		  WHERE bot_id = $1 ORDER BY id DESC LIMIT 1)
		UNION ALL
		(SELECT id, started_at, finished_at, report, failure, prices FROM catalogue_syncs
		  WHERE bot_id = $1 AND finished_at IS NOT NULL ORDER BY id DESC LIMIT 1)`, q.botID)
	if err != nil {
		return last, lastOK, false, fmt.Errorf("last catalogue sync: %w", interpret(err))
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (CatalogueSync, error) {
		var s CatalogueSync
		var raw []byte
		var fin *time.Time
		if err := row.Scan(&s.ID, &s.StartedAt, &fin, &s.Report, &s.Failure, &raw); err != nil {
			return s, err
		}
		if fin != nil {
			s.FinishedAt = *fin
		}
		return s, json.Unmarshal(raw, &s.Prices)
	})
	if err != nil {
		return last, lastOK, false, fmt.Errorf("last catalogue sync: %w", interpret(err))
	}
	if len(list) == 0 {
		return last, lastOK, false, fmt.Errorf("last catalogue sync: %w", ErrNotFound)
	}
	last = list[0]
	if len(list) > 1 {
		return last, list[1], true, nil
	}
	return last, lastOK, false, nil
}

// SwitchOffAsSystem switches modelID off as the system (SystemActor),
// with its audit row, in one transaction; changed is false when it was off
// already. key makes a repeat record once.
func (s *Store) SwitchOffAsSystem(ctx context.Context, modelID, reason, key string) (changed bool, err error) {
	err = s.InTx(ctx, func(tx *Tx) error {
		var e error
		if _, changed, e = tx.SetModelSwitch(ctx, ModelSwitch{ModelID: modelID, Off: true, Reason: reason, AdminID: SystemActor}); e != nil || !changed {
			return e
		}
		_, e = tx.RecordAdminAction(ctx, AdminAction{AdminID: SystemActor, Action: "model_off", Target: modelID,
			Before: "on", After: "off", Reason: reason, Key: "model_off:" + key})
		if errors.Is(e, ErrDuplicate) {
			return nil
		}
		return e
	})
	if err != nil {
		return false, fmt.Errorf("switch %s off as the system: %w", modelID, err)
	}
	return changed, nil
}
