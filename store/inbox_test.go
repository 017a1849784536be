package store_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kiebot/kiebot/store"
	"github.com/kiebot/kiebot/store/storetest"
)

// A failure's cause is free text from outside (a Telegram error body, a
// wrapped driver error). Cutting it at byte 1000 split a two-byte letter,
// PostgreSQL refused the invalid UTF-8 (SQLSTATE 22021), the failure was
// never recorded and the dispatcher's sweep retried the update forever.
func TestRecordFailureKeepsACauseThatIsNotCleanUTF8(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := storetest.NewPool(t)
	s := store.New(pool, 31)
	storeOne(t, s, 500, 5)
	storeOne(t, s, 501, 5)

	// "ж" is two bytes, at bytes 999 and 1000; the tail has bytes that are
	// not UTF-8 at all, and a NUL, which no PostgreSQL text can hold.
	straddling := strings.Repeat("a", 999) + "ж" + " and more after it"
	garbage := "telegram said: \xff\xfe\x00 bad body"

	if err := s.RecordFailure(ctx, 500, straddling, false); err != nil {
		t.Fatalf("RecordFailure with a letter across byte 1000: %v", err)
	}
	if err := s.RecordFailure(ctx, 501, garbage, true); err != nil {
		t.Fatalf("RecordFailure with invalid UTF-8: %v", err)
	}

	for _, c := range []struct {
		id           int64
		wantAttempts int
		wantPrefix   string
		wantFailed   bool
	}{
		{500, 1, strings.Repeat("a", 999), false},
		{501, 1, "telegram said: ", true},
	} {
		var attempts int
		var lastError string
		var failed bool
		if err := pool.QueryRow(ctx, `SELECT attempts, last_error, failed FROM inbox WHERE bot_id = 31 AND update_id = $1`, c.id).
			Scan(&attempts, &lastError, &failed); err != nil {
			t.Fatal(err)
		}
		if attempts != c.wantAttempts || failed != c.wantFailed {
			t.Errorf("update %d: attempts %d, failed %v; want %d, %v", c.id, attempts, failed, c.wantAttempts, c.wantFailed)
		}
		if !utf8.ValidString(lastError) || len(lastError) > 1000 || !strings.HasPrefix(lastError, c.wantPrefix) {
			t.Errorf("update %d: last_error %q (%d bytes, valid %v); want valid UTF-8 of at most 1000 bytes starting %.20q",
				c.id, lastError, len(lastError), utf8.ValidString(lastError), c.wantPrefix)
		}
	}
	if _, processed, failed, err := s.UpdateState(ctx, 501); err != nil || !processed || !failed {
		t.Fatalf("update 501 after a final failure: processed %v, failed %v, err %v; want processed and failed", processed, failed, err)
	}
}
