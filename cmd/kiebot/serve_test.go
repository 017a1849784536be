package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"

	"github.com/kiebot/kiebot/actors/telegram/telegramtest"
	"github.com/kiebot/kiebot/store/storetest"
)

// syncBuffer collects an instance's log lines from several goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// instance is one `kiebot serve` running in the test process.
type instance struct {
	logs *syncBuffer
	stop func() int // cancels serve (as SIGTERM would) and returns its exit code
}

func startInstance(t *testing.T, env map[string]string) *instance {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	code := make(chan int, 1)
	go func() {
		code <- runCommand(ctx, []string{"serve"}, envconfig.MapLookuper(env), logs, logs)
	}()
	var once sync.Once
	var exit int
	stop := func() int {
		once.Do(func() {
			cancel()
			select {
			case exit = <-code:
			case <-time.After(30 * time.Second):
				t.Errorf("serve did not stop within 30s; logs:\n%s", logs.String())
				exit = -1
			}
		})
		return exit
	}
	t.Cleanup(func() { stop() })
	return &instance{logs: logs, stop: stop}
}

func testEnv(tg *telegramtest.Server, dsn string, extra ...string) map[string]string {
	env := validEnv("TELEGRAM_API_URL", tg.URL, "DATABASE_URL", dsn, "PORT", "0", "LOG_LEVEL", "debug",
		"LOCK_TTL", "12s", "HEARTBEAT_INTERVAL", "1s", "SHUTDOWN_TIMEOUT", "10s") // SHUTDOWN_TIMEOUT < LOCK_TTL - HEARTBEAT_INTERVAL
	for i := 0; i+1 < len(extra); i += 2 {
		env[extra[i]] = extra[i+1]
	}
	return env
}

func waitCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// The first vertical slice, end to end: serve in polling mode answers
// /start with a welcome and an inline main menu, and other text with a
// hint, through the fake Bot API — and no log line carries a secret.
func TestServeAnswersStartAndHintsOtherText(t *testing.T) {
	tg := telegramtest.NewServer()
	defer tg.Close()
	bot := tg.AddBot(testToken)
	inst := startInstance(t, testEnv(tg, storetest.NewDatabase(t)))
	ctx := waitCtx(t)

	alice := bot.AddUser(telegramtest.UserConfig{FirstName: "Alice <admin>", LanguageCode: "en"})
	alice.SendCommand("start")
	welcome, err := bot.WaitMessage(ctx, alice.ID(), func(m telegramtest.Message) bool { return strings.Contains(m.Text, "Hi, ") })
	if err != nil {
		t.Fatalf("no welcome: %v\nlogs:\n%s", err, inst.logs.String())
	}
	if !strings.Contains(welcome.Text, "Alice <admin>") || welcome.ReplyMarkup == nil || len(welcome.ReplyMarkup.InlineKeyboard) == 0 {
		t.Fatalf("welcome = %q with markup %+v", welcome.Text, welcome.ReplyMarkup)
	}

	boris := bot.AddUser(telegramtest.UserConfig{FirstName: "Борис", LanguageCode: "ru"})
	boris.SendText("нарисуй кота")
	hint, err := bot.WaitMessage(ctx, boris.ID(), func(m telegramtest.Message) bool { return m.Text != "" })
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(hint.Text, "/start") || !strings.Contains(hint.Text, "Нажмите") {
		t.Fatalf("hint = %q, want the Russian hint", hint.Text)
	}

	if code := inst.stop(); code != exitOK {
		t.Fatalf("exit code %d; logs:\n%s", code, inst.logs.String())
	}
	logs := inst.logs.String()
	for _, secret := range []string{testToken, testKey, strings.SplitN(testToken, ":", 2)[1]} {
		if strings.Contains(logs, secret) {
			t.Fatalf("a log line contains the secret %q", secret)
		}
	}
	if tg.Overlaps(testToken) != 0 {
		t.Fatalf("overlapping getUpdates: %d", tg.Overlaps(testToken))
	}
}

// SIGTERM during a burst: every update already stored is either processed
// or left in the inbox for the next leader, nothing is lost, the instance
// exits within SHUTDOWN_TIMEOUT, and the next instance finishes the rest —
// each update taking effect exactly once.
func TestStopDuringABurstLosesNothing(t *testing.T) {
	tg := telegramtest.NewServer()
	defer tg.Close()
	bot := tg.AddBot(testToken)
	dsn := storetest.NewDatabase(t)
	env := testEnv(tg, dsn, "SHUTDOWN_TIMEOUT", "5s")
	first := startInstance(t, env)
	ctx := waitCtx(t)

	const users, each = 20, 15
	var us []*telegramtest.User
	for i := range users {
		us = append(us, bot.AddUser(telegramtest.UserConfig{FirstName: fmt.Sprintf("u%d", i)}))
	}
	for j := range each {
		for _, u := range us {
			u.SendText(fmt.Sprintf("m%d", j))
		}
	}
	answered := func() int {
		n := 0
		for _, u := range us {
			n += len(bot.Sent(u.ID()))
		}
		return n
	}
	if err := tg.WaitFor(ctx, func() bool { return answered() >= 30 }); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	if code := first.stop(); code != exitOK {
		t.Fatalf("exit code %d", code)
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Fatalf("stop took %s, over SHUTDOWN_TIMEOUT", took)
	}
	t.Logf("stopped after %d of %d replies, in %s", answered(), users*each, time.Since(began).Round(time.Millisecond))

	second := startInstance(t, env)
	if err := tg.WaitFor(ctx, func() bool { return answered() >= users*each }); err != nil {
		t.Fatalf("only %d of %d answered after the restart: %v", answered(), users*each, err)
	}
	second.stop()
	for _, u := range us {
		if got := len(bot.Sent(u.ID())); got != each {
			t.Fatalf("user %d got %d replies for %d messages", u.ID(), got, each)
		}
	}
	if n := tg.Overlaps(testToken); n != 0 {
		t.Fatalf("%d overlapping getUpdates", n)
	}
}
