package shop

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/kiebot/kiebot/actors/internal/retry"
	"github.com/kiebot/kiebot/actors/telegram"

	"github.com/go-telegram/bot/models"

	"github.com/kiebot/kiebot/fsm"
	"github.com/kiebot/kiebot/store"
)

// Telegram's limits on files a bot sends (reference § 1.6).
const (
	photoByURL  = 5 << 20
	otherByURL  = 20 << 20
	photoUpload = 10 << 20
	otherUpload = 50 << 20
)

// failReason tells the user why a job ended without a result, from what
// was recorded (so a new leader says the same after a failover).
func failReason(job store.Job) fsm.FailReason {
	code := job.FailCode
	switch {
	case job.State == store.JobExpired:
		return fsm.FailTimeout
	case strings.HasPrefix(code, string(fsm.FailRejected)):
		return fsm.FailRejected
	case code == string(fsm.FailUnavailable):
		return fsm.FailUnavailable
	case code == string(fsm.FailTimeout):
		return fsm.FailTimeout
	}
	return fsm.FailFailed
}

// deliver sends a finished job's outcome — the result files, or why it
// failed and that the money is back — then marks it delivered, so a later
// term does not send it again. A call Telegram refuses for good (the user
// blocked the bot) ends the attempt; transient failures are retried a few
// times, then left for the next term.
func (j *Jobs) deliver(ctx context.Context, job store.Job, log *slog.Logger) {
	lang, name := j.audience(ctx, job)
	var err error
	for attempt := 1; attempt <= 5; attempt++ {
		if job.State == store.JobSucceeded {
			err = j.sendResults(ctx, &job, lang, name)
		} else {
			refunded := !job.Free && job.PriceKopecks > 0
			err = j.say(ctx, job, fsm.JobFailed(lang, job.ID, failReason(job), refunded))
		}
		if err == nil || !retryable(err) || ctx.Err() != nil {
			break
		}
		if !retry.Sleep(ctx, retry.Backoff(attempt, time.Second, 20*time.Second)) {
			return
		}
	}
	if errors.Is(err, ErrResultGone) {
		j.resultLost(ctx, job, lang, log)
		err = nil
	}
	if err != nil && retryable(err) {
		log.Error("jobs: cannot deliver the outcome now; the next term resumes it", "results_done", job.ResultsDelivered, "err", err)
		return
	}
	if err != nil {
		log.Warn("jobs: Telegram refused the delivery for good; giving up", "err", err)
	}
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if _, err := j.cfg.Store.MarkDelivered(mctx, job.ID); err != nil {
		log.Error("jobs: delivered but cannot record it; it may be sent again", "err", err)
	}
}

// ErrResultGone means Kie's file host no longer has a result (404/410):
// it cannot be delivered, by URL or otherwise.
var ErrResultGone = errors.New("result no longer available at Kie")

// errResultTooBig means a result is larger than a bot may upload: it goes
// to the user as a link.
var errResultTooBig = errors.New("result too big to upload")

// resultLost gives the user their money back when a result they paid for
// vanished before it could be delivered (a delivery delayed past Kie's
// retention): a one-off adjustment credit, keyed by the job so it happens
// once, and a message saying so.
func (j *Jobs) resultLost(ctx context.Context, job store.Job, lang fsm.Lang, log *slog.Logger) {
	log.Error("jobs: the result vanished at Kie before delivery; crediting the price back", "price_kopecks", job.PriceKopecks)
	if job.PriceKopecks > 0 && !job.Free {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		_, err := j.cfg.Store.Credit(cctx, store.CreditParams{
			UserID: job.UserID, Kind: store.KindAdjustment, Amount: job.PriceKopecks,
			Key: fmt.Sprintf("result-lost:%d", job.ID), Note: fmt.Sprintf("job %d: result expired before delivery", job.ID),
		})
		cancel()
		if err != nil && !errors.Is(err, store.ErrDuplicate) {
			log.Error("jobs: cannot credit a lost result back; needs an operator", "err", err)
		}
	}
	_ = j.say(ctx, job, fsm.Screen{Text: fsm.T(lang, fsm.KeyResultLost)})
}

// audience is the job's user's language (Russian if unknown) and the
// model's name in it.
func (j *Jobs) audience(ctx context.Context, job store.Job) (fsm.Lang, string) {
	lang, _, _, _ := language(ctx, j.cfg.Store, job.UserID, "")
	return lang, modelName(j.cfg.Registry, job.ModelID, lang)
}

// say shows s in the job's progress message (edited in place) or, without
// one, as a new message.
func (j *Jobs) say(ctx context.Context, job store.Job, s fsm.Screen) error {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if job.ProgressMessageID > 0 {
		return j.cfg.Telegram.Perform(cctx, editOp(job.ChatID, int(job.ProgressMessageID), s))
	}
	return j.cfg.Telegram.Perform(cctx, screenOp(job.ChatID, s))
}

// progress edits the progress message with the stage and elapsed time and
// shows a chat action.
func (j *Jobs) progress(ctx context.Context, job store.Job, stage string) {
	lang, name := j.audience(ctx, job)
	fstage := "generating"
	if stage == "waiting" || stage == "queuing" {
		fstage = "queued"
	}
	if job.ProgressMessageID > 0 {
		_ = j.say(ctx, job, fsm.JobProgress(lang, fsm.Progress{JobID: job.ID, ModelName: name, Stage: fstage, Elapsed: j.cfg.Now().Sub(job.CreatedAt)}))
	}
	action := "typing"
	switch mediaKind(job.Output) {
	case telegram.MediaPhoto:
		action = "upload_photo"
	case telegram.MediaVideo:
		action = "upload_video"
	case telegram.MediaAudio:
		action = "upload_voice"
	}
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_ = j.cfg.Telegram.Perform(cctx, telegram.Op{Kind: telegram.OpAction, ChatID: job.ChatID, Action: action})
}

// sendResults sends the result files not sent yet, recording each before
// the next, so a retry (here, or in the next term) resumes with the first
// one not delivered instead of sending them all again; then it turns the
// progress message into "done". Caption and buttons (repeat, back to the
// model, menu) go with the first file.
func (j *Jobs) sendResults(ctx context.Context, job *store.Job, lang fsm.Lang, name string) error {
	for i := job.ResultsDelivered; i < len(job.ResultURLs); i++ {
		caption, buttons := "", [][]fsm.Button(nil)
		if i == 0 {
			caption = fsm.ResultCaption(lang, job.ID, name)
			buttons = fsm.ResultButtons(lang, job.ID, job.ModelID)
		}
		if err := j.sendOne(ctx, *job, lang, job.ResultURLs[i], caption, buttons); err != nil {
			return err
		}
		if err := j.recordResult(ctx, job.ID, i, false); err != nil {
			return err
		}
		job.ResultsDelivered = i + 1
	}
	if job.ProgressMessageID > 0 {
		_ = j.say(ctx, *job, fsm.JobSucceeded(lang, job.ID, name))
	}
	return nil
}

// recordResult persists that result index was dealt with, retrying a few
// times: moving on unrecorded would send it again after a failure.
func (j *Jobs) recordResult(ctx context.Context, jobID int64, index int, lost bool) error {
	var err error
	for attempt := 1; attempt <= 3; attempt++ {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		err = j.cfg.Store.MarkResultDone(rctx, jobID, index, lost)
		cancel()
		if err == nil || errors.Is(err, store.ErrJobState) {
			break
		}
		if !retry.Sleep(ctx, retry.Backoff(attempt, 200*time.Millisecond, 2*time.Second)) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("record result %d of job %d: %w", index, jobID, err)
	}
	return nil
}

// sendOne delivers one result file the cheapest way Telegram allows: by URL
// when small enough (5 MB photos, 20 MB others), else downloaded and
// uploaded (10 MB photos, 50 MB others; a big photo goes as a document),
// else as a link with its expiry.
func (j *Jobs) sendOne(ctx context.Context, job store.Job, lang fsm.Lang, u, caption string, btns [][]fsm.Button) error {
	kind := mediaKind(job.Output)
	size := j.headSize(ctx, u)
	byURL := int64(otherByURL)
	if kind == telegram.MediaPhoto {
		byURL = photoByURL
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	if size >= 0 && size <= byURL || size < 0 {
		_, err := j.cfg.Telegram.SendMedia(cctx, job.ChatID, kind, &models.InputFileString{Data: u}, caption, buttons(btns))
		if err == nil || retryable(err) {
			return err
		}
		if size >= 0 && !strings.Contains(err.Error(), "HTTP URL") && !strings.Contains(err.Error(), "file") {
			return err // refused for another reason (blocked bot, bad caption)
		}
	}
	if size < 0 || size <= otherUpload {
		data, err := j.download(cctx, u, otherUpload)
		if err == nil {
			upKind := kind
			if kind == telegram.MediaPhoto && len(data) > photoUpload {
				upKind = telegram.MediaDocument
			}
			name := path.Base(u)
			if i := strings.IndexByte(name, '?'); i >= 0 {
				name = name[:i]
			}
			_, err = j.cfg.Telegram.SendMedia(cctx, job.ChatID, upKind, &models.InputFileUpload{Filename: name, Data: bytes.NewReader(data)}, caption, buttons(btns))
			return err
		}
		if !errors.Is(err, errResultTooBig) {
			return err
		}
	}
	s := fsm.ResultLink(lang, u, j.cfg.Now().Add(24*time.Hour))
	if len(btns) > 0 {
		s.Buttons = append(s.Buttons, btns...)
	}
	return j.cfg.Telegram.Perform(cctx, screenOp(job.ChatID, s))
}

// headSize asks the result's host for its size; -1 when it does not say.
func (j *Jobs) headSize(ctx context.Context, u string) int64 {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(cctx, http.MethodHead, u, nil)
	if err != nil {
		return -1
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return -1
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return -1
	}
	return resp.ContentLength
}

// download fetches a result, refusing more than limit bytes.
func (j *Jobs) download(ctx context.Context, u string, limit int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("download result: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("download result: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone {
		return nil, fmt.Errorf("download result: HTTP %d: %w", resp.StatusCode, ErrResultGone)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("download result: HTTP %d", resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("download result: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, errResultTooBig
	}
	return data, nil
}
