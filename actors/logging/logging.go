// Package logging builds kiebot's slog loggers. Every logger it returns writes
// through a Redactor, so the bot token, the Kie key, the webhook secret and
// the database password never reach a log line, whatever a caller logs: an
// error that embeds a request URL, a struct printed with %v, a JSON body.
package logging

import (
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"sync"
)

// Options configures New.
type Options struct {
	// Format is "json" (the default) or "text".
	Format string
	// Level is "debug", "info" (the default), "warn" or "error".
	Level string
	// Secrets are masked in every line. Empty strings are ignored.
	Secrets []string
}

// New returns a logger writing to w through a Redactor for opts.Secrets.
func New(w io.Writer, opts Options) (*slog.Logger, error) {
	level, err := ParseLevel(opts.Level)
	if err != nil {
		return nil, err
	}
	out := NewRedactor(w, opts.Secrets...)
	ho := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(cmpOr(opts.Format, "json")) {
	case "json":
		return slog.New(slog.NewJSONHandler(out, ho)), nil
	case "text":
		return slog.New(slog.NewTextHandler(out, ho)), nil
	default:
		return nil, fmt.Errorf("log format %q: want json or text", opts.Format)
	}
}

// ParseLevel maps a LOG_LEVEL value to a slog level; empty means info.
func ParseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "info":
		return slog.LevelInfo, nil
	case "debug":
		return slog.LevelDebug, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	default:
		return 0, fmt.Errorf("log level %q: want debug, info, warn or error", s)
	}
}

// Mask shows a secret as its first and last four characters ("7123...TEST"),
// or "***" when it is shorter than eight characters, so an operator can tell
// which value is configured without the value being disclosed.
func Mask(secret string) string {
	if secret == "" {
		return ""
	}
	if len(secret) < 8 {
		return "***"
	}
	return secret[:4] + "..." + secret[len(secret)-4:]
}

// Redactor is an io.Writer that replaces every configured secret in what it
// writes. slog handlers emit one Write per record, so a secret is never split
// across calls. Besides the raw value it matches the forms a secret takes
// inside JSON strings and URLs (query and path escaping), which is how a
// password or token usually sneaks into an error message.
type Redactor struct {
	mu       sync.Mutex // serialises writes to w
	w        io.Writer
	replacer *strings.Replacer
}

// NewRedactor returns a Redactor writing to w.
func NewRedactor(w io.Writer, secrets ...string) *Redactor {
	var pairs []string
	seen := map[string]bool{}
	for _, s := range secrets {
		if len(s) < 4 { // too short to redact without mangling ordinary text
			continue
		}
		masked := Mask(s)
		for _, form := range secretForms(s) {
			if form == "" || seen[form] {
				continue
			}
			seen[form] = true
			pairs = append(pairs, form, masked)
		}
	}
	r := &Redactor{w: w}
	if len(pairs) > 0 {
		r.replacer = strings.NewReplacer(pairs...)
	}
	return r
}

func secretForms(s string) []string {
	forms := []string{s, url.QueryEscape(s), url.PathEscape(s), jsonEscape(s)}
	return forms
}

// jsonEscape returns s as it appears inside a JSON string literal.
func jsonEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

// Write redacts p and writes it in one call. It reports len(p) on success so
// callers are not confused by the masked line having another length.
func (r *Redactor) Write(p []byte) (int, error) {
	out := p
	if r.replacer != nil {
		out = []byte(r.replacer.Replace(string(p)))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := r.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
