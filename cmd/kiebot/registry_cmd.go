package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kiebot/kiebot/actors/logging"
	"github.com/kiebot/kiebot/actors/shop"
	"github.com/kiebot/kiebot/kie"
	"github.com/kiebot/kiebot/pricing"
	"github.com/kiebot/kiebot/store"
)

// Default paths, relative to the repository root (where `go run
// ./cmd/kiebot registry build` is run).
const (
	registrySourceDir = "pricing/source"
	shippedRegistry   = "pricing/registry.json"
	defaultSyncOut    = "registry.sync.json"
)

// runRegistry runs `kiebot registry build|audit|sync`.
func runRegistry(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return registryCommand(ctx, args, os.LookupEnv, stdout, stderr)
}

// registryCommand is runRegistry with the environment passed in, for tests.
func registryCommand(ctx context.Context, args []string, env func(string) (string, bool), stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, registryUsage)
		return exitConfig
	}
	switch args[0] {
	case "build":
		return registryBuild(args[1:], stdout, stderr)
	case "audit":
		return registryAudit(ctx, args[1:], env, stdout, stderr)
	case "sync":
		return registrySync(ctx, args[1:], env, stdout, stderr)
	case "propose":
		return registryPropose(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "kiebot registry: unknown subcommand %q\n\n%s", args[0], registryUsage)
	return exitConfig
}

const registryUsage = `Usage:
  kiebot registry build [-src dir] [-out file]   rebuild pricing/registry.json from pricing/source
  kiebot registry audit [-file path] [-confirmations file.json] [-stored]
                                                 check a registry (default: the embedded one), with
                                                 operator confirmations applied when given (-stored:
                                                 the ones admins confirmed, from DATABASE_URL for the
                                                 bot of TELEGRAM_BOT_TOKEN)
  kiebot registry sync [-out file] [-force]      fetch Kie's live catalogue into a NEW file for review
  kiebot registry propose [-file registry.sync.json] [-out proposals.json]
                                                 turn a sync's prose prices into confirmations to review
`

func registryBuild(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("registry build", flag.ContinueOnError)
	fs.SetOutput(stderr)
	src := fs.String("src", registrySourceDir, "directory holding the three source files")
	out := fs.String("out", shippedRegistry, "registry file to write")
	if fs.Parse(args) != nil {
		return exitConfig
	}
	var sources pricing.BuildSources
	for _, s := range []struct {
		name string
		dst  *[]byte
	}{
		{pricing.SourceCatalogue, &sources.Catalogue},
		{pricing.SourcePrices, &sources.Prices},
		{pricing.SourceCuration, &sources.Curation},
	} {
		b, err := os.ReadFile(filepath.Join(*src, s.name))
		if err != nil {
			fmt.Fprintf(stderr, "kiebot registry build: %v\n", err)
			return exitFail
		}
		*s.dst = b
	}
	f, rep, err := pricing.Build(sources)
	if err != nil {
		fmt.Fprintf(stderr, "kiebot registry build: %v\n", err)
		return exitFail
	}
	data, err := f.Encode()
	if err == nil {
		err = writeFileAtomic(*out, data)
	}
	if err != nil {
		fmt.Fprintf(stderr, "kiebot registry build: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "wrote %s (%d bytes)\n", *out, len(data))
	printSummary(stdout, f)
	if len(rep.UnusedTables) > 0 {
		fmt.Fprintf(stdout, "price tables no catalogue model uses: %s\n", strings.Join(rep.UnusedTables, ", "))
	}
	return exitOK
}

func registryAudit(ctx context.Context, args []string, env func(string) (string, bool), stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("registry audit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("file", "", "registry file to audit (default: the one embedded in this binary)")
	confirmations := fs.String("confirmations", "", "JSON array of operator confirmations to apply before auditing")
	stored := fs.Bool("stored", false, "apply the confirmations admins stored in the database (DATABASE_URL, bot of TELEGRAM_BOT_TOKEN)")
	if fs.Parse(args) != nil {
		return exitConfig
	}
	data, name := pricing.EmbeddedFile(), "embedded registry"
	if *file != "" {
		b, err := os.ReadFile(*file)
		if err != nil {
			fmt.Fprintf(stderr, "kiebot registry audit: %v\n", err)
			return exitFail
		}
		data, name = b, *file
	}
	f, err := pricing.DecodeFile(data)
	if err != nil {
		fmt.Fprintf(stderr, "kiebot registry audit: %s: %v\n", name, err)
		return exitFail
	}
	if *confirmations != "" {
		if f, err = applyConfirmations(f, *confirmations, stdout); err != nil {
			fmt.Fprintf(stderr, "kiebot registry audit: %v\n", err)
			return exitFail
		}
		name += " with " + *confirmations
	}
	if *stored {
		cs, err := storedConfirmations(ctx, env, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "kiebot registry audit: %v\n", err)
			return exitFail
		}
		if f, err = overlay(f, cs, stdout); err != nil {
			fmt.Fprintf(stderr, "kiebot registry audit: %v\n", err)
			return exitFail
		}
		name += fmt.Sprintf(" with %d stored confirmation(s)", len(cs))
	}
	fmt.Fprintf(stdout, "%s:\n", name)
	printSummary(stdout, f)
	defects := pricing.Audit(f)
	if len(defects) == 0 {
		fmt.Fprintln(stdout, "no defects")
		return exitOK
	}
	fmt.Fprintf(stdout, "%d defect(s):\n", len(defects))
	for _, d := range defects {
		fmt.Fprintf(stdout, "  %s\n", d)
	}
	return exitFail
}

// applyConfirmations applies a file of operator confirmations over f and
// reports what each did.
func applyConfirmations(f pricing.RegistryFile, path string, w io.Writer) (pricing.RegistryFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return f, err
	}
	cs, err := pricing.DecodeConfirmations(data)
	if err != nil {
		return f, fmt.Errorf("%s: %w", path, err)
	}
	return overlay(f, cs, w)
}

// overlay applies confirmations over f and reports what each did.
func overlay(f pricing.RegistryFile, cs []pricing.Confirmation, w io.Writer) (pricing.RegistryFile, error) {
	reg, err := pricing.New(f)
	if err != nil {
		return f, err
	}
	out, rep := reg.WithConfirmations(cs)
	fmt.Fprintf(w, "confirmations: %d applied, %d superseded by a newer one, %d rejected\n", len(rep.Applied), len(rep.Superseded), len(rep.Rejected))
	for _, e := range rep.Rejected {
		fmt.Fprintf(w, "  rejected: %v\n", e)
	}
	return out.File(), nil
}

// storedConfirmations reads the confirmations admins made in the console
// from the database of DATABASE_URL (unset: the embedded one in DATA_DIR),
// for the bot of TELEGRAM_BOT_TOKEN.
func storedConfirmations(ctx context.Context, env func(string) (string, bool), stderr io.Writer) ([]pricing.Confirmation, error) {
	lookup := func(k string) string {
		v, _ := env(k)
		return strings.TrimSpace(v)
	}
	id, _, _ := strings.Cut(lookup("TELEGRAM_BOT_TOKEN"), ":")
	botID, err := strconv.ParseInt(id, 10, 64)
	if err != nil || botID <= 0 {
		return nil, errors.New("-stored needs TELEGRAM_BOT_TOKEN (its numeric prefix names the bot)")
	}
	cfg := Config{DatabaseURL: lookup("DATABASE_URL"), DataDir: cmpOrString(lookup("DATA_DIR"), "./var"), InstanceName: "registry-audit"}
	log, err := logging.New(stderr, logging.Options{Format: "text", Level: "warn", Secrets: cfg.secrets()})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	db, err := openDatabase(ctx, cfg, log)
	if err != nil {
		return nil, fmt.Errorf("open the database: %w", err)
	}
	defer db.close()
	rows, err := store.New(db.pool, botID).PriceConfirmations(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]pricing.Confirmation, len(rows))
	for i, r := range rows {
		out[i] = shop.ToConfirmation(r)
	}
	return out, nil
}

// printSummary prints enabled and disabled counts, each disabled model with
// its reason, where every price comes from, and the recorded removals and
// conflicts.
func printSummary(w io.Writer, f pricing.RegistryFile) {
	s := pricing.Summarize(f)
	fmt.Fprintf(w, "models: %d enabled, %d disabled\n", s.Enabled, s.Disabled)
	var cats []string
	for _, c := range pricing.Categories() {
		cats = append(cats, fmt.Sprintf("%s %d", c, s.ByCategory[c]))
	}
	fmt.Fprintf(w, "  on sale by category: %s\n", strings.Join(cats, ", "))
	fmt.Fprintf(w, "prices on sale: %d from Kie's official table, %d confirmed by an operator\n", s.OfficialModes, len(s.OperatorPrices))
	for _, p := range s.OperatorPrices {
		label := p.Label
		if label == "" {
			label = "(the only price)"
		}
		fmt.Fprintf(w, "  %s %s: %s credits per %s, confirmed by %s on %s from %s\n", p.Model, label, p.Credits, p.Unit, p.By, p.At, p.Source)
	}
	codes := make([]string, 0, len(s.ByReason))
	for c := range s.ByReason {
		codes = append(codes, string(c))
	}
	slices.Sort(codes)
	reasons := map[string]string{}
	for _, m := range f.Models {
		if m.Disabled != nil {
			reasons[m.ID] = m.Disabled.Reason
		}
	}
	for _, c := range codes {
		ids := s.ByReason[pricing.DisabledCode(c)]
		fmt.Fprintf(w, "  disabled (%s): %d\n", c, len(ids))
		for _, id := range ids {
			fmt.Fprintf(w, "    %s: %s\n", id, reasons[id])
		}
	}
	fmt.Fprintf(w, "options removed for lack of a price: %d\n", s.RemovedOptions)
	for _, m := range f.Models {
		if !m.Enabled {
			continue
		}
		for _, r := range m.RemovedOptions {
			fmt.Fprintf(w, "  %s: %s=%s (%s)\n", m.ID, r.Field, r.Value, r.Reason)
		}
	}
	fmt.Fprintf(w, "conflicting duplicate prices (higher kept): %d\n", s.PriceConflicts)
	for _, m := range f.Models {
		if !m.Enabled {
			continue
		}
		for _, c := range m.PriceConflicts {
			fmt.Fprintf(w, "  %s: %s listed at %v, kept %s\n", m.ID, c.Mode, c.Credits, c.Kept)
		}
	}
}

// registryPropose turns a `registry sync` file's prose prices into proposed
// confirmations for the models the embedded registry cannot price, for a
// person to review, sign and store. It never changes a registry.
func registryPropose(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("registry propose", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("file", defaultSyncOut, "registry file written by `kiebot registry sync`")
	out := fs.String("out", "", "also write the proposals as JSON to this new file")
	if fs.Parse(args) != nil {
		return exitConfig
	}
	data, err := os.ReadFile(*file)
	if err == nil {
		var synced pricing.RegistryFile
		if synced, err = pricing.DecodeFile(data); err == nil {
			var base *pricing.Registry
			if base, err = pricing.Load(); err == nil {
				ps := pricing.ProposeConfirmations(base, synced)
				printProposals(stdout, ps)
				if *out != "" {
					var b []byte
					if b, err = json.MarshalIndent(ps, "", "  "); err == nil {
						err = writeNew(*out, append(b, '\n'), false)
					}
				}
			}
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "kiebot registry propose: %v\n", err)
		return exitFail
	}
	return exitOK
}

func printProposals(w io.Writer, ps []pricing.Proposal) {
	fmt.Fprintf(w, "%d proposed confirmation(s); none is applied until a person signs and stores it\n", len(ps))
	for _, p := range ps {
		c := p.Confirmation
		opt := c.OptionKey()
		if opt != "" {
			opt = " [" + opt + "]"
		}
		fmt.Fprintf(w, "  %s%s: %s credits per %s, read from %q\n", c.ModelID, opt, c.CreditsPerUnit, c.Unit, p.Reading)
		for _, d := range p.Doubts {
			fmt.Fprintf(w, "    doubt: %s\n", d)
		}
		if p.Problem != nil {
			fmt.Fprintf(w, "    would be refused: %v\n", p.Problem)
		}
	}
}

func registrySync(ctx context.Context, args []string, env func(string) (string, bool), stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("registry sync", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", defaultSyncOut, "file to write (must not exist unless -force)")
	curationPath := fs.String("curation", filepath.Join(registrySourceDir, pricing.SourceCuration), "curation to reuse names and categories from (empty: none)")
	force := fs.Bool("force", false, "overwrite -out if it exists, even the shipped registry")
	if fs.Parse(args) != nil {
		return exitConfig
	}
	if !*force && sameFile(*out, shippedRegistry) {
		fmt.Fprintf(stderr, "kiebot registry sync: refusing to overwrite the shipped %s; review the sync output and rebuild from pricing/source instead (or pass -force)\n", shippedRegistry)
		return exitConfig
	}
	if _, err := os.Stat(*out); err == nil && !*force {
		// Checked up front too: a sync takes minutes at Kie's 1 request/s.
		fmt.Fprintf(stderr, "kiebot registry sync: %s exists; choose another -out or pass -force\n", *out)
		return exitConfig
	}
	key, _ := env("KIE_API_KEY")
	if strings.TrimSpace(key) == "" {
		fmt.Fprintln(stderr, "kiebot registry sync: KIE_API_KEY is not set")
		return exitConfig
	}
	base, _ := env("KIE_BASE_URL")
	client, err := kie.New(kie.Config{APIKey: key, BaseURL: base})
	if err != nil {
		fmt.Fprintf(stderr, "kiebot registry sync: %v\n", err)
		return exitConfig
	}
	var cur []byte
	if *curationPath != "" {
		if cur, err = os.ReadFile(*curationPath); err != nil {
			fmt.Fprintf(stderr, "kiebot registry sync: %v\n", err)
			return exitFail
		}
	}
	f, err := pricing.Sync(ctx, kieCatalogue{client}, pricing.SyncOptions{Curation: cur})
	if err != nil {
		fmt.Fprintf(stderr, "kiebot registry sync: %v\n", err)
		return exitFail
	}
	data, err := f.Encode()
	if err == nil {
		err = writeNew(*out, data, *force)
	}
	if err != nil {
		fmt.Fprintf(stderr, "kiebot registry sync: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stdout, "wrote %s for review (the shipped registry is unchanged)\n", *out)
	printSummary(stdout, f)
	if d := pricing.Audit(f); len(d) > 0 {
		fmt.Fprintf(stdout, "%d audit defect(s) to resolve before any of it ships (run: kiebot registry audit -file %s)\n", len(d), *out)
	}
	return exitOK
}

// kieCatalogue adapts the kie client to pricing.CatalogueSource. The client
// paces catalogue calls to Kie's 1 request/s itself.
type kieCatalogue struct{ c *kie.Client }

func (k kieCatalogue) ListModels(ctx context.Context) ([]pricing.CatalogueModel, error) {
	ms, err := k.c.ListModels(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]pricing.CatalogueModel, 0, len(ms))
	for _, m := range ms {
		out = append(out, pricing.CatalogueModel{
			ID: m.Model, Title: m.Title, Provider: m.Provider, TaskTypes: m.TaskTypes,
			Description: m.Description, PricingDesc: m.PricingDesc,
		})
	}
	return out, nil
}

func (k kieCatalogue) ModelSchema(ctx context.Context, id string) (json.RawMessage, error) {
	s, err := k.c.ModelSchema(ctx, id)
	return s.OpenAPI, err
}

func (k kieCatalogue) ModelPrice(ctx context.Context, id string) (string, error) {
	p, err := k.c.ModelPrice(ctx, id)
	return p.PricingDesc, err
}

func sameFile(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}

// writeNew writes a file that must not exist yet (unless force).
func writeNew(path string, data []byte, force bool) error {
	if force {
		return writeFileAtomic(path, data)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%s exists; choose another -out or pass -force", path)
		}
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writeFileAtomic replaces path via a temporary file and rename, so a
// failed write never leaves a half-written registry behind.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".registry-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// runPrices runs `kiebot prices`: the user price list at the configured
// rates. Without USD_RUB_RATE it prints why nothing can be priced and exits
// non-zero.
func runPrices(_ context.Context, args []string, env func(string) (string, bool), stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("prices", flag.ContinueOnError)
	fs.SetOutput(stderr)
	lang := fs.String("lang", "ru", "language of model names (ru or en)")
	all := fs.Bool("modes", false, "list every price mode, not only the cheapest")
	if fs.Parse(args) != nil {
		return exitConfig
	}
	get := func(k string) string { v, _ := env(k); return strings.TrimSpace(v) }
	cfg := pricing.Config{
		KieCreditUSD: get("KIE_CREDIT_USD"),
		USDRUBRate:   get("USD_RUB_RATE"),
		Markup:       get("PRICING_MARKUP"),
	}
	cfg.FreeTierCount = pricing.DefaultFreeTierCount
	if s := get("FREE_TIER_COUNT"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			fmt.Fprintf(stderr, "kiebot prices: FREE_TIER_COUNT %q is not a whole number ≥ 0\n", s)
			return exitConfig
		}
		cfg.FreeTierCount = n
	}
	reg, err := pricing.Load()
	if err != nil {
		fmt.Fprintf(stderr, "kiebot prices: %v\n", err)
		return exitFail
	}
	p, err := pricing.NewPricer(reg, cfg)
	if err == nil {
		err = p.Ready()
	}
	if err != nil {
		fmt.Fprintf(stderr, "kiebot prices: %v\n", err)
		return exitConfig
	}
	r := p.Rates()
	fmt.Fprintf(stdout, "1 credit = $%s · $1 = %s ₽ · markup × %s · free tier: %d model(s)\n\n",
		r.KieCreditUSD, r.USDRUBRate, r.Markup, r.FreeTierCount)
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	for _, cc := range reg.Categories() {
		fmt.Fprintf(tw, "%s (%d)\t\t\t\n", cc.Category.Label().In(*lang), cc.Count)
		for _, m := range reg.ByCategory(cc.Category) {
			qs, err := p.ModeQuotes(m.ID())
			if err != nil {
				fmt.Fprintf(stderr, "kiebot prices: %v\n", err)
				return exitFail
			}
			free := ""
			if p.IsFree(m.ID()) {
				free = "  free tier"
			}
			fmt.Fprintf(tw, "  %s\t%s\tfrom %s\t%s credits%s\n", m.Name(*lang), m.ID(), pricing.FormatRUB(qs[0].Kopecks), qs[0].Credits, free)
			if *all {
				for _, q := range qs {
					fmt.Fprintf(tw, "  \t  %s\t%s\t%s credits\n", q.Mode.Label, pricing.FormatRUB(q.Kopecks), q.Credits)
				}
			}
		}
	}
	if err := tw.Flush(); err != nil {
		fmt.Fprintf(stderr, "kiebot prices: %v\n", err)
		return exitFail
	}
	return exitOK
}
