package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/sethvargo/go-envconfig"

	"github.com/kiebot/kiebot/store"
	"github.com/kiebot/kiebot/store/storetest"
)

func TestLedgerAuditCommand(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.NewDatabase(t)
	pool := storetest.OpenPool(t, dsn)
	st := store.New(pool, 7123456789)
	if _, _, err := st.TouchUser(ctx, store.SeenUser{ID: 5, ChatID: 5}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Credit(ctx, store.CreditParams{UserID: 5, Kind: store.KindAdjustment, Amount: 10000, Key: "t1", Note: "test"}); err != nil {
		t.Fatal(err)
	}
	audit := func(env map[string]string, args ...string) (int, string) {
		var out, errOut bytes.Buffer
		code := runCommand(ctx, append([]string{"ledger", "audit"}, args...), envconfig.MapLookuper(env), &out, &errOut)
		return code, out.String() + errOut.String()
	}
	if code, out := audit(map[string]string{"DATABASE_URL": dsn}); code != exitOK || !strings.Contains(out, "0 problems") {
		t.Fatalf("clean ledger: exit %d\n%s", code, out)
	}
	// Someone edits a balance behind the ledger's back.
	if _, err := pool.Exec(ctx, `UPDATE bot_users SET balance_kopecks = balance_kopecks + 1 WHERE user_id = 5`); err != nil {
		t.Fatal(err)
	}
	code, out := audit(map[string]string{"DATABASE_URL": dsn, "TELEGRAM_BOT_TOKEN": testToken})
	if code != exitFail || !strings.Contains(out, "1 problems") || !strings.Contains(out, "bot 7123456789") {
		t.Fatalf("tampered ledger: exit %d\n%s", code, out)
	}
	if code, out := audit(map[string]string{"DATABASE_URL": dsn}, "-bot", "42"); code != exitOK {
		t.Fatalf("another bot's ledger is clean: exit %d\n%s", code, out)
	}
	for _, bad := range [][]string{{"frobnicate"}, {"-frobnicate"}, {"-bot", "x"}} {
		if code, _ := audit(nil, bad...); code != exitConfig {
			t.Fatalf("ledger audit %v: exit %d, want %d", bad, code, exitConfig)
		}
	}
}
