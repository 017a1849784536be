package receipt

import (
	"bytes"
	"context"
	"errors"
	"image"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// These tests stand a shell script in for tesseract, to drive the runner
// through what the real one rarely does: hang, flood, fail, lack a language.

// issuedAt is when the test's payment details were "given"; the receipts
// are dated a few minutes later.
var issuedAt = time.Date(2026, 12, 4, 13, 40, 0, 0, time.FixedZone("MSK", 3*3600))

func expect(amount int64, ref string) Expected {
	return Expected{AmountKopecks: amount, Reference: ref, IssuedAt: issuedAt, MaxAge: 72 * time.Hour}
}

// fakeTesseract writes a tesseract stand-in that answers --version and
// --list-langs like Debian's and runs ocr for a recognition.
func fakeTesseract(t *testing.T, langs, ocr string) string {
	t.Helper()
	dir := t.TempDir()
	script := `#!/bin/sh
case "$1" in
--version) echo "tesseract 5.3.0"; echo " leptonica-1.82.0"; exit 0;;
--list-langs) echo 'List of available languages in "/usr/share/tesseract-ocr/5/tessdata/" (3):'
  for l in ` + langs + `; do echo "$l"; done; exit 0;;
esac
` + ocr + "\n"
	path := filepath.Join(dir, "tesseract")
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func fakeChecker(t *testing.T, cfg Config, ocr string) *Checker {
	t.Helper()
	if cfg.Tesseract == "" {
		cfg.Tesseract = fakeTesseract(t, "eng osd rus", ocr)
	}
	if cfg.Pdftoppm == "" {
		cfg.Pdftoppm = filepath.Join(t.TempDir(), "no-pdftoppm")
	}
	c, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// smallPNG is a plain picture that decodes: what the fakes get to "read".
func smallPNG(t *testing.T) []byte {
	img := image.NewGray(image.Rect(0, 0, 64, 64))
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	return encodePNG(t, img)
}

func TestDetectWithoutTesseract(t *testing.T) {
	caps := Detect(context.Background(), Config{Tesseract: filepath.Join(t.TempDir(), "tesseract")})
	if caps.OCR() || !errors.Is(caps.OCRErr, ErrNoTesseract) {
		t.Fatalf("OCR = %v, err %v; want ErrNoTesseract", caps.OCR(), caps.OCRErr)
	}
	if caps.PDF() {
		t.Fatal("PDF reading claimed without OCR")
	}
	if n := caps.StartupNotice(RU); !strings.Contains(n, "чеки уходят админам без проверки") {
		t.Fatalf("startup notice %q", n)
	}
}

func TestDetectWithoutRussian(t *testing.T) {
	caps := Detect(context.Background(), Config{Tesseract: fakeTesseract(t, "eng osd", "")})
	if !errors.Is(caps.OCRErr, ErrNoLanguage) || !strings.Contains(caps.OCRErr.Error(), "tesseract-ocr-rus") {
		t.Fatalf("err %v; want ErrNoLanguage naming tesseract-ocr-rus", caps.OCRErr)
	}
	if caps.Tesseract == "" || caps.Version != "tesseract 5.3.0" {
		t.Fatalf("caps %+v", caps)
	}
}

func TestDetectFindsTesseractAndPdftoppm(t *testing.T) {
	pdftoppm := filepath.Join(t.TempDir(), "pdftoppm")
	if err := os.WriteFile(pdftoppm, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	caps := Detect(context.Background(), Config{Tesseract: fakeTesseract(t, "eng osd rus", ""), Pdftoppm: pdftoppm})
	if !caps.OCR() || !caps.PDF() || caps.Pdftoppm != pdftoppm {
		t.Fatalf("caps %+v", caps)
	}
	if strings.Join(caps.Languages, " ") != "eng osd rus" {
		t.Fatalf("languages %q", caps.Languages)
	}
	if n := caps.StartupNotice(EN); n != "" {
		t.Fatalf("startup notice %q with everything installed", n)
	}
	caps.Pdftoppm = ""
	if n := caps.StartupNotice(EN); !strings.Contains(n, "PDF receipts go to admins unchecked") {
		t.Fatalf("startup notice %q without pdftoppm", n)
	}
}

// tesseract 4 lists its languages on stderr.
func TestDetectReadsLanguagesFromStderr(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tesseract")
	script := "#!/bin/sh\ncase \"$1\" in\n--version) echo 'tesseract 4.1.1' >&2;;\n--list-langs) printf 'List of available languages (2):\\neng\\nrus\\n' >&2;;\nesac\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	if caps := Detect(context.Background(), Config{Tesseract: path}); !caps.OCR() {
		t.Fatalf("err %v", caps.OCRErr)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for _, cfg := range []Config{{Timeout: -time.Second}, {Concurrency: -1}, {MaxInputBytes: -1}, {PSM: 14}, {Languages: "-c foo"}} {
		if _, err := New(context.Background(), cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}

// What the checker hands tesseract: our PNG on stdin, the languages and
// page mode asked for, OpenMP held to one thread; and what it makes of
// the text that comes back.
func TestCheckRunsTesseractAsConfigured(t *testing.T) {
	dir := t.TempDir()
	c := fakeChecker(t, Config{Languages: "rus+eng", PSM: 6, Now: func() time.Time { return issuedAt.Add(time.Hour) }},
		`echo "$@" > `+dir+`/args; echo "$OMP_THREAD_LIMIT" > `+dir+`/omp; cat > `+dir+`/stdin
printf 'Сумма 1 500,00 ₽\n04.12.2026 13:45\nСообщение: KB-7F3K23\n'`)
	r := c.Check(context.Background(), expect(150000, "KB-7F3K23"), bytes.NewReader(encodeJPEG(t, image.NewGray(image.Rect(0, 0, 300, 200)), 90)))
	if r.Status != Checked || !r.Consistent() {
		t.Fatalf("status %d err %v\n%s", r.Status, r.Err, r.HTML(EN))
	}
	args, _ := os.ReadFile(filepath.Join(dir, "args"))
	if got := strings.TrimSpace(string(args)); got != "- - -l rus+eng --psm 6 --dpi 300" {
		t.Errorf("tesseract args %q", got)
	}
	if omp, _ := os.ReadFile(filepath.Join(dir, "omp")); strings.TrimSpace(string(omp)) != "1" {
		t.Errorf("OMP_THREAD_LIMIT=%q", omp)
	}
	stdin, _ := os.ReadFile(filepath.Join(dir, "stdin"))
	if Sniff(stdin) != FormatPNG {
		t.Errorf("tesseract got %q on stdin, not our PNG", Sniff(stdin))
	}
	if r.Format != FormatJPEG || !r.Fingerprint.HasDHash || r.Fingerprint.AmountKopecks != 150000 || r.Fingerprint.PaidAt.IsZero() {
		t.Errorf("report %+v", r)
	}
}

func TestCheckTimesOut(t *testing.T) {
	c := fakeChecker(t, Config{Timeout: 300 * time.Millisecond}, "exec sleep 60")
	start := time.Now()
	r := c.Check(context.Background(), Expected{}, bytes.NewReader(smallPNG(t)))
	if r.Status != TimedOut || !errors.Is(r.Err, context.DeadlineExceeded) {
		t.Fatalf("status %d err %v, want TimedOut", r.Status, r.Err)
	}
	// Generous: the point is that it did not wait the minute out.
	if el := time.Since(start); el > 20*time.Second {
		t.Fatalf("a 300 ms timeout took %v", el)
	}
	if l := r.HTML(RU); !strings.Contains(l, "не уложился в 0.3") {
		t.Fatalf("findings %q", l)
	}
}

func TestCheckKillsAFloodingTool(t *testing.T) {
	c := fakeChecker(t, Config{MaxTextBytes: 4096, Timeout: time.Minute}, "exec yes 'Сумма 1 500 ₽'")
	start := time.Now()
	r := c.Check(context.Background(), Expected{}, bytes.NewReader(smallPNG(t)))
	if r.Status != Failed || !errors.Is(r.Err, ErrOutputTooLarge) {
		t.Fatalf("status %d err %v, want Failed with ErrOutputTooLarge", r.Status, r.Err)
	}
	if el := time.Since(start); el > 30*time.Second {
		t.Fatalf("killing the flood took %v: it waited for the timeout", el)
	}
}

func TestCheckReportsAFailingTool(t *testing.T) {
	c := fakeChecker(t, Config{}, "echo 'Error in pixReadMem: boom' >&2; exit 1")
	r := c.Check(context.Background(), Expected{}, bytes.NewReader(smallPNG(t)))
	if r.Status != Failed || r.Err == nil || !strings.Contains(r.Err.Error(), "boom") {
		t.Fatalf("status %d err %v, want Failed with tesseract's stderr", r.Status, r.Err)
	}
	if !r.Fingerprint.HasDHash || r.Fingerprint.SHA256 == ([32]byte{}) {
		t.Fatal("a failed OCR lost the fingerprint")
	}
}

func TestCheckWithoutTesseractStillFingerprints(t *testing.T) {
	c := fakeChecker(t, Config{Tesseract: filepath.Join(t.TempDir(), "none")}, "")
	r := c.Check(context.Background(), expect(150000, "KB-7F3K23"), bytes.NewReader(smallPNG(t)))
	if r.Status != NoOCR || !errors.Is(r.Err, ErrNoTesseract) || !r.Fingerprint.HasDHash {
		t.Fatalf("status %d err %v hash %v", r.Status, r.Err, r.Fingerprint.HasDHash)
	}
	if l := r.HTML(RU); l != "Чек не проверен: OCR не установлен" {
		t.Fatalf("findings %q", l)
	}
}

func TestCheckPDFWithoutPdftoppm(t *testing.T) {
	c := fakeChecker(t, Config{}, "echo should-not-run")
	r := c.Check(context.Background(), expect(150000, "KB-7F3K23"), bytes.NewReader([]byte("%PDF-1.4\n%%EOF\n")))
	if r.Status != NoPDFReader || !errors.Is(r.Err, ErrNoPDF) || r.Format != FormatPDF {
		t.Fatalf("status %d err %v format %q", r.Status, r.Err, r.Format)
	}
	if r.Fingerprint.SHA256 == ([32]byte{}) {
		t.Fatal("no SHA-256 for the PDF")
	}
	if l := r.HTML(RU); !strings.Contains(l, "PDF не прочитать") {
		t.Fatalf("findings %q", l)
	}
}

// countingReader is an endless stream that counts what was taken from it.
type countingReader struct{ n int64 }

func (c *countingReader) Read(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestCheckFileProblems(t *testing.T) {
	c := fakeChecker(t, Config{MaxInputBytes: 1 << 20}, "echo should-not-run; exit 3")
	endless := &countingReader{}
	for _, tc := range []struct {
		name string
		r    io.Reader
		want Status
		line string
	}{
		{"too large", endless, TooLarge, "файл больше 1\u00a0МБ"},
		{"text file", strings.NewReader("Сумма 1 500 ₽ — честно"), Unsupported, "нужен PNG, JPEG, WebP или PDF"},
		{"empty", strings.NewReader(""), Unsupported, "нужен PNG"},
		{"broken png", bytes.NewReader(pngHeader(800, 600)), BadImage, "картинка не читается"},
		{"huge png", bytes.NewReader(pngHeader(60000, 60000)), BadImage, "картинка не читается"},
		{"read error", errReader{}, ReadFailed, "файл не прочитан"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.Check(context.Background(), expect(150000, "KB-7F3K23"), tc.r)
			if r.Status != tc.want || r.Err == nil {
				t.Fatalf("status %d err %v, want %d", r.Status, r.Err, tc.want)
			}
			if l := r.HTML(RU); !strings.Contains(l, tc.line) {
				t.Fatalf("findings %q, want %q", l, tc.line)
			}
			if r.Consistent() {
				t.Fatal("consistent without OCR")
			}
		})
	}
	if endless.n > 1<<20+64<<10 {
		t.Fatalf("read %d bytes of an endless file with a 1 MiB limit", endless.n)
	}
}

// A Check whose ctx ends while every slot is busy gives up without
// starting anything; a freed slot lets the next one in; and no more than
// Concurrency subprocesses ever run at once.
func TestCheckLimitsConcurrency(t *testing.T) {
	const limit = 2
	c := fakeChecker(t, Config{Concurrency: limit}, "")
	var (
		mu            sync.Mutex
		running, peak int
		calls         int
	)
	entered := make(chan struct{})
	release := make(chan struct{})
	c.run = func(ctx context.Context, _ time.Duration, _ int, _ string, _ []byte, _ ...string) ([]byte, []byte, error) {
		mu.Lock()
		running++
		calls++
		peak = max(peak, running)
		mu.Unlock()
		defer func() {
			mu.Lock()
			running--
			mu.Unlock()
		}()
		// A call that should never have got here (its ctx is done) is
		// counted and let go, so a broken limit fails the test, not hangs it.
		select {
		case entered <- struct{}{}:
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		}
		select {
		case <-release:
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		}
		return []byte("Сумма 1 500 ₽"), nil, nil
	}
	data := smallPNG(t)
	results := make(chan Report, 8)
	check := func(ctx context.Context) {
		results <- c.Check(ctx, Expected{}, bytes.NewReader(data))
	}
	wait := func(what string) {
		t.Helper()
		select {
		case <-entered:
		case <-time.After(30 * time.Second):
			t.Fatalf("no Check reached OCR: %s", what)
		}
	}
	for range limit {
		go check(context.Background())
		wait("filling the slots")
	}
	// Every slot is taken. A Check whose ctx is already done must not get
	// to OCR; without the limit it would, and the hook would count it.
	done, cancel := context.WithCancel(context.Background())
	cancel()
	for range 3 {
		check(done)
		if r := <-results; r.Status != Canceled || !errors.Is(r.Err, context.Canceled) {
			t.Fatalf("status %d err %v, want Canceled while the slots are full", r.Status, r.Err)
		}
	}
	// One more waits with a live ctx, and gets in when a slot frees.
	go check(context.Background())
	release <- struct{}{}
	if r := <-results; r.Status != Checked {
		t.Fatalf("first Check: status %d err %v", r.Status, r.Err)
	}
	wait("after a slot was freed")
	release <- struct{}{}
	release <- struct{}{}
	for range 2 {
		if r := <-results; r.Status != Checked {
			t.Fatalf("status %d err %v", r.Status, r.Err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if peak != limit || calls != limit+1 {
		t.Fatalf("peak %d running at once (limit %d), %d OCR calls (want %d)", peak, limit, calls, limit+1)
	}
}

// io.Copy, which is what os/exec feeds a non-file Stdout with, must go
// through the bound (a bytes.Buffer's ReadFrom would bypass it).
func TestBoundedBufferHoldsUnderIOCopy(t *testing.T) {
	overflowed := 0
	b := &boundedBuffer{max: 1000, overflow: func() { overflowed++ }}
	if _, err := io.Copy(b, io.LimitReader(&countingReader{}, 1<<20)); err != nil {
		t.Fatal(err)
	}
	if len(b.Bytes()) != 1000 || overflowed != 1 || !b.over {
		t.Fatalf("kept %d bytes, overflow called %d times", len(b.Bytes()), overflowed)
	}
}
