package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// PriceConfirmation is an operator's confirmation of a price (or a
// narrowing disable) as stored: package pricing's Confirmation with the
// admin's Telegram id. Rows are append-only; a newer price for the same
// model and option supersedes an older one when the registry is built.
type PriceConfirmation struct {
	ID           int64
	Kind         string            // "price" or "disable"
	ModelID      string            // Kie's model id
	OptionKey    string            // canonical text of Option ("resolution=720p"; "" for the whole model)
	Option       map[string]string // the price-input values covered
	Unit         string            // pricing.Unit ("task", "input-second", …); "" for a disable
	Field        string            // the input a per-unit price is measured on
	CreditsMicro int64             // Kie credits per unit, in micro-credits (0 for a disable)
	Source       string            // URL of Kie's pricing page, or a note; never empty
	ConfirmedAt  time.Time         // the date the operator read the price
	AdminID      int64             // who confirmed it
	CreatedAt    time.Time
}

// ErrNoSource refuses a confirmation without a source.
var ErrNoSource = errors.New("a price confirmation needs a source (the URL of Kie's pricing page, or a note)")

// AddPriceConfirmation appends c and announces it on ModelsChannel (every
// instance's catalogue rebuilds its registry), delivered when the
// transaction commits. Call it in the transaction that audits it. The
// caller checks c against the registry first (pricing
// .Registry.CheckConfirmation); the database refuses only what no registry
// could accept: no source, no admin, a price without credits or unit.
func (q *queries) AddPriceConfirmation(ctx context.Context, c PriceConfirmation) (PriceConfirmation, error) {
	switch {
	case strings.TrimSpace(c.Source) == "":
		return PriceConfirmation{}, fmt.Errorf("add price confirmation for %s: %w", c.ModelID, ErrNoSource)
	case c.AdminID == 0 || c.ModelID == "":
		return PriceConfirmation{}, errors.New("add price confirmation: model and admin are required")
	case c.ConfirmedAt.IsZero():
		return PriceConfirmation{}, fmt.Errorf("add price confirmation for %s: no date", c.ModelID)
	}
	opt := c.Option
	if opt == nil {
		opt = map[string]string{}
	}
	raw, err := json.Marshal(opt)
	if err != nil {
		return PriceConfirmation{}, fmt.Errorf("add price confirmation for %s: encode option: %w", c.ModelID, err)
	}
	rows, err := q.db.Query(ctx, `
		INSERT INTO price_confirmations (bot_id, kind, model_id, option_key, option, unit, field, credits_micro, source, confirmed_at, admin_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		RETURNING `+priceConfirmationColumns,
		q.botID, c.Kind, c.ModelID, c.OptionKey, raw, c.Unit, c.Field, c.CreditsMicro,
		boundedText(strings.TrimSpace(c.Source), maxAdminText), c.ConfirmedAt, c.AdminID)
	var out PriceConfirmation
	if err == nil {
		out, err = pgx.CollectExactlyOneRow(rows, scanPriceConfirmation)
	}
	if err != nil {
		return PriceConfirmation{}, fmt.Errorf("add %s confirmation for %s: %w", c.Kind, c.ModelID, interpret(err))
	}
	if _, err := q.db.Exec(ctx, `SELECT pg_notify($1, $2)`, ModelsChannel, strconv.FormatInt(q.botID, 10)); err != nil {
		return PriceConfirmation{}, fmt.Errorf("announce price confirmation for %s: %w", c.ModelID, interpret(err))
	}
	return out, nil
}

// PriceConfirmations lists every confirmation, oldest first.
func (q *queries) PriceConfirmations(ctx context.Context) ([]PriceConfirmation, error) {
	rows, err := q.db.Query(ctx, `SELECT `+priceConfirmationColumns+` FROM price_confirmations WHERE bot_id = $1 ORDER BY id`, q.botID)
	if err != nil {
		return nil, fmt.Errorf("list price confirmations: %w", interpret(err))
	}
	cs, err := pgx.CollectRows(rows, scanPriceConfirmation)
	if err != nil {
		return nil, fmt.Errorf("list price confirmations: %w", interpret(err))
	}
	return cs, nil
}

const priceConfirmationColumns = `id, kind, model_id, option_key, option, unit, field, credits_micro, source, confirmed_at, admin_id, created_at`

func scanPriceConfirmation(row pgx.CollectableRow) (PriceConfirmation, error) {
	var c PriceConfirmation
	var raw []byte
	if err := row.Scan(&c.ID, &c.Kind, &c.ModelID, &c.OptionKey, &raw, &c.Unit, &c.Field, &c.CreditsMicro, &c.Source, &c.ConfirmedAt, &c.AdminID, &c.CreatedAt); err != nil {
		return c, err
	}
	if err := json.Unmarshal(raw, &c.Option); err != nil {
		return c, fmt.Errorf("decode option of confirmation %d: %w", c.ID, err)
	}
	if len(c.Option) == 0 {
		c.Option = nil
	}
	return c, nil
}
