package telegramtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"go.uber.org/goleak"

	"github.com/kiebot/kiebot/actors/telegram/telegramtest"
)

// TestMain fails the run if a test leaves goroutines behind: Close must
// wait for every long poll and webhook deliverer it started.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const testToken = "123456:TEST-token_abc"

// setup starts a server with one registered bot and one user.
func setup(t *testing.T) (*telegramtest.Server, *telegramtest.Bot, *telegramtest.User) {
	t.Helper()
	srv := telegramtest.NewServer()
	t.Cleanup(srv.Close)
	tg := srv.AddBot(testToken)
	u := tg.AddUser(telegramtest.UserConfig{ID: 42, FirstName: "Alice", LanguageCode: "ru"})
	return srv, tg, u
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// newClient is go-telegram/bot pointed at the fake, the way the bot's
// actors use it.
func newClient(t *testing.T, srv *telegramtest.Server, token string) *bot.Bot {
	t.Helper()
	b, err := bot.New(token,
		bot.WithServerURL(srv.URL),
		bot.WithSkipGetMe(),
		bot.WithErrorsHandler(func(err error) { t.Logf("go-telegram/bot: %v", err) }),
	)
	if err != nil {
		t.Fatalf("bot.New: %v", err)
	}
	return b
}

type apiResult struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

// rawCall posts a JSON body, as the bot's own getUpdates client does.
func rawCall(ctx context.Context, baseURL, token, method string, params any) (int, apiResult, error) {
	body, err := json.Marshal(params)
	if err != nil {
		return 0, apiResult{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/bot"+token+"/"+method, bytes.NewReader(body))
	if err != nil {
		return 0, apiResult{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, apiResult{}, err
	}
	defer resp.Body.Close()
	var res apiResult
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		return resp.StatusCode, res, fmt.Errorf("decode %s answer: %w", method, err)
	}
	if res.OK != (resp.StatusCode == http.StatusOK) || (!res.OK && res.ErrorCode != resp.StatusCode) {
		return resp.StatusCode, res, fmt.Errorf("%s: status %d does not match body %+v", method, resp.StatusCode, res)
	}
	return resp.StatusCode, res, nil
}

// getUpdates is a raw getUpdates call returning the decoded updates.
func getUpdates(ctx context.Context, srv *telegramtest.Server, token string, params map[string]any) (int, []models.Update, apiResult, error) {
	status, res, err := rawCall(ctx, srv.URL, token, "getUpdates", params)
	if err != nil || !res.OK {
		return status, nil, res, err
	}
	var ups []models.Update
	if err := json.Unmarshal(res.Result, &ups); err != nil {
		return status, nil, res, fmt.Errorf("decode updates: %w", err)
	}
	return status, ups, res, nil
}

func mustGetUpdates(t *testing.T, ctx context.Context, srv *telegramtest.Server, params map[string]any) []models.Update {
	t.Helper()
	status, ups, res, err := getUpdates(ctx, srv, testToken, params)
	if err != nil || status != http.StatusOK {
		t.Fatalf("getUpdates(%v): status %d, %+v, %v", params, status, res, err)
	}
	return ups
}

func userConfig(id int64) telegramtest.UserConfig {
	return telegramtest.UserConfig{ID: id, FirstName: fmt.Sprintf("User %d", id)}
}
