package shop

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kiebot/kiebot/actors"
	"github.com/kiebot/kiebot/actors/internal/retry"
	"github.com/kiebot/kiebot/actors/telegram"

	"github.com/jackc/pgx/v5"
	"golang.org/x/time/rate"

	"github.com/kiebot/kiebot/fsm"
	"github.com/kiebot/kiebot/kie"
	"github.com/kiebot/kiebot/pricing"
	"github.com/kiebot/kiebot/store"
)

// JobsConfig configures the jobs actor.
type JobsConfig struct {
	Store    *store.Store
	Kie      *kie.Client
	Telegram *telegram.Client
	Registry *pricing.Registry
	// Catalogue, when set, gives the registry on sale now (with the
	// operators' confirmations): a model an operator put on sale is
	// submitted with the registry that priced it.
	Catalogue *Catalogue
	Logger    *slog.Logger
	// CallbackBaseURL is the public base URL Kie calls back
	// (CallbackPath is appended); empty: no callbacks, polling only.
	CallbackBaseURL string
	// CallbackKey signs job ids in callback URLs, so a forged callback
	// cannot name a job.
	CallbackKey []byte
	// ConnConfig lets the actor LISTEN for callback hints stored by any
	// instance; nil: rely on polling.
	ConnConfig *pgx.ConnConfig
	// Wake carries ids of jobs created in this process.
	Wake <-chan int64
	// PollMin and PollMax bound the polling backoff; defaults 2 s and 30 s.
	PollMin, PollMax time.Duration
	// PollRate caps recordInfo calls across all jobs; default 8 per second
	// (Kie allows 10).
	PollRate rate.Limit
	// ProgressEvery spaces edits of a job's progress message; default 15 s.
	ProgressEvery time.Duration
	// MaxFollowers bounds the jobs followed at once, one goroutine each:
	// the oldest unfinished jobs first, the rest as followers end. Default
	// 64.
	MaxFollowers int
	// SweepEvery is how often unfinished jobs are reloaded (a wake-up
	// lost, a follower that gave up, a job waiting for a follower);
	// default 5 s.
	SweepEvery time.Duration
	// MaxUploads bounds the results streamed from Kie into uploads to
	// Telegram at once; default 4.
	MaxUploads int
	// Fetch bounds fetching result files from Kie's hosts.
	Fetch FetchLimits
	// Now is the clock deadlines and progress are measured by; default
	// time.Now.
	Now func() time.Time
	// Reconcile, when set, is given every job as it finishes, with what Kie
	// billed for it (Reconciler.Check).
	Reconcile func(context.Context, store.Job)
}

// Jobs is the leader's jobs actor: it owns generation jobs after
// confirmation — submits them to Kie, follows them by polling and
// callbacks, settles their money (capture on success, release otherwise,
// exactly once) and delivers the result. Run reloads every unfinished job
// at the start of each term and returns after all its goroutines have.
type Jobs struct {
	cfg     JobsConfig
	log     *slog.Logger
	limiter *rate.Limiter
	fetch   FetchLimits
	results *http.Client  // Kie's result hosts
	uploads chan struct{} // a slot per upload in flight
}

// NewJobs validates cfg; bad wiring panics.
func NewJobs(cfg JobsConfig) *Jobs {
	if cfg.Store == nil || cfg.Kie == nil || cfg.Telegram == nil || cfg.Registry == nil || cfg.Logger == nil {
		panic("shop.NewJobs: Store, Kie, Telegram, Registry and Logger are required")
	}
	if cfg.PollMin <= 0 {
		cfg.PollMin = 2 * time.Second
	}
	if cfg.PollMax <= 0 {
		cfg.PollMax = 30 * time.Second
	}
	if cfg.PollRate <= 0 {
		cfg.PollRate = 8
	}
	if cfg.ProgressEvery <= 0 {
		cfg.ProgressEvery = 15 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.MaxFollowers = orDefault(cfg.MaxFollowers, 64)
	cfg.MaxUploads = orDefault(cfg.MaxUploads, 4)
	if cfg.SweepEvery <= 0 {
		cfg.SweepEvery = 5 * time.Second
	}
	fetch := cfg.Fetch.withDefaults()
	return &Jobs{
		cfg: cfg, log: cfg.Logger.With("component", "jobs"), limiter: rate.NewLimiter(cfg.PollRate, 4),
		fetch: fetch, results: newResultClient(fetch), uploads: make(chan struct{}, cfg.MaxUploads),
	}
}

// JobsChannel is the NOTIFY channel carrying Kie callback hints
// ("<job id>:<task id>") to the leader.
func JobsChannel(botID int64) string { return "kiebot_jobs_" + strconv.FormatInt(botID, 10) }

type jobHint struct{ taskID string }

// Run follows jobs until ctx ends: at most MaxFollowers at once, the
// oldest first; the others are picked up as followers end.
func (j *Jobs) Run(ctx context.Context, _ actors.Term) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	followers := map[int64]chan jobHint{}
	finished := make(chan int64, j.cfg.MaxFollowers)
	// follow starts a follower for id unless it has one or none is free;
	// it reports whether id is followed.
	follow := func(id int64) bool {
		if _, ok := followers[id]; ok {
			return true
		}
		if len(followers) >= j.cfg.MaxFollowers {
			return false
		}
		hints := make(chan jobHint, 1)
		followers[id] = hints
		wg.Add(1)
		go func() {
			defer wg.Done()
			j.follow(ctx, id, hints)
			select {
			case finished <- id:
			case <-ctx.Done():
			}
		}()
		return true
	}
	// reload follows the oldest unfinished jobs; backlog is whether there
	// may be more than there were followers for.
	backlog := false
	reload := func() {
		ids, err := j.cfg.Store.UnfinishedJobIDs(ctx, j.cfg.MaxFollowers)
		if err != nil {
			if ctx.Err() == nil {
				j.log.Error("jobs: cannot reload unfinished jobs; retrying at the next sweep", "err", err)
			}
			return
		}
		backlog = len(ids) == j.cfg.MaxFollowers
		for _, id := range ids {
			if !follow(id) {
				backlog = true
				break
			}
		}
	}

	hints := make(chan string, 64)
	if j.cfg.ConnConfig != nil {
		wg.Add(1)
		l := store.Listener{
			ConnConfig: j.cfg.ConnConfig, Channel: JobsChannel(j.cfg.Store.BotID()),
			Notify: func(ctx context.Context, payload string) {
				select {
				case hints <- payload:
				case <-ctx.Done():
				}
			},
			Interrupted: func(err error) {
				j.log.Warn("jobs: callback notifications interrupted; polling covers it", "err", err)
			},
		}
		go func() { defer wg.Done(); l.Run(ctx) }()
	}
	reload()
	if len(followers) > 0 {
		j.log.Info("jobs: reloaded unfinished jobs", "count", len(followers), "more_waiting", backlog)
	}
	// The safety net: a wake-up lost (channel full), a job left behind by
	// a follower that gave up, or one waiting for a free follower, is
	// picked up within a sweep. A follower ending with jobs waiting
	// brings the next reload forward — coalesced and at most once a
	// second, so a burst of endings costs one query and a job whose
	// follower keeps ending at once cannot spin.
	sweep := time.NewTicker(j.cfg.SweepEvery)
	defer sweep.Stop()
	refillDelay := min(time.Second, j.cfg.SweepEvery)
	refill := time.NewTimer(refillDelay)
	refill.Stop()
	refilling := false
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-sweep.C:
			reload()
		case <-refill.C:
			refilling = false
			reload()
		case id := <-j.cfg.Wake:
			if !follow(id) {
				backlog = true // a sweep picks it up, oldest first
			}
		case id := <-finished:
			delete(followers, id)
			if backlog && !refilling {
				refilling = true
				refill.Reset(refillDelay)
			}
		case payload := <-hints:
			idText, taskID, _ := strings.Cut(payload, ":")
			id, err := strconv.ParseInt(idText, 10, 64)
			if err != nil {
				continue
			}
			// A hint for a job we do not follow may be an early callback
			// for a job whose submission outcome is unknown: follow it if a
			// follower is free (else the callback receiver's adoption and
			// a later sweep cover it).
			if !follow(id) {
				backlog = true
				continue
			}
			select {
			case followers[id] <- jobHint{taskID: taskID}:
			default:
			}
		}
	}
}

// follow drives one job to the end: submit, wait, settle, deliver.
func (j *Jobs) follow(ctx context.Context, id int64, hints <-chan jobHint) {
	log := j.log.With("job_id", id)
	for ctx.Err() == nil {
		job, err := j.cfg.Store.Job(ctx, id)
		if err != nil {
			if ctx.Err() == nil {
				log.Error("jobs: cannot load the job; it resumes at the next term", "err", err)
			}
			return
		}
		switch job.State {
		case store.JobQueued:
			j.submit(ctx, job, log)
		case store.JobSubmitting, store.JobUnknown:
			// We may have created a Kie task and cannot tell: never submit
			// again. Wait for a callback naming the task, else the deadline.
			if !j.awaitUnknown(ctx, job, hints, log) {
				return
			}
		case store.JobRunning:
			if !j.poll(ctx, job, hints, log) {
				return
			}
		default: // finished
			if job.DeliveredAt.IsZero() {
				j.deliver(ctx, job, log)
			}
			return
		}
	}
}

// submit sends the job to Kie once. Only a clear refusal releases the
// hold at once; an ambiguous failure (timeout, reset after sending) marks
// the outcome unknown, because resubmitting could pay for a second task.
func (j *Jobs) submit(ctx context.Context, job store.Job, log *slog.Logger) {
	if !job.Deadline.IsZero() && j.cfg.Now().After(job.Deadline) {
		// Queued past its deadline (no leader for a long while): a task
		// started now would be billed and then given up on unseen.
		log.Warn("jobs: the deadline passed before the job could be sent; releasing the hold", "deadline", job.Deadline)
		j.finish(ctx, job, ending(job, store.JobExpired, fsm.FailTimeout, "deadline passed before submission"), log)
		return
	}
	if err := j.cfg.Store.MarkSubmitting(ctx, job.ID); err != nil {
		log.Error("jobs: cannot mark the job submitting", "err", err)
		return
	}
	input, err := j.input(job)
	if err != nil {
		log.Error("jobs: the job's inputs no longer fit its model; releasing", "err", err)
		j.finish(ctx, job, ending(job, store.JobFailed, fsm.FailFailed, err.Error()), log)
		return
	}
	// Once sent, a createTask is let finish (bounded) even if the term ends
	// meanwhile: cutting it off would only turn a clear answer into an
	// unknown outcome. The poller and dispatcher stop first, so this delays
	// nothing that touches Telegram.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	var created kie.CreatedTask
	if j.suno(job.ModelID) {
		if j.cfg.CallbackBaseURL == "" {
			cancel()
			log.Error("jobs: Suno takes tasks only with a callback URL (set WEBHOOK_BASE_URL); releasing the hold")
			j.finish(ctx, job, ending(job, store.JobFailed, fsm.FailUnavailable, "suno needs a callback url"), log)
			return
		}
		created, err = j.cfg.Kie.GenerateMusic(cctx, kie.GenerateMusicRequest{Model: job.ModelID, CallbackURL: j.callbackURL(job.ID), Input: input})
	} else {
		created, err = j.cfg.Kie.CreateTask(cctx, kie.CreateTaskRequest{Model: job.ModelID, CallbackURL: j.callbackURL(job.ID), Input: input})
	}
	cancel()
	switch {
	case err == nil:
		if !j.recordTask(ctx, job.ID, created.TaskID, log) {
			return
		}
		log.Info("jobs: submitted", "task_id", created.TaskID, "model", job.ModelID)
	case errors.Is(err, kie.ErrMaybeCreated) || ctx.Err() != nil:
		log.Warn("jobs: Kie may have created the task; waiting for its callback or the deadline instead of resubmitting", "err", err)
		switch err := j.cfg.Store.MarkSubmitUnknown(context.WithoutCancel(ctx), job.ID, err.Error()); {
		case errors.Is(err, store.ErrJobState):
			// The callback receiver adopted the task meanwhile.
		case err != nil:
			log.Error("jobs: cannot mark the submission unknown", "err", err)
		}
	default:
		reason := fsm.FailUnavailable
		if errors.Is(err, kie.ErrValidation) || errors.Is(err, kie.ErrPromptRejected) {
			reason = fsm.FailRejected
		}
		log.Error("jobs: Kie refused the task; releasing the hold", "err", err)
		j.finish(ctx, job, ending(job, store.JobFailed, reason, err.Error()), log)
	}
}

// recordTask records the task Kie created for the job (submitting →
// running), retrying until it sticks: a task id forgotten here would leave
// the job to be released at its deadline while Kie bills the task. It
// retries with backoff while the term lasts and for a few seconds after
// (the follower's owner waits for it, well within the shutdown bound),
// and reports whether the job now runs that task.
func (j *Jobs) recordTask(ctx context.Context, id int64, taskID string, log *slog.Logger) bool {
	const grace = 5 * time.Second
	var graceEnd time.Time // once the term has ended
	for attempt := 1; ; attempt++ {
		err := j.markRunning(ctx, id, taskID)
		if err == nil {
			return true
		}
		if ctx.Err() != nil && graceEnd.IsZero() {
			graceEnd = time.Now().Add(grace)
		}
		wait := retry.Backoff(attempt, 100*time.Millisecond, 5*time.Second)
		if !graceEnd.IsZero() {
			wait = min(wait, time.Until(graceEnd))
		}
		if errors.Is(err, store.ErrJobState) || wait <= 0 {
			log.Error("jobs: KIE TASK NOT RECORDED; Kie may bill it while the job is released at its deadline; needs an operator",
				"task_id", taskID, "attempts", attempt, "err", err)
			return false
		}
		log.Warn("jobs: cannot record the Kie task yet; retrying", "task_id", taskID, "attempt", attempt, "err", err)
		if graceEnd.IsZero() {
			retry.Sleep(ctx, wait) // a term ending cuts it short: retry at once, within the grace
		} else {
			retry.Sleep(context.WithoutCancel(ctx), wait)
		}
	}
}

// markRunning is one attempt of recordTask: ErrJobState only when the job
// moved on to something else than running this task (the callback
// receiver adopting it first is fine).
func (j *Jobs) markRunning(ctx context.Context, id int64, taskID string) error {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	err := j.cfg.Store.MarkRunning(rctx, id, taskID)
	if errors.Is(err, store.ErrJobState) {
		if cur, lerr := j.cfg.Store.Job(rctx, id); lerr == nil && cur.State == store.JobRunning && cur.TaskID == taskID {
			return nil
		}
	}
	return err
}

// awaitUnknown waits for a callback that names a task for this job (then
// the job runs on) or the deadline (then it is released: the user is never
// charged for an outcome we cannot see). It reports whether to go on.
func (j *Jobs) awaitUnknown(ctx context.Context, job store.Job, hints <-chan jobHint, log *slog.Logger) bool {
	wait := job.Deadline.Sub(j.cfg.Now())
	if wait <= 0 {
		j.finish(ctx, job, ending(job, store.JobExpired, fsm.FailTimeout, "submission outcome unknown"), log)
		return true
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	// The callback receiver may adopt the task itself (its wake-up can be
	// lost in a failover): look at the job now and then.
	recheck := time.NewTicker(j.cfg.PollMax)
	defer recheck.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-timer.C:
			return true // the next round expires it
		case <-recheck.C:
			if cur, err := j.cfg.Store.Job(ctx, job.ID); err == nil && cur.State != job.State {
				return true
			}
		case h := <-hints:
			if h.taskID == "" {
				continue
			}
			// Only a task whose own record names this job may be adopted.
			task, err := j.readTask(ctx, job.ModelID, h.taskID)
			if err != nil || !taskNamesJob(task.Param, j.cfg.CallbackKey, job.ID) {
				log.Warn("jobs: a callback hint for an unknown submission did not check out", "task_id", h.taskID, "err", err)
				continue
			}
			if err := j.cfg.Store.MarkRunning(ctx, job.ID, h.taskID); err != nil {
				log.Error("jobs: cannot adopt the task", "task_id", h.taskID, "err", err)
				continue
			}
			log.Info("jobs: adopted the task a callback named", "task_id", h.taskID)
			return true
		}
	}
}

// poll follows a running task with backoff (2 s → 30 s) until it ends,
// the deadline passes, or a callback hint says to look now. Every
// decision rests on Kie's own record, never on a callback body.
func (j *Jobs) poll(ctx context.Context, job store.Job, hints <-chan jobHint, log *slog.Logger) bool {
	interval := j.cfg.PollMin
	var lastProgress time.Time
	stage := job.Stage
	notYet := 0
	for {
		// Past the deadline the task is still read once more: a result
		// that is there (it finished while no leader looked, say) is
		// delivered, not thrown away after Kie billed it.
		late := !job.Deadline.IsZero() && j.cfg.Now().After(job.Deadline)
		if err := j.limiter.Wait(ctx); err != nil {
			return false
		}
		task, err := j.readTask(ctx, job.ModelID, job.TaskID)
		switch {
		case ctx.Err() != nil:
			return false
		case errors.Is(err, kie.ErrNotFoundYet):
			notYet++ // normal right after creation
		case err != nil:
			log.Warn("jobs: cannot read the task; retrying", "err", err)
		case task.State == kie.StateSuccess || task.State == kie.StateFail:
			j.finish(ctx, job, taskEnding(job, task), log)
			return true
		case late:
		default:
			next := j.cfg.Now().Add(interval)
			if string(task.State) != stage || j.cfg.Now().Sub(lastProgress) >= j.cfg.ProgressEvery {
				stage = string(task.State)
				lastProgress = j.cfg.Now()
				_ = j.cfg.Store.RecordPoll(ctx, job.ID, next, stage)
				j.progress(ctx, job, stage)
			}
		}
		if late {
			log.Warn("jobs: no result before the deadline; releasing the hold", "deadline", job.Deadline)
			j.finish(ctx, job, ending(job, store.JobExpired, fsm.FailTimeout, "deadline passed"), log)
			return true
		}
		if notYet > 0 && notYet%10 == 0 {
			log.Warn("jobs: Kie still has no record of the task", "task_id", job.TaskID, "queries", notYet)
		}
		timer := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			timer.Stop()
			return false
		case <-hints: // a callback: look now
		case <-timer.C:
		}
		timer.Stop()
		interval = min(interval*3/2, j.cfg.PollMax)
	}
}

// finish ends the job and settles its money in one transaction (capture on
// success, release otherwise; exactly once — a second finish, say by an
// earlier term racing us, changes nothing), then tells the user.
func (j *Jobs) finish(ctx context.Context, job store.Job, p store.FinishParams, log *slog.Logger) {
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	done, err := j.cfg.Store.FinishJob(fctx, p)
	switch {
	case errors.Is(err, store.ErrAlreadySettled):
		return
	case err != nil:
		log.Error("jobs: cannot finish the job; it resumes at the next term", "outcome", p.Outcome, "err", err)
		return
	}
	log.Info("jobs: finished", "outcome", p.Outcome, "price_kopecks", done.PriceKopecks, "free", done.Free)
	if j.cfg.Reconcile != nil {
		j.cfg.Reconcile(ctx, done)
	}
	if ctx.Err() == nil {
		j.deliver(ctx, done, log)
	}
}

func (j *Jobs) input(job store.Job) (map[string]any, error) {
	m, err := j.registry().Model(job.ModelID)
	if err != nil {
		return nil, err
	}
	return m.Input(pricing.Params(job.Params), job.Inputs)
}

// suno reports whether the model's tasks run on Suno's own endpoints
// (generate, generate/record-info) rather than createTask.
func (j *Jobs) suno(modelID string) bool {
	m, ok := j.registry().Lookup(modelID)
	return ok && m.Family() == pricing.FamilySuno
}

// readTask reads a task from the endpoint family its model uses.
func (j *Jobs) readTask(ctx context.Context, modelID, taskID string) (*kie.Task, error) {
	if j.suno(modelID) {
		return j.cfg.Kie.MusicRecordInfo(ctx, taskID)
	}
	return j.cfg.Kie.RecordInfo(ctx, taskID)
}

// registry is the registry on sale now (see JobsConfig.Catalogue).
func (j *Jobs) registry() *pricing.Registry {
	if j.cfg.Catalogue != nil {
		if p := j.cfg.Catalogue.Pricer(); p != nil {
			return p.Registry()
		}
	}
	return j.cfg.Registry
}

// callbackURL carries our job id and its signature, so an early callback
// (before createTask even returns) is never orphaned and a forged one
// cannot name our jobs.
func (j *Jobs) callbackURL(id int64) string {
	if j.cfg.CallbackBaseURL == "" {
		return ""
	}
	q := url.Values{"job": {strconv.FormatInt(id, 10)}, "sig": {SignJobID(j.cfg.CallbackKey, id)}}
	return strings.TrimRight(j.cfg.CallbackBaseURL, "/") + CallbackPath + "?" + q.Encode()
}

// ending is how a job that ends without a result is written down: the
// outcome, and why — the code the user's message is chosen from (see
// failReason) and the detail for the operator.
func ending(job store.Job, outcome store.JobState, reason fsm.FailReason, detail string) store.FinishParams {
	return store.FinishParams{JobID: job.ID, Outcome: outcome, FailCode: string(reason), FailMsg: detail}
}

// taskEnding is how a job ends once Kie's own record of its task says it
// finished: succeeded with its files, or failed with Kie's code (marked as
// a rejection when Kie's content policy refused it). A success without a
// file is a failure: there is nothing to deliver. What Kie billed is
// recorded either way.
func taskEnding(job store.Job, task *kie.Task) store.FinishParams {
	var p store.FinishParams
	switch {
	case task.State == kie.StateSuccess && len(task.Result.URLs) > 0:
		p = store.FinishParams{JobID: job.ID, Outcome: store.JobSucceeded, ResultURLs: task.Result.URLs}
	case task.State == kie.StateSuccess:
		p = ending(job, store.JobFailed, fsm.FailFailed, "success without a result")
	default:
		code := task.FailCode
		if task.ContentPolicyFailure() {
			code = string(fsm.FailRejected) + ":" + code
		}
		p = store.FinishParams{JobID: job.ID, Outcome: store.JobFailed, FailCode: code, FailMsg: task.FailMsg}
	}
	p.CreditsConsumedMicro = int64(task.CreditsConsumed)
	return p
}

// SignJobID is the signature of a job id in callback URLs.
func SignJobID(key []byte, id int64) string {
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "kie-callback:%d", id)
	return hex.EncodeToString(m.Sum(nil))[:32]
}
