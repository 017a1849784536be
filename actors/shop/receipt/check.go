package receipt

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"image"
	"io"
	"strings"
	"time"
)

// Config sets the checker's tools and limits. Zero fields take the defaults.
type Config struct {
	Tesseract string // binary name or path; default "tesseract"
	Pdftoppm  string // binary name or path; default "pdftoppm"
	Languages string // tesseract -l; default "rus+eng"
	// PSM is tesseract's page segmentation mode; default 4, "a single
	// column of text of variable sizes": it keeps a receipt's label and
	// value ("Сумма … 1 500,00 ₽") on one line.
	PSM int
	// Timeout bounds each subprocess (tesseract, pdftoppm); default 20 s.
	// A receipt screen takes about a second.
	Timeout time.Duration
	// Concurrency is how many receipts are decoded and read at once;
	// default 2. More wait for a slot, as long as their ctx allows.
	Concurrency int
	// MaxInputBytes bounds a receipt file; default 10 MiB. Larger files
	// are not read at all.
	MaxInputBytes int64
	// MaxTextBytes bounds tesseract's output; default 256 KiB (a receipt
	// is a few KiB of text).
	MaxTextBytes int
	// Now is the clock for the age checks; default time.Now.
	Now func() time.Time
}

// Defaults.
const (
	DefaultTimeout       = 20 * time.Second
	DefaultConcurrency   = 2
	DefaultMaxInputBytes = 10 << 20
	DefaultMaxTextBytes  = 256 << 10
	DefaultPSM           = 4
	DefaultLanguages     = "rus+eng"
	// maxPageBytes bounds the PNG pdftoppm renders a PDF page into.
	maxPageBytes = 32 << 20
	// pdfPageSide is the long side, in pixels, of a rendered PDF page:
	// an A4 receipt at about 240 dpi, whatever size the PDF claims.
	pdfPageSide = 2000
	// clockSkew is how far the payer's clock and ours may disagree.
	clockSkew = 5 * time.Minute
)

func (c Config) withDefaults() Config {
	if c.Tesseract == "" {
		c.Tesseract = "tesseract"
	}
	if c.Pdftoppm == "" {
		c.Pdftoppm = "pdftoppm"
	}
	if c.Languages == "" {
		c.Languages = DefaultLanguages
	}
	if c.PSM == 0 {
		c.PSM = DefaultPSM
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.MaxInputBytes == 0 {
		c.MaxInputBytes = DefaultMaxInputBytes
	}
	if c.MaxTextBytes == 0 {
		c.MaxTextBytes = DefaultMaxTextBytes
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

func (c Config) validate() error {
	var errs []error
	if c.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout %v is negative", c.Timeout))
	}
	if c.Concurrency < 0 {
		errs = append(errs, fmt.Errorf("concurrency %d is negative", c.Concurrency))
	}
	if c.MaxInputBytes < 0 || c.MaxTextBytes < 0 {
		errs = append(errs, fmt.Errorf("size limits %d, %d: negative", c.MaxInputBytes, c.MaxTextBytes))
	}
	if c.PSM < 0 || c.PSM > 13 {
		errs = append(errs, fmt.Errorf("psm %d is not one of tesseract's 0–13", c.PSM))
	}
	if strings.ContainsAny(c.Languages, " \t\n") || strings.HasPrefix(c.Languages, "-") {
		errs = append(errs, fmt.Errorf("languages %q: want names joined by +, e.g. rus+eng", c.Languages))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("receipt: config: %w", err)
	}
	return nil
}

// Checker pre-checks receipts. It is safe for concurrent use; its
// semaphore is what limits the subprocesses.
type Checker struct {
	cfg  Config
	caps Capabilities
	sem  chan struct{}
	// run starts a subprocess; runTool outside tests.
	run func(ctx context.Context, timeout time.Duration, maxOut int, name string, stdin []byte, args ...string) ([]byte, []byte, error)
}

// New detects the tools (see Detect) and returns a checker. It fails only
// on an invalid Config: without tesseract the checker still hashes
// receipts and reports them as not checked, and Capabilities says why.
func New(ctx context.Context, cfg Config) (*Checker, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &Checker{cfg: cfg, caps: Detect(ctx, cfg), sem: make(chan struct{}, cfg.Concurrency), run: runTool}, nil
}

// Capabilities returns what New detected.
func (c *Checker) Capabilities() Capabilities { return c.caps }

// MaxInputBytes is the largest receipt file Check reads; the caller can
// refuse a larger one by its announced size before downloading it.
func (c *Checker) MaxInputBytes() int64 { return c.cfg.MaxInputBytes }

// Expected is what the receipt should show: the details we gave the user.
// Zero fields are not checked.
type Expected struct {
	AmountKopecks int64
	Reference     string        // as NewReference made it
	IssuedAt      time.Time     // when the payment details were shown
	MaxAge        time.Duration // how old a receipt may be
}

// Status says how far the check got.
type Status int

const (
	// Checked: OCR ran; the findings say what it read.
	Checked Status = iota
	// NoOCR: tesseract or its language data is missing.
	NoOCR
	// NoPDFReader: a PDF, and pdftoppm is missing.
	NoPDFReader
	// TimedOut: a subprocess ran over Config.Timeout.
	TimedOut
	// Failed: a subprocess failed or wrote too much.
	Failed
	// Canceled: ctx ended before the check was done.
	Canceled
	// TooLarge: the file is over Config.MaxInputBytes.
	TooLarge
	// Unsupported: not a PNG, JPEG, WebP or PDF.
	Unsupported
	// BadImage: an image header that does not decode into a sensible picture.
	BadImage
	// ReadFailed: reading the file failed.
	ReadFailed
)

// String names the status for logs: "checked", "no_ocr", "timed_out"…
func (s Status) String() string {
	names := [...]string{"checked", "no_ocr", "no_pdf_reader", "timed_out", "failed", "canceled", "too_large", "unsupported", "bad_image", "read_failed"}
	if s >= 0 && int(s) < len(names) {
		return names[s]
	}
	return fmt.Sprintf("status(%d)", int(s))
}

// Report is the outcome of Check. The receipt goes to the admins whatever
// it says: it only helps them decide.
type Report struct {
	Status Status
	// Err is the underlying problem when Status is not Checked, for logs.
	Err    error
	Format Format
	Size   int64 // bytes read (MaxInputBytes+1 for a file over the limit)
	// Fingerprint is for duplicate detection; SHA256 is set whenever the
	// file was read, DHash when its picture decoded.
	Fingerprint Fingerprint
	// Text is what OCR read, and Parsed what was made of it.
	Text   string
	Parsed Parsed

	Expected  Expected
	Amount    AmountFinding
	Date      DateFinding
	Reference ReferenceFinding
	Elapsed   time.Duration

	timeout time.Duration // Config.Timeout, for the TimedOut text
}

// AmountFinding compares the receipt's amount with the expected one.
type AmountFinding struct {
	Found   bool
	Kopecks int64
	Text    string // as OCR read it (not HTML-escaped)
	Match   bool   // equal to Expected.AmountKopecks
}

// DateFinding places the receipt's date against the details' issue time
// and the allowed age. Each flag is raised only when it holds for every
// time zone the printed reading could be in (see Date.Bounds).
type DateFinding struct {
	Found        bool
	Date         Date
	BeforeIssued bool // paid before we gave the details: an old receipt
	TooOld       bool // older than Expected.MaxAge
	InFuture     bool // later than now
}

// ReferenceFinding says whether the expected reference is on the receipt.
type ReferenceFinding struct {
	Found  bool
	Others []string // other valid references on it: someone else's request?
}

// Consistent reports whether OCR ran and everything expected was found
// and agrees: the amount matches, the reference is there, the date is
// read and raises no flag. Admins still decide; this only colours the
// summary.
func (r Report) Consistent() bool {
	if r.Status != Checked {
		return false
	}
	if r.Expected.AmountKopecks != 0 && !r.Amount.Match {
		return false
	}
	if r.Expected.Reference != "" && !r.Reference.Found {
		return false
	}
	d := r.Date
	return d.Found && !d.BeforeIssued && !d.TooOld && !d.InFuture && len(r.Reference.Others) == 0
}

// Check reads one receipt file (at most MaxInputBytes of it), fingerprints
// it, OCRs it and compares what it read with exp. It never loses the
// receipt to an error: every problem becomes the report's Status and Err.
func (c *Checker) Check(ctx context.Context, exp Expected, receipt io.Reader) Report {
	start := time.Now()
	r := Report{Expected: exp, timeout: c.cfg.Timeout}
	r.check(ctx, c, receipt)
	r.Elapsed = time.Since(start)
	return r
}

func (r *Report) check(ctx context.Context, c *Checker, receipt io.Reader) {
	data, err := io.ReadAll(io.LimitReader(receipt, c.cfg.MaxInputBytes+1))
	r.Size = int64(len(data))
	if err != nil {
		r.fail(ReadFailed, fmt.Errorf("receipt: read the file: %w", err))
		return
	}
	if r.Size > c.cfg.MaxInputBytes {
		r.fail(TooLarge, fmt.Errorf("receipt: file over %d bytes", c.cfg.MaxInputBytes))
		return
	}
	r.Fingerprint.SHA256 = sha256.Sum256(data)
	r.Format = Sniff(data)
	if r.Format == FormatUnknown {
		r.fail(Unsupported, fmt.Errorf("receipt: %w", ErrUnsupported))
		return
	}

	// Decoding, rendering and OCR all hold a slot: they are the memory
	// and CPU a flood of receipts would eat.
	if err := context.Cause(ctx); err != nil {
		r.fail(Canceled, fmt.Errorf("receipt: before decoding: %w", err))
		return
	}
	select {
	case c.sem <- struct{}{}:
		defer func() { <-c.sem }()
	case <-ctx.Done():
		r.fail(Canceled, fmt.Errorf("receipt: waiting for an OCR slot: %w", context.Cause(ctx)))
		return
	}

	var page image.Image
	if r.Format == FormatPDF {
		if !c.caps.OCR() {
			r.fail(NoOCR, fmt.Errorf("receipt: %w", c.caps.OCRErr))
			return
		}
		if c.caps.Pdftoppm == "" {
			r.fail(NoPDFReader, fmt.Errorf("receipt: read a PDF: %w", ErrNoPDF))
			return
		}
		png, _, err := c.run(ctx, c.cfg.Timeout, maxPageBytes, c.caps.Pdftoppm, data,
			"-f", "1", "-l", "1", "-singlefile", "-png", "-scale-to", fmt.Sprint(pdfPageSide), "-")
		if err != nil {
			r.failTool(ctx, fmt.Errorf("receipt: render the PDF's first page: %w", err))
			return
		}
		if page, err = decodeImage(png, FormatPNG); err != nil {
			r.fail(Failed, fmt.Errorf("receipt: read the rendered PDF page: %w", err))
			return
		}
	} else if page, err = decodeImage(data, r.Format); err != nil {
		r.fail(BadImage, fmt.Errorf("receipt: %w", err))
		return
	}
	gray := toGray(page)
	lightPage(gray)
	r.Fingerprint.DHash, r.Fingerprint.HasDHash = dhash(gray), true
	if !c.caps.OCR() {
		r.fail(NoOCR, fmt.Errorf("receipt: %w", c.caps.OCRErr))
		return
	}
	pic, err := ocrPicture(gray)
	if err != nil {
		r.fail(Failed, fmt.Errorf("receipt: %w", err))
		return
	}
	text, _, err := c.run(ctx, c.cfg.Timeout, c.cfg.MaxTextBytes, c.caps.Tesseract, pic,
		"-", "-", "-l", c.cfg.Languages, "--psm", fmt.Sprint(c.cfg.PSM), "--dpi", "300")
	if err != nil {
		r.failTool(ctx, fmt.Errorf("receipt: OCR: %w", err))
		return
	}
	r.Status, r.Text = Checked, string(text)
	r.Parsed = Parse(r.Text)
	r.compare(c.cfg.Now(), r.Text)
}

func (r *Report) fail(s Status, err error) { r.Status, r.Err = s, err }

// failTool sorts a subprocess failure into the caller's cancellation, our
// timeout and the rest.
func (r *Report) failTool(ctx context.Context, err error) {
	switch {
	case ctx.Err() != nil:
		r.fail(Canceled, err)
	case errors.Is(err, context.DeadlineExceeded):
		r.fail(TimedOut, err)
	default:
		r.fail(Failed, err)
	}
}

// compare fills the findings from Parsed and Expected.
func (r *Report) compare(now time.Time, text string) {
	p, exp := r.Parsed, r.Expected
	if p.Amount.Kopecks > 0 {
		r.Amount = AmountFinding{Found: true, Kopecks: p.Amount.Kopecks, Text: p.Amount.Text, Match: p.Amount.Kopecks == exp.AmountKopecks}
		r.Fingerprint.AmountKopecks = p.Amount.Kopecks
	}
	if p.Date.Found() {
		d := DateFinding{Found: true, Date: p.Date}
		lo, hi := p.Date.Bounds()
		if !exp.IssuedAt.IsZero() && hi.Add(clockSkew).Before(exp.IssuedAt) {
			d.BeforeIssued = true
		}
		if exp.MaxAge > 0 && now.Sub(hi) > exp.MaxAge+clockSkew {
			d.TooOld = true
		}
		if lo.After(now.Add(clockSkew)) {
			d.InFuture = true
		}
		r.Date = d
		r.Fingerprint.PaidAt = p.Date.Wall
	}
	for _, ref := range p.References {
		if ref == exp.Reference {
			r.Reference.Found = true
		} else {
			r.Reference.Others = append(r.Reference.Others, ref)
		}
	}
	if exp.Reference != "" && !r.Reference.Found {
		r.Reference.Found = containsCode(text, exp.Reference)
	}
}
