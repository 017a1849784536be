package store_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kiebot/kiebot/store"
)

// dirty is free text as it can arrive from outside: a letter straddling
// any byte limit, bytes that are not UTF-8 and a NUL.
func dirty(n int) string {
	return strings.Repeat("ж", n) + "\xff\xfe\x00" + strings.Repeat("я", n)
}

// Every free-text column the store fills from Telegram, Kie or an error
// chain takes any string: the write that carries it (a job's settlement, a
// user's first contact) must never fail because of it.
func TestFreeTextFromOutsideIsStoredAsValidUTF8(t *testing.T) {
	t.Parallel()
	b := setupMoney(t, 32)
	s := b.s

	u, _, err := s.TouchUser(b.ctx, store.SeenUser{ID: 1, ChatID: 1, FirstName: dirty(200), Username: "bad\xffname"})
	if err != nil {
		t.Fatalf("TouchUser with a dirty name: %v", err)
	}
	if !utf8.ValidString(u.FirstName) || len(u.FirstName) > 256 || !strings.HasPrefix(u.FirstName, "жж") || u.Username != "bad\uFFFDname" {
		t.Errorf("stored name %q (%d bytes), username %q", u.FirstName, len(u.FirstName), u.Username)
	}
	b.user(t, s, 1, 1000)

	// Submission unknown with a long dirty cause, then a poll stage and a
	// failure from Kie, dirty too.
	j, _, err := s.CreateJob(b.ctx, newJob(1, 100, "dirty-1"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSubmitting(b.ctx, j.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSubmitUnknown(b.ctx, j.ID, dirty(600)); err != nil {
		t.Fatalf("MarkSubmitUnknown with a dirty cause: %v", err)
	}
	if err := s.MarkRunning(b.ctx, j.ID, "task-1"); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordPoll(b.ctx, j.ID, time.Now(), dirty(150)); err != nil {
		t.Fatalf("RecordPoll with a dirty stage: %v", err)
	}
	fin, err := s.FinishJob(b.ctx, store.FinishParams{JobID: j.ID, Outcome: store.JobFailed, FailCode: dirty(150), FailMsg: dirty(600)})
	if err != nil {
		t.Fatalf("FinishJob with a dirty failure: %v", err)
	}
	wantBalance(t, s, 1, 1000, 0) // the hold was released: the settlement went through
	for name, v := range map[string]string{"unknown cause": fin.UnknownCause, "stage": fin.Stage, "fail code": fin.FailCode, "fail message": fin.FailMsg} {
		if !utf8.ValidString(v) || !strings.HasPrefix(v, "жж") || strings.ContainsRune(v, 0) {
			t.Errorf("%s stored as %.40q (%d bytes)", name, v, len(v))
		}
	}
	if len(fin.UnknownCause) > 1000 || len(fin.FailMsg) > 1000 || len(fin.Stage) > 200 || len(fin.FailCode) > 200 {
		t.Errorf("unbounded text: cause %d, message %d, stage %d, code %d bytes", len(fin.UnknownCause), len(fin.FailMsg), len(fin.Stage), len(fin.FailCode))
	}

	e, err := s.Credit(b.ctx, store.CreditParams{UserID: 1, Kind: store.KindAdjustment, Amount: 5, Key: "dirty-note", Note: dirty(600)})
	if err != nil {
		t.Fatalf("Credit with a dirty note: %v", err)
	}
	if !utf8.ValidString(e.Note) || len(e.Note) > 1000 {
		t.Errorf("note stored as %.40q (%d bytes)", e.Note, len(e.Note))
	}
}
