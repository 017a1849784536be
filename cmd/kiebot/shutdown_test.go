package main

import (
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/oklog/run"
)

// oklog/run waits forever for a stuck actor; runBounded must not.
func TestAStuckActorCannotBlockExitPastTheTimeout(t *testing.T) {
	var g run.Group
	g.Add(func() error { return errors.New("SIGTERM") }, func(error) {}) // the signal arrives
	release := make(chan struct{})
	defer close(release)
	g.Add(func() error { <-release; return nil }, func(error) {}) // ignores its interrupt

	done := make(chan error, 1)
	go func() { done <- runBounded(&g, 200*time.Millisecond, slog.New(slog.DiscardHandler)) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "SHUTDOWN_TIMEOUT") {
			t.Fatalf("runBounded = %v, want the shutdown timeout error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("runBounded waited for the stuck actor")
	}
}

func TestRunBoundedReturnsTheFirstError(t *testing.T) {
	var g run.Group
	boom := errors.New("boom")
	g.Add(func() error { return boom }, func(error) {})
	stop := make(chan struct{})
	g.Add(func() error { <-stop; return nil }, func(error) { close(stop) })
	if err := runBounded(&g, time.Second, slog.New(slog.DiscardHandler)); !errors.Is(err, boom) {
		t.Fatalf("runBounded = %v, want boom", err)
	}
}
