package shop

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
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
	// Kie, if set, lets the receiver adopt the task of a job whose
	// createTask outcome is unknown, durably, before it wakes the leader:
	// the wake-up is a NOTIFY, lost if no leader listens at that moment
	// (a failover), and nothing else would ever name the task.
	Kie    *kie.Client
	Logger *slog.Logger
	Now    func() time.Time
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
	if h.Kie != nil && hint.TaskID != "" {
		h.adopt(r.Context(), id, hint.TaskID)
	}
	if err := store.Notify(r.Context(), h.Store.Pool(), JobsChannel(h.Store.BotID()), strconv.FormatInt(id, 10)+":"+hint.TaskID); err != nil {
		// The leader polls anyway; Kie need not retry.
		h.Logger.Warn("kie callback: cannot wake the leader; polling will find the result", "job_id", id, "err", err)
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"code":200,"msg":"success"}`))
}

// adopt records taskID as job id's task when the job's submission outcome
// is unknown and Kie's own record of the task (re-read, never the
// callback's body) names the job in its signed callback URL. Failing that
// it does nothing: the leader, woken, tries the same, and the deadline
// releases the job if no one can.
func (h *KieCallbackReceiver) adopt(ctx context.Context, jobID int64, taskID string) {
	job, err := h.Store.Job(ctx, jobID)
	if err != nil || (job.State != store.JobUnknown && job.State != store.JobSubmitting) {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second) // Kie wants its answer within 15 s
	defer cancel()
	task, err := h.Kie.RecordInfo(ctx, taskID)
	if err != nil || !taskNamesJob(task.Param, h.CallbackKey, jobID) {
		h.Logger.Warn("kie callback: the task does not check out for its job; not adopted", "job_id", jobID, "task_id", taskID, "err", err)
		return
	}
	switch err := h.Store.MarkRunning(ctx, jobID, taskID); {
	case err == nil:
		h.Logger.Info("kie callback: adopted the task of a job whose submission was unknown", "job_id", jobID, "task_id", taskID)
	case !errors.Is(err, store.ErrJobState):
		h.Logger.Warn("kie callback: cannot adopt the task; the leader will try", "job_id", jobID, "task_id", taskID, "err", err)
	}
}

// taskNamesJob reports whether a task's echoed createTask body carries a
// callback URL for job id signed with key: only then is it that job's task.
func taskNamesJob(param string, key []byte, id int64) bool {
	var req struct {
		CallbackURL string `json:"callBackUrl"`
	}
	if json.Unmarshal([]byte(param), &req) != nil {
		return false
	}
	u, err := url.Parse(req.CallbackURL)
	if err != nil {
		return false
	}
	q := u.Query()
	return q.Get("job") == strconv.FormatInt(id, 10) && subtle.ConstantTimeCompare([]byte(q.Get("sig")), []byte(SignJobID(key, id))) == 1
}
