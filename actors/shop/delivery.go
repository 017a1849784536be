package shop

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kiebot/kiebot/actors/internal/retry"
	"github.com/kiebot/kiebot/actors/telegram"

	"github.com/go-telegram/bot"
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

// FetchLimits bound fetching result files from Kie's hosts (HEAD for the
// size, GET to stream an upload). Zero fields take the defaults.
type FetchLimits struct {
	ConnectTimeout time.Duration // dial and TLS handshake; default 10 s
	HeaderTimeout  time.Duration // from request sent to response headers; default 30 s
	Timeout        time.Duration // a whole request, body included; default 2 min
	MaxRedirects   int           // default 3
	// MaxBytes caps a result's body below Telegram's own upload limits
	// (10 MB photos, 50 MB others), which always apply; default 50 MB.
	MaxBytes int64
}

func (l FetchLimits) withDefaults() FetchLimits {
	l.ConnectTimeout = cmpOr(l.ConnectTimeout, 10*time.Second)
	l.HeaderTimeout = cmpOr(l.HeaderTimeout, 30*time.Second)
	l.Timeout = cmpOr(l.Timeout, 2*time.Minute)
	l.MaxRedirects = cmpOr(l.MaxRedirects, 3)
	l.MaxBytes = min(cmpOr(l.MaxBytes, otherUpload), otherUpload)
	return l
}

func cmpOr[T int | int64 | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// errTooManyRedirects and errBadScheme end a result fetch that wanders.
var (
	errTooManyRedirects = errors.New("too many redirects")
	errBadScheme        = errors.New("result URL is not http or https")
)

// newResultClient is the HTTP client for Kie's result hosts: its own
// connection pool, bounded dial, handshake, header and overall times, a
// few redirects, http and https only. (http.DefaultClient follows ten
// redirects anywhere and waits forever.)
func newResultClient(l FetchLimits) *http.Client {
	dialer := &net.Dialer{Timeout: l.ConnectTimeout, KeepAlive: 30 * time.Second}
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           dialer.DialContext,
			TLSHandshakeTimeout:   l.ConnectTimeout,
			ResponseHeaderTimeout: l.HeaderTimeout,
			MaxIdleConnsPerHost:   8,
			IdleConnTimeout:       90 * time.Second,
			ForceAttemptHTTP2:     true,
		},
		Timeout: l.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > l.MaxRedirects {
				return fmt.Errorf("after %d redirects: %w", len(via)-1, errTooManyRedirects)
			}
			return checkScheme(req.URL)
		},
	}
}

func checkScheme(u *url.URL) error {
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%q: %w", u.Scheme, errBadScheme)
	}
	return nil
}

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
// term does not send it again. Results are recorded one by one as they
// are dealt with, so a retry (a transient failure here, or the next term)
// resumes with the first one not yet sent. A user who blocked the bot
// ends the attempt; transient failures are retried a few times, then left
// for the next term.
func (j *Jobs) deliver(ctx context.Context, job store.Job, log *slog.Logger) {
	lang, name := j.audience(ctx, job)
	var err error
	for attempt := 1; attempt <= 5; attempt++ {
		if job.State == store.JobSucceeded {
			err = j.sendResults(ctx, &job, lang, name, log)
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
	switch {
	case err != nil && retryable(err):
		log.Error("jobs: cannot deliver the outcome now; the next term resumes it", "results_done", job.ResultsDelivered, "err", err)
		return
	case errors.Is(err, errUnreachable):
		log.Warn("jobs: the user cannot be reached (the bot is blocked); giving up", "err", err)
	case err != nil:
		log.Warn("jobs: Telegram refused the outcome notice for good; giving up", "err", err)
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

// errResultTooBig means a result is larger than a form of sending it
// allows: the next form is tried.
var errResultTooBig = errors.New("result too big")

// errUnreachable means Telegram refuses to let the bot write to the user
// (they blocked it): no form of a result gets through.
var errUnreachable = errors.New("user unreachable")

// errUndeliverable means Telegram refused a result in every form.
var errUndeliverable = errors.New("result refused in every form")

// audience is the job's user's language (Russian if unknown) and the
// model's name in it.
func (j *Jobs) audience(ctx context.Context, job store.Job) (fsm.Lang, string) {
	lang, _, _, _ := language(ctx, j.cfg.Store, job.UserID, "")
	return lang, modelName(j.registry(), job.ModelID, lang)
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
// the next, then turns the progress message into "done". Caption and
// buttons (repeat, back to the model, menu) go with the first file. A
// result that cannot be delivered — gone at Kie, or refused by Telegram in
// every form — is given up on: the price comes back (once per job) and
// the user is told. It returns a transient error (retry: it resumes) or
// errUnreachable.
func (j *Jobs) sendResults(ctx context.Context, job *store.Job, lang fsm.Lang, name string, log *slog.Logger) error {
	for i := job.ResultsDelivered; i < len(job.ResultURLs); i++ {
		caption, buttons := "", [][]fsm.Button(nil)
		if i == 0 {
			caption = fsm.ResultCaption(lang, job.ID, name)
			buttons = fsm.ResultButtons(lang, job.ID, job.ModelID)
		}
		err := j.sendOne(ctx, *job, lang, job.ResultURLs[i], caption, buttons, audioMeta(*job, name, i), log)
		lost := errors.Is(err, ErrResultGone) || errors.Is(err, errUndeliverable)
		switch {
		case lost:
			if err := j.giveUp(ctx, *job, lang, err, log); err != nil {
				return err
			}
		case err != nil:
			return err
		}
		if err := j.recordResult(ctx, job.ID, i, lost); err != nil {
			return err
		}
		job.ResultsDelivered = i + 1
		if lost {
			job.ResultsLost++
		}
	}
	switch n := len(job.ResultURLs); {
	case job.ResultsLost < n:
		if job.ProgressMessageID > 0 {
			_ = j.say(ctx, *job, fsm.JobSucceeded(lang, job.ID, name))
		}
	case n > 1: // every one lost; a single one's giveUp said so already
		_ = j.say(ctx, *job, fsm.JobUndeliverable(lang, job.ID, job.PriceKopecks > 0 && !job.Free))
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

// giveUp deals with a paid result that cannot reach the user (vanished at
// Kie before delivery, or refused by Telegram in every form): the price
// comes back — one adjustment credit per job, keyed so it happens once
// whatever retries or failovers follow — and the user is told. It fails
// only when the credit cannot be written, so the result is not passed
// over before its money is back.
func (j *Jobs) giveUp(ctx context.Context, job store.Job, lang fsm.Lang, why error, log *slog.Logger) error {
	log.Error("jobs: a paid result cannot be delivered; crediting the price back", "price_kopecks", job.PriceKopecks, "err", why)
	refunded := false
	if job.PriceKopecks > 0 && !job.Free {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		_, err := j.cfg.Store.Credit(cctx, store.CreditParams{
			UserID: job.UserID, Kind: store.KindAdjustment, Amount: job.PriceKopecks,
			Key: fmt.Sprintf("result-lost:%d", job.ID), Note: fmt.Sprintf("job %d: result could not be delivered: %.200s", job.ID, why),
		})
		cancel()
		switch {
		case err == nil:
			refunded = true
		case !errors.Is(err, store.ErrDuplicate):
			return fmt.Errorf("credit back job %d: %w", job.ID, err)
		}
	}
	switch {
	case len(job.ResultURLs) > 1:
		// The others may still arrive: say so apart from the progress
		// message, which sendResults finishes.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		_ = j.cfg.Telegram.Perform(cctx, screenOp(job.ChatID, fsm.ResultsPartlyLost(lang, job.ID, refunded)))
		cancel()
	case errors.Is(why, ErrResultGone):
		_ = j.say(ctx, job, fsm.Screen{Text: fsm.T(lang, fsm.KeyResultLost)})
	default:
		_ = j.say(ctx, job, fsm.JobUndeliverable(lang, job.ID, job.PriceKopecks > 0 && !job.Free))
	}
	return nil
}

// form is one way of sending a result: as which media, by URL or uploaded,
// and the largest file Telegram takes that way.
type form struct {
	kind   string
	upload bool
	limit  int64
}

func (f form) String() string {
	how := "url"
	if f.upload {
		how = "upload"
	}
	return f.kind + "/" + how
}

// forms are the ways to send a result of kind, cheapest first: by URL
// (Telegram fetches it), uploaded (we stream it from Kie), then the same
// as a document, which Telegram takes whatever the picture's dimensions.
func forms(kind string) []form {
	doc := []form{{telegram.MediaDocument, false, otherByURL}, {telegram.MediaDocument, true, otherUpload}}
	switch kind {
	case telegram.MediaDocument:
		return doc
	case telegram.MediaPhoto:
		return append([]form{{kind, false, photoByURL}, {kind, true, photoUpload}}, doc...)
	}
	return append([]form{{kind, false, otherByURL}, {kind, true, otherUpload}}, doc...)
}

// fetchRefusal tells Telegram failing to fetch a URL (or disliking what it
// fetched) — which uploading the file ourselves fixes — from refusing the
// file itself (PHOTO_INVALID_DIMENSIONS and the like), which it would
// refuse uploaded too.
func fetchRefusal(err error) bool {
	s := err.Error()
	for _, sub := range []string{"HTTP URL", "web page content", "wrong file identifier", "failed to get"} {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// sendOne delivers one result file in the first form Telegram takes (see
// forms; forms too small for its size are skipped), else as a link. A
// result Telegram refuses in every form is errUndeliverable; a user who
// blocked the bot errUnreachable; a transient failure is returned as is.
func (j *Jobs) sendOne(ctx context.Context, job store.Job, lang fsm.Lang, u, caption string, btns [][]fsm.Button, meta telegram.MediaMeta, log *slog.Logger) error {
	size := j.headSize(ctx, u)
	var refusals []string
	skip := ""
	for _, f := range forms(mediaKind(job.Output)) {
		if size > f.limit || f.kind == skip {
			continue
		}
		err := j.sendForm(ctx, job, f, u, caption, btns, meta)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, errResultTooBig):
			continue
		case errors.Is(err, ErrResultGone):
			return err
		case errors.Is(err, bot.ErrorForbidden):
			return fmt.Errorf("%w: %w", errUnreachable, err)
		case retryable(err):
			return err
		}
		log.Warn("jobs: Telegram refused a result; trying the next form", "form", f.String(), "err", err)
		refusals = append(refusals, f.String()+": "+err.Error())
		if !f.upload && !fetchRefusal(err) {
			skip = f.kind // the file itself was refused as this kind
		}
	}
	s := fsm.ResultLink(lang, u, j.cfg.Now().Add(24*time.Hour))
	if len(btns) > 0 {
		// The result's buttons end with the menu, as the link's do: once.
		s.Buttons = append(s.Buttons[:len(s.Buttons)-1:len(s.Buttons)-1], btns...)
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	err := j.cfg.Telegram.Perform(cctx, screenOp(job.ChatID, s))
	switch {
	case err == nil:
		return nil
	case errors.Is(err, bot.ErrorForbidden):
		return fmt.Errorf("%w: %w", errUnreachable, err)
	case retryable(err):
		return err
	}
	return fmt.Errorf("%w: link: %w (before: %s)", errUndeliverable, err, strings.Join(refusals, "; "))
}

// sendForm makes one attempt at sending a result in form f.
func (j *Jobs) sendForm(ctx context.Context, job store.Job, f form, u, caption string, btns [][]fsm.Button, meta telegram.MediaMeta) error {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	if !f.upload {
		_, err := j.cfg.Telegram.SendMediaMeta(cctx, job.ChatID, f.kind, &models.InputFileString{Data: u}, caption, buttons(btns), meta)
		return err
	}
	return j.upload(cctx, job.ChatID, f, u, caption, btns, meta)
}

// audioMeta names result i of an audio job in the player: the title the
// user gave (Suno's title), else the model's name, numbered when the task
// made several tracks ("Night drive (1/2)"); the model is the performer.
func audioMeta(job store.Job, modelName string, i int) telegram.MediaMeta {
	if mediaKind(job.Output) != telegram.MediaAudio {
		return telegram.MediaMeta{}
	}
	title := strings.TrimSpace(job.Params["title"])
	if title == "" {
		title = modelName
	}
	if n := len(job.ResultURLs); n > 1 {
		title = fmt.Sprintf("%s (%d/%d)", title, i+1, n)
	}
	return telegram.MediaMeta{Title: title, Performer: modelName}
}

// upload streams a result from Kie's host into a multipart upload to
// Telegram, never holding more than a buffer of it: at most MaxUploads at
// once, each cut off past the form's size limit.
func (j *Jobs) upload(ctx context.Context, chatID int64, f form, u, caption string, btns [][]fsm.Button, meta telegram.MediaMeta) error {
	select {
	case j.uploads <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("wait for an upload slot: %w", ctx.Err())
	}
	defer func() { <-j.uploads }()
	body, err := j.openResult(ctx, u, min(f.limit, j.fetch.MaxBytes))
	if err != nil {
		return err
	}
	defer body.Close()
	_, err = j.cfg.Telegram.SendMediaMeta(ctx, chatID, f.kind, &models.InputFileUpload{Filename: resultName(u), Data: body}, caption, buttons(btns), meta)
	if body.over.Load() {
		return fmt.Errorf("upload %s: %w", f, errResultTooBig)
	}
	return err
}

// resultName is the file name Telegram sees: the URL's last path element
// (Kie's names carry the extension).
func resultName(u string) string {
	if pu, err := url.Parse(u); err == nil && path.Base(pu.Path) != "/" && path.Base(pu.Path) != "." {
		return path.Base(pu.Path)
	}
	return "result"
}

// headSize asks the result's host for its size; -1 when it does not say.
func (j *Jobs) headSize(ctx context.Context, u string) int64 {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(cctx, http.MethodHead, u, nil)
	if err != nil || checkScheme(req.URL) != nil {
		return -1
	}
	resp, err := j.results.Do(req)
	if err != nil {
		return -1
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return -1
	}
	return resp.ContentLength
}

// openResult starts fetching a result, refusing more than limit bytes:
// a declared length over it at once, an undeclared one as it streams.
func (j *Jobs) openResult(ctx context.Context, u string, limit int64) (*limitedBody, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("download result: %w", err)
	}
	if err := checkScheme(req.URL); err != nil {
		return nil, fmt.Errorf("download result: %w", err)
	}
	resp, err := j.results.Do(req)
	if err != nil {
		return nil, fmt.Errorf("download result: %w", err)
	}
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		resp.Body.Close()
		return nil, fmt.Errorf("download result: HTTP %d: %w", resp.StatusCode, ErrResultGone)
	case resp.StatusCode != http.StatusOK:
		resp.Body.Close()
		return nil, fmt.Errorf("download result: HTTP %d", resp.StatusCode)
	case resp.ContentLength > limit:
		resp.Body.Close()
		return nil, fmt.Errorf("download result: %d bytes, more than %d: %w", resp.ContentLength, limit, errResultTooBig)
	}
	return &limitedBody{body: resp.Body, left: limit}, nil
}

// limitedBody reads a response body up to a limit; past it, Read fails
// with errResultTooBig and over is set (read by the caller once the
// upload reading it in another goroutine has returned).
type limitedBody struct {
	body io.ReadCloser
	left int64
	over atomic.Bool
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		var probe [1]byte
		n, err := b.body.Read(probe[:])
		if n > 0 {
			b.over.Store(true)
			return 0, errResultTooBig
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.body.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.body.Close() }
