package panel

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/kiebot/kiebot/actors/shop"

	"github.com/kiebot/kiebot/store"
)

// Broadcasts: the same API as the console's (shop.Broadcasts), each call
// audited in its own transaction. Create sends the preview to the admin's
// own Telegram chat at once — Telegram is the judge of a broadcast's HTML
// — and only a previewed broadcast can start.

type broadcastRow struct {
	store.Broadcast
	Progress shop.BroadcastProgress
}

func (p *Panel) broadcastsAPI() (*shop.Broadcasts, error) {
	if p.cfg.Broadcasts == nil {
		return nil, errNotFound
	}
	return p.cfg.Broadcasts, nil
}

func (p *Panel) broadcasts(w http.ResponseWriter, r *http.Request, s *session) error {
	b, err := p.broadcastsAPI()
	if err != nil {
		return err
	}
	ctx, cancel := reqCtx(r)
	defer cancel()
	list, err := b.List(ctx, 20)
	if err != nil {
		return err
	}
	rows := make([]broadcastRow, len(list))
	for i, bc := range list {
		pr, err := b.Progress(ctx, bc.ID)
		if err != nil {
			return err
		}
		rows[i] = broadcastRow{Broadcast: bc, Progress: pr}
	}
	return p.render(w, s, "broadcasts", map[string]any{"Broadcasts": rows, "Flash": r.URL.Query().Get("flash")})
}

func (p *Panel) broadcast(w http.ResponseWriter, r *http.Request, s *session) error {
	b, err := p.broadcastsAPI()
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ctx, cancel := reqCtx(r)
	defer cancel()
	bc, err := b.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	pr, err := b.Progress(ctx, id)
	if err != nil {
		return err
	}
	data := map[string]any{"B": bc, "Progress": pr, "Flash": r.URL.Query().Get("flash")}
	if bc.State == store.BroadcastReady || bc.State == store.BroadcastDraft {
		n, err := b.CountRecipients(ctx, bc.Audience)
		if err != nil {
			return err
		}
		data["Reach"] = n
	}
	// A broadcast under way refreshes itself (no JavaScript needed).
	data["Refresh"] = bc.State == store.BroadcastSending
	return p.render(w, s, "broadcast", data)
}

func (p *Panel) createBroadcast(w http.ResponseWriter, r *http.Request, s *session) error {
	b, err := p.broadcastsAPI()
	if err != nil {
		return err
	}
	ctx, cancel := reqCtx(r)
	defer cancel()
	f := r.PostForm
	d := shop.Draft{Text: strings.TrimSpace(f.Get("text")), Photo: strings.TrimSpace(f.Get("photo")), CreatedBy: s.AdminID,
		Audience: store.Audience{PayingOnly: f.Get("paying") == "1", Language: f.Get("language")}}
	d.Audience.ActiveDays, _ = strconv.Atoi(f.Get("active_days"))
	if bt, bu := strings.TrimSpace(f.Get("button_text")), strings.TrimSpace(f.Get("button_url")); bt != "" || bu != "" {
		d.Button = &shop.LinkButton{Text: bt, URL: bu}
	}
	bc, err := b.Create(ctx, d)
	if flash, ferr := outcome(err); ferr != nil {
		return ferr
	} else if err != nil {
		p.log.Info("panel: broadcast refused", "admin_id", s.AdminID, "err", err)
		redirect(w, r, "broadcasts", flash)
		return nil
	}
	_, err = b.Preview(ctx, bc.ID, s.AdminID)
	flash, ferr := outcome(err)
	if ferr != nil {
		return ferr
	}
	if err == nil {
		flash = "panel.f_previewed"
	}
	redirect(w, r, "broadcasts/"+strconv.FormatInt(bc.ID, 10), flash)
	return nil
}

func (p *Panel) moveBroadcast(w http.ResponseWriter, r *http.Request, s *session) error {
	b, err := p.broadcastsAPI()
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ctx, cancel := reqCtx(r)
	defer cancel()
	switch r.PathValue("verb") {
	case "preview":
		_, err = b.Preview(ctx, id, s.AdminID)
	case "start":
		_, err = b.Start(ctx, id, s.AdminID, store.ProgressRef{})
	case "pause":
		_, err = b.Pause(ctx, id, s.AdminID)
	case "resume":
		_, err = b.Resume(ctx, id, s.AdminID)
	case "cancel":
		_, err = b.Cancel(ctx, id, s.AdminID)
	default:
		return errNotFound
	}
	flash, ferr := outcome(err)
	if ferr != nil {
		return ferr
	}
	if err != nil {
		p.log.Info("panel: broadcast change refused", "admin_id", s.AdminID, "broadcast_id", id, "verb", r.PathValue("verb"), "err", err)
	}
	redirect(w, r, "broadcasts/"+strconv.FormatInt(id, 10), flash)
	return nil
}
