package actors

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/kiebot/kiebot/actors/telegram"
)

// WebhookPath is where Telegram delivers updates in webhook mode.
const WebhookPath = "/telegram/webhook"

// WebhookReceiver stores updates Telegram POSTs to us. Every instance runs
// one, leader or standby: it verifies the secret header in constant time
// (401 and nothing stored on mismatch), stores the update in the inbox and
// answers 200 only after the commit, or 503 if the database is down so
// Telegram retries. It never processes anything itself.
type WebhookReceiver struct {
	Secret string
	Inbox  *Inbox
	Logger *slog.Logger
}

func (h *WebhookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	got := r.Header.Get("X-Telegram-Bot-Api-Secret-Token")
	if subtle.ConstantTimeCompare([]byte(got), []byte(h.Secret)) != 1 {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "update too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	var head struct {
		UpdateID *int64 `json:"update_id"`
	}
	if err := json.Unmarshal(body, &head); err != nil || head.UpdateID == nil {
		http.Error(w, "not a Telegram update", http.StatusBadRequest)
		return
	}
	if err := h.Inbox.StoreUpdates(r.Context(), []telegram.RawUpdate{{ID: *head.UpdateID, JSON: body}}); err != nil {
		h.Logger.Error("webhook: cannot store an update; Telegram will retry", "update_id", *head.UpdateID, "err", err)
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
}
