package receipt

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

var (
	// ErrNoTesseract: the tesseract binary is not installed (or does not run).
	ErrNoTesseract = errors.New("tesseract is not installed")
	// ErrNoLanguage: tesseract lacks the language data receipts need.
	ErrNoLanguage = errors.New("tesseract lacks language data")
	// ErrNoPDF: pdftoppm (poppler-utils) is not installed, so PDF receipts
	// cannot be read.
	ErrNoPDF = errors.New("pdftoppm is not installed")
	// ErrOutputTooLarge: a subprocess wrote more than it is allowed to.
	ErrOutputTooLarge = errors.New("output too large")
)

// Capabilities is what Detect found on the machine.
type Capabilities struct {
	Tesseract string   // the binary's path; "" when not found
	Version   string   // its first --version line, e.g. "tesseract 5.3.0"
	Languages []string // what --list-langs printed
	Pdftoppm  string   // the binary's path; "" when not found
	// OCRErr says why OCR is off (wrapping ErrNoTesseract or
	// ErrNoLanguage); nil when it works.
	OCRErr error
}

// OCR reports whether receipts can be read at all.
func (c Capabilities) OCR() bool { return c.OCRErr == nil }

// PDF reports whether PDF receipts can be read.
func (c Capabilities) PDF() bool { return c.OCR() && c.Pdftoppm != "" }

// Detect looks for tesseract with the configured languages and for
// pdftoppm. It runs `tesseract --version` and `tesseract --list-langs`,
// each bounded by the configured timeout. Absent tools are not an error:
// they are reported in the result, for the bot to say at start that
// receipts go to admins unchecked.
func Detect(ctx context.Context, cfg Config) Capabilities {
	cfg = cfg.withDefaults()
	var c Capabilities
	if p, err := exec.LookPath(cfg.Pdftoppm); err == nil {
		c.Pdftoppm = p
	}
	p, err := exec.LookPath(cfg.Tesseract)
	if err != nil {
		c.OCRErr = fmt.Errorf("%w: %v", ErrNoTesseract, err)
		return c
	}
	c.Tesseract = p
	out, _, err := runTool(ctx, cfg.Timeout, 64<<10, p, nil, "--version")
	if err != nil {
		c.OCRErr = fmt.Errorf("%w: %s --version: %v", ErrNoTesseract, p, err)
		return c
	}
	c.Version, _, _ = strings.Cut(strings.TrimSpace(string(out)), "\n")
	out, errOut, err := runTool(ctx, cfg.Timeout, 64<<10, p, nil, "--list-langs")
	if err != nil {
		c.OCRErr = fmt.Errorf("%w: %s --list-langs: %v", ErrNoTesseract, p, err)
		return c
	}
	// tesseract 4 lists the languages on stderr, 5 on stdout.
	c.Languages = parseLangs(append(out, errOut...))
	var lack []string
	for _, l := range strings.Split(cfg.Languages, "+") {
		if !slices.Contains(c.Languages, l) {
			lack = append(lack, l)
		}
	}
	if len(lack) > 0 {
		c.OCRErr = fmt.Errorf("%w: %s has %v, needs %s (apt-get install tesseract-ocr-%s)", ErrNoLanguage, p, c.Languages, strings.Join(lack, ", "), strings.Join(lack, " tesseract-ocr-"))
	}
	return c
}

// parseLangs reads `tesseract --list-langs`: a header line, then one
// language per line.
func parseLangs(out []byte) []string {
	var langs []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.Contains(l, " ") || strings.HasSuffix(l, ":") {
			continue
		}
		langs = append(langs, l)
	}
	return langs
}

// runTool runs one external program bounded in time and output: the
// process is killed when the timeout passes or ctx ends, and when stdout
// grows past maxOut. It returns stdout and the first few KiB of stderr.
// Tesseract's OpenMP is held to one thread: the concurrency limit counts
// processes, and two processes each starting a thread per core on a
// two-core box would fight each other.
func runTool(ctx context.Context, timeout time.Duration, maxOut int, name string, stdin []byte, args ...string) (stdout, stderr []byte, err error) {
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, fmt.Errorf("%s ran over %v: %w", name, timeout, context.DeadlineExceeded))
	defer cancel()
	killed, kill := context.WithCancelCause(ctx)
	defer kill(nil)
	cmd := exec.CommandContext(killed, name, args...)
	cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	out := &boundedBuffer{max: maxOut, overflow: func() {
		kill(fmt.Errorf("%s wrote over %d bytes: %w", name, maxOut, ErrOutputTooLarge))
	}}
	errOut := &boundedBuffer{max: 4 << 10}
	cmd.Stdout, cmd.Stderr = out, errOut
	// A child that keeps the pipes open after being killed must not hold
	// Wait forever.
	cmd.WaitDelay = time.Second
	runErr := cmd.Run()
	switch {
	case out.over:
		return nil, errOut.Bytes(), context.Cause(killed)
	case runErr == nil:
		return out.Bytes(), errOut.Bytes(), nil
	case context.Cause(killed) != nil:
		return nil, errOut.Bytes(), context.Cause(killed)
	}
	if msg := strings.TrimSpace(errOut.String()); msg != "" {
		return nil, errOut.Bytes(), fmt.Errorf("%s: %w: %s", name, runErr, msg)
	}
	return nil, errOut.Bytes(), fmt.Errorf("%s: %w", name, runErr)
}

// boundedBuffer keeps the first max bytes written to it. Past that it calls
// overflow (once) and discards the rest. It has no ReadFrom, on purpose:
// io.Copy would use a bytes.Buffer's and never call Write.
type boundedBuffer struct {
	buf      bytes.Buffer
	max      int
	overflow func()
	over     bool
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.buf.Len(); len(p) > room {
		b.buf.Write(p[:max(0, room)])
		if !b.over && b.overflow != nil {
			b.overflow()
		}
		b.over = true
		return len(p), nil
	}
	return b.buf.Write(p)
}

func (b *boundedBuffer) Bytes() []byte  { return b.buf.Bytes() }
func (b *boundedBuffer) String() string { return b.buf.String() }
