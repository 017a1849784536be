package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"
)

// The newcomer's first look must always work: run `kiebot demo` as they
// would, on the embedded database, and check the story it tells.
func TestDemoRunsOffline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	code := runCommand(ctx, []string{"demo"}, envconfig.MapLookuper(nil), &out, &errOut)
	if code != exitOK {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errOut.String())
	}
	transcript := strings.ReplaceAll(out.String(), "\u00a0", " ") // money is printed with no-break spaces
	for _, want := range []string{
		"👤 Alice: /start", "Invoice", "Payment received: +150,00 ₽", "Check your order",
		"[picture] Order #1", "is ready", "Balance: 149,24 ₽", "Recent orders", "0 problems", "the ledger balances",
	} {
		if !strings.Contains(transcript, want) {
			t.Errorf("transcript lacks %q:\n%s", want, transcript)
		}
	}
	if strings.Count(transcript, "\n") > 120 {
		t.Errorf("the demo should stay short; it printed %d lines", strings.Count(transcript, "\n"))
	}
}
