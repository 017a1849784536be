package telegramtest_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/go-telegram/bot"

	"github.com/kiebot/kiebot/actors/telegram/telegramtest"
)

// A held call waits, counted, until released; an error injected while it
// waits is what it gets; Open lets the rest through; Close ends a wait.
func TestHoldKeepsCallsInFlight(t *testing.T) {
	t.Parallel()
	srv, tg, alice := setup(t)
	ctx := testCtx(t)
	b := newClient(t, srv, testToken)
	h := tg.Hold("SENDMESSAGE")
	if tg.Hold("sendMessage") != h {
		t.Fatal("holding a held method made a second hold")
	}
	send := func(text string) <-chan error {
		done := make(chan error, 1)
		go func() {
			_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID(), Text: text})
			done <- err
		}()
		return done
	}
	waiting := func(n int) {
		t.Helper()
		if err := srv.WaitFor(ctx, func() bool { return h.Waiting() == n }); err != nil {
			t.Fatalf("waiting %d: %v (waiting %d)", n, err, h.Waiting())
		}
	}

	first := send("one")
	waiting(1)
	if n := len(tg.Sent(alice.ID())); n != 0 {
		t.Fatalf("%d messages sent while held", n)
	}
	tg.InjectError("sendMessage", 1, 500, "Internal Server Error", 0)
	h.Release(1)
	if err := <-first; err == nil || !strings.Contains(err.Error(), "Internal Server Error") {
		t.Fatalf("held call released into an injected error: %v", err)
	}
	second := send("two")
	waiting(1)
	h.Release(1)
	if err := <-second; err != nil {
		t.Fatal(err)
	}
	h.Release(1) // a token for the next arrival
	if err := <-send("three"); err != nil {
		t.Fatal(err)
	}
	if h.Arrived() != 3 || h.Waiting() != 0 {
		t.Fatalf("arrived %d, waiting %d", h.Arrived(), h.Waiting())
	}
	h.Open()
	if err := <-send("four"); err != nil {
		t.Fatal(err)
	}
	if n := len(tg.Sent(alice.ID())); n != 3 {
		t.Fatalf("%d messages, want 3", n)
	}

	// A call held when the server closes ends without an answer.
	tg.Hold("sendMessage")
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := b.SendMessage(cctx, &bot.SendMessageParams{ChatID: alice.ID(), Text: "five"})
		done <- err
	}()
	if err := srv.WaitFor(ctx, func() bool { return tg.Hold("sendMessage").Waiting() == 1 }); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	if err := <-done; err == nil {
		t.Fatal("a call held across Close succeeded")
	}
	if err := srv.WaitFor(ctx, func() bool { return false }); !errors.Is(err, telegramtest.ErrServerClosed) {
		t.Fatalf("WaitFor after Close: %v", err)
	}
}
