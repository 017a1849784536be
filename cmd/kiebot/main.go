// Command kiebot runs the Telegram bot service and its operator commands.
//
//	kiebot [serve]          run the service (the default)
//	kiebot migrate          apply database migrations and exit
//	kiebot config check     validate the environment and print it, secrets masked
//	kiebot registry build|audit|sync
//	kiebot prices           print the user price list
//	kiebot ledger audit     check balances against the ledger (exit 1 on a discrepancy)
//	kiebot demo             the product offline: fake Telegram, fake Kie, a scripted user
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/sethvargo/go-envconfig"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// Exit codes.
const (
	exitOK     = 0
	exitFail   = 1 // the command ran and failed
	exitConfig = 2 // bad usage or configuration
)

func main() {
	os.Exit(runCommand(context.Background(), os.Args[1:], envconfig.OsLookuper(), os.Stdout, os.Stderr))
}

// env is the process environment as main passes it down (tests pass maps).
type env struct {
	lookup   envconfig.Lookuper
	hostname func() (string, error)
}

// runCommand is main without os.Exit, so tests drive every subcommand.
func runCommand(ctx context.Context, args []string, lookup envconfig.Lookuper, stdout, stderr io.Writer) int {
	e := env{lookup: lookup, hostname: os.Hostname}
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return runServe(ctx, e, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, e, stdout, stderr)
	case "config":
		if len(args) == 1 && args[0] == "check" {
			return runConfigCheck(ctx, e, stdout, stderr)
		}
	case "registry":
		return runRegistry(ctx, args, stdout, stderr)
	case "prices":
		return runPrices(ctx, args, lookup.Lookup, stdout, stderr)
	case "ledger":
		return runLedger(ctx, e, args, stdout, stderr)
	case "demo":
		return runDemo(ctx, args, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "kiebot: unknown command %q\n\n%s", strings.Join(append([]string{cmd}, args...), " "), usage)
	return exitConfig
}

const usage = `Usage:
  kiebot [serve]        run the bot service (default)
  kiebot migrate        apply database migrations and exit
  kiebot config check   validate the environment; print it with secrets masked
  kiebot registry build|audit|sync
                        rebuild, check or refresh the model registry (see pricing/)
  kiebot prices         print the user price list (needs USD_RUB_RATE)
  kiebot ledger audit   check every balance against its ledger and every job's settlement
  kiebot demo           run the whole product offline and print a scripted conversation
  kiebot help           show this help

Configuration comes from environment variables; see README.md.
`

// runConfigCheck validates the environment: exit 0 with the masked summary,
// or exit 2 listing every problem.
func runConfigCheck(ctx context.Context, e env, stdout, stderr io.Writer) int {
	cfg, err := loadConfig(ctx, e.lookup, e.hostname)
	if err != nil {
		printProblems(stderr, err)
		return exitConfig
	}
	fmt.Fprintln(stdout, "configuration is valid:")
	for _, kv := range cfg.summary() {
		fmt.Fprintf(stdout, "  %-22s %s\n", kv[0], kv[1])
	}
	return exitOK
}

func printProblems(w io.Writer, err error) {
	fmt.Fprintln(w, "kiebot: configuration problems:")
	for _, line := range strings.Split(err.Error(), "\n") {
		fmt.Fprintf(w, "  - %s\n", line)
	}
}
