package actors

import (
	"crypto/subtle"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/kiebot/kiebot/kie"
	"github.com/kiebot/kiebot/store"
)

// CallbackPath is where Kie posts task completions.
const CallbackPath = "/kie/callback"

// KieCallbackReceiver takes Kie's completion callbacks on any instance. A
// callback is only a hint: it checks our signature on the job id (and
// Kie's HMAC when a key is configured), then NOTIFYs the leader, whose jobs
// actor re-reads the task from Kie before acting on it. It answers 200
// quickly, as Kie expects within 15 s; duplicates and late callbacks are
// harmless.
type KieCallbackReceiver struct {
	Store       *store.Store
	CallbackKey []byte // signs job ids in our callback URLs
	HMACKey     []byte // Kie's webhook HMAC key; nil: unsigned callbacks accepted (still re-read)
	Logger      *slog.Logger
	Now         func() time.Time
}

func (h *KieCallbackReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	jobText := r.URL.Query().Get("job")
	id, err := strconv.ParseInt(jobText, 10, 64)
	if err != nil || id <= 0 || subtle.ConstantTimeCompare([]byte(r.URL.Query().Get("sig")), []byte(SignJobID(h.CallbackKey, id))) != 1 {
		http.Error(w, "unknown job", http.StatusUnauthorized)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	hint, err := kie.VerifyCallback(h.HMACKey, r.Header, body, now(), 5*time.Minute)
	if err != nil {
		h.Logger.Warn("kie callback: rejected", "job_id", id, "err", err)
		http.Error(w, "bad callback", http.StatusUnauthorized)
		return
	}
	if err := store.Notify(r.Context(), h.Store.Pool(), JobsChannel(h.Store.BotID()), strconv.FormatInt(id, 10)+":"+hint.TaskID); err != nil {
		// The leader polls anyway; Kie need not retry.
		h.Logger.Warn("kie callback: cannot wake the leader; polling will find the result", "job_id", id, "err", err)
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"code":200,"msg":"success"}`))
}
