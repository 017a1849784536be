package panel

import (
	"context"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kiebot/kiebot/actors/shop/operator"

	"github.com/kiebot/kiebot/store"
)

// CSV exports of users, ledger entries and jobs for a range of Moscow
// days. Rows go to the client as pgx reads them (store.Export*), through
// a csv.Writer flushed every flushRows rows: nothing is gathered in
// memory, whatever the range. The export route is mounted without the
// server's route timeout (ExportPattern); each export is bounded by
// exportTimeout instead.

// ExportPattern is the route to mount with actors.Route.Stream.
const ExportPattern = "GET " + Prefix + "export/{what}"

const (
	exportTimeout = 10 * time.Minute
	flushRows     = 500
)

func (p *Panel) exportPage(w http.ResponseWriter, r *http.Request, s *session) error {
	now := p.now().In(operator.Moscow())
	return p.render(w, s, "export", map[string]any{
		"From": now.AddDate(0, 0, -29).Format(time.DateOnly), "To": now.Format(time.DateOnly),
	})
}

func (p *Panel) export(w http.ResponseWriter, r *http.Request, s *session) error {
	what := r.PathValue("what")
	switch what {
	case "users.csv", "ledger.csv", "jobs.csv":
	default:
		return errNotFound
	}
	from, to, fromS, toS := dateRange(r)
	if from.IsZero() || to.IsZero() || !from.Before(to) {
		p.plainError(w, r, http.StatusBadRequest, "panel.bad_range")
		return nil
	}
	ctx, cancel := context.WithTimeout(r.Context(), exportTimeout)
	defer cancel()
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Now().Add(exportTimeout))
	name := strings.TrimSuffix(what, ".csv") + "_" + fromS + "_" + toS + ".csv"
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	cw := csv.NewWriter(w)
	n := 0
	write := func(rec []string) error {
		if err := cw.Write(rec); err != nil {
			return err
		}
		n++
		if p.exportHook != nil {
			p.exportHook(n)
		}
		if n%flushRows == 0 {
			cw.Flush()
			if err := cw.Error(); err != nil {
				return err
			}
			// And out of the server's buffer, to the client.
			if err := rc.Flush(); err != nil {
				return err
			}
		}
		return nil
	}
	p.log.Info("panel: export", "admin_id", s.AdminID, "what", what, "from", fromS, "to", toS)
	var err error
	switch what {
	case "users.csv":
		_ = write([]string{"user_id", "first_name", "username", "language", "created_at", "last_seen_at", "balance_kopecks", "held_kopecks", "banned_at"})
		err = p.st.ExportUsers(ctx, from, to, func(u store.UserRow) error {
			return write([]string{id(u.ID), cell(u.FirstName), cell(u.Username), u.Language, ts(u.CreatedAt), ts(u.LastSeenAt),
				id(u.Available), id(u.Held), ts(u.BannedAt)})
		})
	case "ledger.csv":
		_ = write([]string{"entry_id", "user_id", "kind", "amount_kopecks", "held_change_kopecks", "job_id", "topup_id", "admin_id", "note", "created_at"})
		err = p.st.ExportEntries(ctx, from, to, func(e store.Entry) error {
			return write([]string{id(e.ID), id(e.UserID), string(e.Kind), id(e.Amount), id(e.HeldChange), zid(e.JobID), zid(e.TopUpID),
				zid(e.AdminID), cell(e.Note), ts(e.CreatedAt)})
		})
	case "jobs.csv":
		_ = write([]string{"job_id", "user_id", "model_id", "state", "price_kopecks", "free", "cost_micro_credits", "credits_consumed_micro",
			"task_id", "fail_code", "created_at", "finished_at", "delivered_at"})
		err = p.st.ExportJobs(ctx, from, to, func(j store.Job) error {
			return write([]string{id(j.ID), id(j.UserID), cell(j.ModelID), string(j.State), id(j.PriceKopecks), strconv.FormatBool(j.Free),
				id(j.CostMicroCredits), id(j.CreditsConsumedMicro), cell(j.TaskID), cell(j.FailCode), ts(j.CreatedAt), ts(j.FinishedAt), ts(j.DeliveredAt)})
		})
	}
	cw.Flush()
	if err == nil {
		err = cw.Error()
	}
	if err != nil {
		// The status is sent; the client sees a cut file. Say so in the log.
		p.log.Error("panel: export cut short", "what", what, "rows", n, "err", err)
		return nil
	}
	return nil
}

func id(v int64) string { return strconv.FormatInt(v, 10) }

func zid(v int64) string {
	if v == 0 {
		return ""
	}
	return id(v)
}

func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// cell defuses text a spreadsheet would run as a formula.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
