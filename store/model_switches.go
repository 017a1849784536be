package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// ModelsChannel is the NOTIFY channel a model switch is announced on, with
// the bot id as payload: every instance's live copy reloads on it.
const ModelsChannel = "kiebot_models"

// ModelSwitch is an admin's runtime decision about one registry model.
type ModelSwitch struct {
	ModelID   string
	Off       bool
	Reason    string
	AdminID   int64
	ChangedAt time.Time
}

// ModelSwitches lists every model an admin ever switched, by id.
func (q *queries) ModelSwitches(ctx context.Context) ([]ModelSwitch, error) {
	rows, err := q.db.Query(ctx, `SELECT `+modelSwitchColumns+` FROM model_switches WHERE bot_id = $1 ORDER BY model_id`, q.botID)
	if err != nil {
		return nil, fmt.Errorf("list model switches: %w", interpret(err))
	}
	ms, err := pgx.CollectRows(rows, scanModelSwitch)
	if err != nil {
		return nil, fmt.Errorf("list model switches: %w", interpret(err))
	}
	return ms, nil
}

// ModelSwitchedOff reports whether an admin has switched modelID off. In a
// transaction it reads the committed switch, whatever a live copy says.
func (q *queries) ModelSwitchedOff(ctx context.Context, modelID string) (bool, error) {
	var off bool
	err := q.db.QueryRow(ctx, `SELECT off FROM model_switches WHERE bot_id = $1 AND model_id = $2`, q.botID, modelID).Scan(&off)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read switch of model %s: %w", modelID, interpret(err))
	}
	return off, nil
}

// SetModelSwitch switches modelID off (or back on) and announces it on
// ModelsChannel, delivered when the transaction commits. It returns the
// switch as it was (Off false and a zero ChangedAt when never switched)
// and changed false, writing nothing, when the model already is so.
func (q *queries) SetModelSwitch(ctx context.Context, s ModelSwitch) (before ModelSwitch, changed bool, err error) {
	if s.ModelID == "" || s.AdminID == 0 {
		return ModelSwitch{}, false, errors.New("set model switch: model and admin are required")
	}
	err = q.atomic(ctx, func(q *queries) error {
		rows, err := q.db.Query(ctx, `SELECT `+modelSwitchColumns+` FROM model_switches WHERE bot_id = $1 AND model_id = $2 FOR UPDATE`,
			q.botID, s.ModelID)
		if err == nil {
			before, err = pgx.CollectExactlyOneRow(rows, scanModelSwitch)
		}
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			before = ModelSwitch{ModelID: s.ModelID}
		case err != nil:
			return interpret(err)
		}
		if before.Off == s.Off {
			return nil
		}
		if _, err := q.db.Exec(ctx, `
			INSERT INTO model_switches (bot_id, model_id, off, reason, admin_id) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (bot_id, model_id) DO UPDATE
			   SET off = EXCLUDED.off, reason = EXCLUDED.reason, admin_id = EXCLUDED.admin_id, changed_at = now()`,
			q.botID, s.ModelID, s.Off, boundedText(s.Reason, maxAdminText), s.AdminID); err != nil {
			return interpret(err)
		}
		if _, err := q.db.Exec(ctx, `SELECT pg_notify($1, $2)`, ModelsChannel, strconv.FormatInt(q.botID, 10)); err != nil {
			return interpret(err)
		}
		changed = true
		return nil
	})
	if err != nil {
		return ModelSwitch{}, false, fmt.Errorf("switch model %s (off=%t): %w", s.ModelID, s.Off, err)
	}
	return before, changed, nil
}

const modelSwitchColumns = `model_id, off, reason, admin_id, changed_at`

func scanModelSwitch(row pgx.CollectableRow) (ModelSwitch, error) {
	var s ModelSwitch
	err := row.Scan(&s.ModelID, &s.Off, &s.Reason, &s.AdminID, &s.ChangedAt)
	return s, err
}
