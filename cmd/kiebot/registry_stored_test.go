package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kiebot/kiebot/store"
	"github.com/kiebot/kiebot/store/storetest"
)

// `registry audit -stored` applies the confirmations admins stored and
// lists which prices are official and which operator-confirmed.
func TestRegistryAuditAppliesStoredConfirmations(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.NewDatabase(t)
	st := store.New(storetest.OpenPool(t, dsn), 7123456789)
	if _, err := st.AddPriceConfirmation(ctx, store.PriceConfirmation{
		Kind: "price", ModelID: "elevenlabs/audio-isolation", Unit: "input-second", CreditsMicro: 200_000,
		Source: "https://kie.ai/elevenlabs-audio-isolation", ConfirmedAt: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), AdminID: 42,
	}); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"DATABASE_URL": dsn, "TELEGRAM_BOT_TOKEN": testToken}
	var out, errOut bytes.Buffer
	code := registryCommand(ctx, []string{"audit", "-stored"}, func(k string) (string, bool) { v, ok := env[k]; return v, ok }, &out, &errOut)
	text := out.String()
	if code != exitOK || !strings.Contains(text, "with 1 stored confirmation(s)") ||
		!strings.Contains(text, "1 confirmed by an operator") ||
		!strings.Contains(text, "elevenlabs/audio-isolation") || !strings.Contains(text, "confirmed by tg:42 on 2026-12-01 from https://kie.ai/elevenlabs-audio-isolation") {
		t.Fatalf("exit %d\n%s\n%s", code, text, errOut.String())
	}
	// Without the bot, -stored says what it needs.
	out.Reset()
	errOut.Reset()
	code = registryCommand(ctx, []string{"audit", "-stored"}, func(string) (string, bool) { return "", false }, &out, &errOut)
	if code != exitFail || !strings.Contains(errOut.String(), "TELEGRAM_BOT_TOKEN") {
		t.Fatalf("without a bot: exit %d\n%s", code, errOut.String())
	}
}
