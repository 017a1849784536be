package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// Config configures the Bot API client.
type Config struct {
	APIURL string // https://api.telegram.org, or a fake in tests
	Token  string
	Logger *slog.Logger
	// SendTimeout bounds one send (uploads of up to 50 MB included);
	// default 2 minutes.
	SendTimeout time.Duration
}

// Client is the Bot API client: github.com/go-telegram/bot for sends and
// its typed models, plus our own getUpdates, which the library does not
// expose (its Start confirms updates before they are handled).
type Client struct {
	Bot *bot.Bot

	apiURL string
	token  string
	poll   *http.Client // long polls only, so a slow upload never delays a poll
	send   *http.Client // the hot calls sent as JSON (callJSON)
	log    *slog.Logger
}

// New builds the client without calling Telegram (no getMe), so a
// standby or an offline start does not fail here.
func New(cfg Config) (*Client, error) {
	if cfg.SendTimeout <= 0 {
		cfg.SendTimeout = 2 * time.Minute
	}
	log := cfg.Logger.With("component", "telegram")
	apiURL := strings.TrimRight(cfg.APIURL, "/")
	// Many user actors send at once: keep enough idle connections to the
	// one Bot API host, or every burst dials (and leaves TIME_WAITs) anew.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConns = 256
	transport.MaxIdleConnsPerHost = 128
	send := &http.Client{Timeout: cfg.SendTimeout, Transport: transport}
	b, err := bot.New(cfg.Token,
		bot.WithServerURL(apiURL),
		bot.WithSkipGetMe(),
		bot.WithHTTPClient(cfg.SendTimeout, bufferingClient{send}),
		bot.WithErrorsHandler(func(err error) { log.Warn("telegram: library error", "err", err) }),
		bot.WithDefaultHandler(func(context.Context, *bot.Bot, *models.Update) {}),
	)
	if err != nil {
		return nil, fmt.Errorf("create telegram client: %w", err)
	}
	return &Client{
		Bot:    b,
		apiURL: apiURL,
		token:  cfg.Token,
		poll:   &http.Client{}, // each poll has its own deadline from the context
		send:   send,
		log:    log,
	}, nil
}

// bufferingClient sends small request bodies in one piece. The library
// streams every request through an io.Pipe, so a three-field sendMessage
// leaves as a dozen chunked writes (a syscall each); reading up to 64 KiB
// first turns it into one write with a Content-Length. Larger bodies
// (uploads) still stream.
type bufferingClient struct{ c *http.Client }

const bufferedBodyLimit = 64 << 10

func (b bufferingClient) Do(req *http.Request) (*http.Response, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return b.c.Do(req)
	}
	head := make([]byte, 0, 4096)
	buf := bytes.NewBuffer(head)
	n, err := io.CopyN(buf, req.Body, bufferedBodyLimit+1)
	switch {
	case err == io.EOF || (err == nil && n <= bufferedBodyLimit):
		_ = req.Body.Close()
		data := buf.Bytes()
		req.Body = io.NopCloser(bytes.NewReader(data))
		req.ContentLength = int64(len(data))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	case err != nil:
		_ = req.Body.Close()
		return nil, err
	default:
		req.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(buf, req.Body), req.Body}
	}
	return b.c.Do(req)
}

// RawUpdate is one update as Telegram sent it, kept verbatim for the inbox.
type RawUpdate struct {
	ID   int64
	JSON json.RawMessage
}

type apiEnvelope struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

// GetUpdates long-polls for updates with id ≥ offset (0: every unconfirmed
// update). Calling it with offset = last stored id + 1 confirms everything
// before. Errors use go-telegram/bot's types: bot.ErrorConflict (409),
// bot.ErrorUnauthorized (401), *bot.TooManyRequestsError (429).
func (t *Client) GetUpdates(ctx context.Context, offset int64, timeout time.Duration, limit int) ([]RawUpdate, error) {
	params := map[string]any{"timeout": int(timeout / time.Second), "limit": limit}
	if offset != 0 {
		params["offset"] = offset
	}
	body, _ := json.Marshal(params)
	ctx, cancel := context.WithTimeout(ctx, timeout+15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.apiURL+"/bot"+t.token+"/getUpdates", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("getUpdates: %w", t.scrub(err))
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := t.poll.Do(req)
	if err != nil {
		return nil, fmt.Errorf("getUpdates: %w", t.scrub(err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("getUpdates: read body: %w", t.scrub(err))
	}
	var env apiEnvelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, fmt.Errorf("getUpdates: HTTP %d with a body that is not the Bot API envelope", resp.StatusCode)
	}
	if !env.OK {
		return nil, apiError("getUpdates", env)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(env.Result, &items); err != nil {
		return nil, fmt.Errorf("getUpdates: result is not a list: %w", err)
	}
	out := make([]RawUpdate, 0, len(items))
	for _, it := range items {
		var head struct {
			ID *int64 `json:"update_id"`
		}
		if err := json.Unmarshal(it, &head); err != nil || head.ID == nil {
			return nil, fmt.Errorf("getUpdates: an update without update_id: %.200s", it)
		}
		out = append(out, RawUpdate{ID: *head.ID, JSON: it})
	}
	return out, nil
}

// callJSON makes a Bot API call with a JSON body and decodes its result
// into dest (if not nil). go-telegram/bot sends every call as
// multipart/form-data, which for the few small fields of the hot calls
// (sendMessage, editMessageText, answerCallbackQuery) costs both sides
// several times the CPU of JSON; the Bot API takes either. Errors are
// go-telegram/bot's types, as from the library (see apiError), so callers
// classify them the same way.
func (t *Client) callJSON(ctx context.Context, method string, params, dest any) error {
	body, err := json.Marshal(params)
	if err != nil {
		return fmt.Errorf("%s: encode: %w", method, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.apiURL+"/bot"+t.token+"/"+method, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s: %w", method, t.scrub(err))
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := t.send.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", method, t.scrub(err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("%s: read body: %w", method, t.scrub(err))
	}
	var env apiEnvelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return fmt.Errorf("%s: HTTP %d with a body that is not the Bot API envelope", method, resp.StatusCode)
	}
	if !env.OK {
		return apiError(method, env)
	}
	if dest != nil {
		if err := json.Unmarshal(env.Result, dest); err != nil {
			return fmt.Errorf("%s: decode result: %w", method, err)
		}
	}
	return nil
}

// apiError maps a failed envelope to go-telegram/bot's error types, so the
// same errors.Is/As checks serve our calls and the library's.
func apiError(method string, env apiEnvelope) error {
	switch env.ErrorCode {
	case http.StatusConflict:
		return fmt.Errorf("%s: %w, %s", method, bot.ErrorConflict, env.Description)
	case http.StatusUnauthorized:
		return fmt.Errorf("%s: %w, %s", method, bot.ErrorUnauthorized, env.Description)
	case http.StatusForbidden:
		return fmt.Errorf("%s: %w, %s", method, bot.ErrorForbidden, env.Description)
	case http.StatusBadRequest:
		return fmt.Errorf("%s: %w, %s", method, bot.ErrorBadRequest, env.Description)
	case http.StatusNotFound:
		return fmt.Errorf("%s: %w, %s", method, bot.ErrorNotFound, env.Description)
	case http.StatusTooManyRequests:
		return fmt.Errorf("%s: %w", method, &bot.TooManyRequestsError{
			Message: fmt.Sprintf("%s, %s", bot.ErrorTooManyRequests, env.Description), RetryAfter: env.Parameters.RetryAfter,
		})
	default:
		return fmt.Errorf("%s: telegram error %d: %s", method, env.ErrorCode, env.Description)
	}
}

// scrub removes the token from errors that quote the request URL.
func (t *Client) scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = strings.ReplaceAll(ue.URL, t.token, "<token>")
	}
	return err
}

// RetryAfter returns the wait Telegram asked for in a 429, if err is one.
func RetryAfter(err error) (time.Duration, bool) {
	var tm *bot.TooManyRequestsError
	if errors.As(err, &tm) {
		return time.Duration(max(tm.RetryAfter, 1)) * time.Second, true
	}
	return 0, false
}

// ErrFileTooBig means a file exceeds what the bot may download (Telegram
// serves bots files up to 20 MB).
var ErrFileTooBig = errors.New("file too big to download")

// MaxDownload is Telegram's limit on files a bot can download.
const MaxDownload = 20 << 20

// OpenFile downloads a file a user sent. The download URL carries the bot
// token, so it is used here and never handed to anyone else (Kie gets the
// bytes, re-uploaded). The caller closes the reader.
func (t *Client) OpenFile(ctx context.Context, fileID string) (io.ReadCloser, string, error) {
	f, err := t.Bot.GetFile(ctx, &bot.GetFileParams{FileID: fileID})
	if err != nil {
		if strings.Contains(err.Error(), "file is too big") {
			return nil, "", ErrFileTooBig
		}
		return nil, "", fmt.Errorf("get file: %w", err)
	}
	if f.FileSize > MaxDownload {
		return nil, "", ErrFileTooBig
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.Bot.FileDownloadLink(f), nil)
	if err != nil {
		return nil, "", fmt.Errorf("download file: %w", t.scrub(err))
	}
	resp, err := t.poll.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("download file: %w", t.scrub(err))
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, "", fmt.Errorf("download file: HTTP %d", resp.StatusCode)
	}
	name := f.FilePath
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	return struct {
		io.Reader
		io.Closer
	}{io.LimitReader(resp.Body, MaxDownload), resp.Body}, name, nil
}
