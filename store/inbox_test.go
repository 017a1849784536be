package store_test

import (
	"context"
	"encoding/json"
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

// jsonb refuses the escape \u0000 and a lone surrogate (SQLSTATE 22P05,
// 22P02). One such update in a batch failed the whole StoreUpdates, so the
// poller never confirmed the batch and ingest stopped for the bot; in a
// step it failed the user's update for good.
func TestJSONThatJSONBRefusesIsStoredWithReplacementCharacters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.NewStore(t, 33)

	nasty := `{"update_id":700,"message":{"text":"nul \u0000, lone \ud800 and \udfff, pair \ud83d\ude00, literal \\u0000"}}`
	n, err := s.StoreUpdates(ctx, "poll", []store.InboxUpdate{
		{UpdateID: 700, UserID: 5, Kind: "message", Payload: []byte(nasty)},
		{UpdateID: 701, UserID: 5, Kind: "message", Payload: []byte(`{"update_id":701}`)},
	})
	if err != nil || n != 2 {
		t.Fatalf("StoreUpdates with \\u0000 and lone surrogates = %d, %v; want both stored", n, err)
	}
	pending, err := s.PendingUpdates(ctx, 10)
	if err != nil || len(pending) != 2 {
		t.Fatalf("pending = %d, %v", len(pending), err)
	}
	var got struct {
		Message struct{ Text string } `json:"message"`
	}
	if err := json.Unmarshal(pending[0].Payload, &got); err != nil {
		t.Fatal(err)
	}
	if want := "nul \uFFFD, lone \uFFFD and \uFFFD, pair 😀, literal \\u0000"; got.Message.Text != want {
		t.Fatalf("stored text %q, want %q", got.Message.Text, want)
	}

	// The same escape in a step's conversation data and outbox op.
	ids, err := s.CommitStep(ctx, store.StepWrites{
		UpdateID: 700, UserID: 5, Touch: &store.SeenUser{ID: 5, ChatID: 5}, SaveState: true, State: "prompt", Data: []byte(`{"prompt":"a\u0000b"}`),
		Ops: [][]byte{[]byte(`{"kind":"send","text":"a\u0000b"}`)},
	})
	if err != nil || len(ids) != 1 {
		t.Fatalf("CommitStep with \\u0000 in data and op = %v, %v", ids, err)
	}
	if err := s.SaveConversation(ctx, 5, "prompt", []byte(`{"prompt":"\u0000"}`)); err != nil {
		t.Fatalf("SaveConversation with \\u0000: %v", err)
	}
	if _, err := s.EnqueueOps(ctx, 5, [][]byte{[]byte(`{"text":"\u0000"}`)}); err != nil {
		t.Fatalf("EnqueueOps with \\u0000: %v", err)
	}
}
