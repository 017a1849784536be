package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/kiebot/kiebot/actors/logging"
	"github.com/kiebot/kiebot/migrations"
	"github.com/kiebot/kiebot/store"
)

// runLedger is `kiebot ledger audit`: it checks that every balance equals
// the sum of its ledger entries and every finished job was captured or
// released exactly once. Exit 0 when clean, 1 on any discrepancy, 2 on bad
// usage. It needs only the database: DATABASE_URL (unset: the embedded
// database in DATA_DIR); the bot comes from -bot, else TELEGRAM_BOT_TOKEN,
// else every bot in the database is audited.
func runLedger(ctx context.Context, e env, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "audit" {
		fmt.Fprint(stderr, "usage: kiebot ledger audit [-bot id]\n")
		return exitConfig
	}
	fs := flag.NewFlagSet("ledger audit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	botFlag := fs.Int64("bot", 0, "audit only this bot id (default: the bot of TELEGRAM_BOT_TOKEN, else all bots)")
	if err := fs.Parse(args[1:]); err != nil {
		return exitConfig
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "kiebot: unexpected arguments %q\nusage: kiebot ledger audit [-bot id]\n", fs.Args())
		return exitConfig
	}
	lookup := func(k string) string {
		v, _ := e.lookup.Lookup(k)
		return strings.TrimSpace(v)
	}
	botID := *botFlag
	if token := lookup("TELEGRAM_BOT_TOKEN"); botID == 0 && token != "" {
		id, _, _ := strings.Cut(token, ":")
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil || n <= 0 {
			fmt.Fprintln(stderr, "kiebot: TELEGRAM_BOT_TOKEN has no numeric bot id; pass -bot or unset it to audit every bot")
			return exitConfig
		}
		botID = n
	}
	cfg := Config{DatabaseURL: lookup("DATABASE_URL"), DataDir: cmpOrString(lookup("DATA_DIR"), "./var"), InstanceName: "ledger-audit"}
	log, err := logging.New(stderr, logging.Options{Format: "text", Level: "warn", Secrets: cfg.secrets()})
	if err != nil {
		fmt.Fprintf(stderr, "kiebot: %v\n", err)
		return exitConfig
	}
	db, err := openDatabase(ctx, cfg, log)
	if err != nil {
		log.Error("kiebot: cannot open the database", "err", err)
		return exitFail
	}
	defer db.close()
	return ledgerAudit(ctx, db, botID, log, stdout)
}

func ledgerAudit(ctx context.Context, db *database, botID int64, log *slog.Logger, stdout io.Writer) int {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	if err := store.MigrationsApplied(ctx, db.pool, migrations.All()); err != nil {
		log.Error("kiebot: the database is not migrated to this version; run `kiebot migrate` first", "err", err)
		return exitFail
	}
	report, err := store.Audit(ctx, db.pool, botID)
	if err != nil {
		log.Error("kiebot: audit failed", "err", err)
		return exitFail
	}
	scope := "all bots"
	if botID != 0 {
		scope = "bot " + strconv.FormatInt(botID, 10)
	}
	fmt.Fprintf(stdout, "ledger audit (%s): %s\n", scope, report.String())
	if !report.OK() {
		return exitFail
	}
	fmt.Fprintln(stdout, "OK: every balance equals its entries; every finished job is captured or released exactly once")
	return exitOK
}

func cmpOrString(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
