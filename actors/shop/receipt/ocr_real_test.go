package receipt

import (
	"bytes"
	"context"
	"image"
	"strings"
	"testing"
	"time"
)

// These tests run the real Tesseract on receipts drawn in the test with a
// real Cyrillic font. See missing() for what happens without it.

func realChecker(t testing.TB) *Checker {
	t.Helper()
	c, err := New(context.Background(), Config{Now: func() time.Time { return issuedAt.Add(time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	if caps := c.Capabilities(); !caps.OCR() {
		missing(t, "tesseract with rus+eng", caps.OCRErr)
	}
	return c
}

func checkImage(t *testing.T, c *Checker, exp Expected, data []byte) Report {
	t.Helper()
	r := c.Check(context.Background(), exp, bytes.NewReader(data))
	t.Logf("%s\n--- OCR text ---\n%s--- findings ---\n%s\n(%v)", t.Name(), r.Text, r.HTML(EN), r.Elapsed)
	if r.Status != Checked {
		t.Fatalf("status %d, err %v", r.Status, r.Err)
	}
	return r
}

func TestOCRRightAmount(t *testing.T) {
	c := realChecker(t)
	for _, tc := range []struct {
		name string
		l    layout
		want time.Time
	}{
		{"tinkoff", tinkoff("1 500,00 ₽", "04.12.2026 13:45:10", "KB-7F3K23"), time.Date(2026, 12, 4, 13, 45, 10, 0, time.UTC)},
		{"sber", sber("1 500,00 ₽", "4 декабря 2026 13:45 (МСК)", "KB-7F3K23"), time.Date(2026, 12, 4, 13, 45, 0, 0, time.FixedZone("MSK", 3*3600))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := checkImage(t, c, expect(150000, "KB-7F3K23"), encodePNG(t, render(t, tc.l)))
			if !r.Amount.Match || r.Amount.Kopecks != 150000 {
				t.Errorf("amount %+v, want 1 500,00 matched", r.Amount)
			}
			if !r.Date.Found || !r.Date.Date.Wall.Equal(tc.want) {
				t.Errorf("date %+v, want %v", r.Date, tc.want)
			}
			if !r.Reference.Found || len(r.Reference.Others) > 0 {
				t.Errorf("reference %+v, want KB-7F3K23 alone", r.Reference)
			}
			if !r.Consistent() {
				t.Errorf("not consistent:\n%s", r.HTML(RU))
			}
			if !strings.Contains(r.HTML(RU), "Сумма: 1\u00a0500,00\u00a0₽ — совпадает") {
				t.Errorf("Russian findings lack the amount line:\n%s", r.HTML(RU))
			}
		})
	}
}

func TestOCRWrongAmount(t *testing.T) {
	c := realChecker(t)
	r := checkImage(t, c, expect(150000, "KB-7F3K23"), encodePNG(t, render(t, tinkoff("1 000,00 ₽", "04.12.2026 13:45:10", "KB-7F3K23"))))
	if r.Amount.Match || r.Amount.Kopecks != 100000 {
		t.Fatalf("amount %+v, want 1 000,00 read and not matched", r.Amount)
	}
	if r.Consistent() {
		t.Fatal("a wrong amount passed as consistent")
	}
	if html := r.HTML(RU); !strings.Contains(html, "ожидалось 1\u00a0500,00\u00a0₽") {
		t.Fatalf("findings do not say what was expected:\n%s", html)
	}
}

func TestOCRNoReference(t *testing.T) {
	c := realChecker(t)
	r := checkImage(t, c, expect(150000, "KB-7F3K23"), encodePNG(t, render(t, tinkoff("1 500,00 ₽", "04.12.2026 13:45:10", ""))))
	if r.Reference.Found {
		t.Fatal("found a reference that is not on the receipt")
	}
	if !r.Amount.Match {
		t.Fatalf("amount %+v", r.Amount)
	}
	if html := r.HTML(RU); !strings.Contains(html, "Ссылка KB-7F3K23 не найдена") || r.Consistent() {
		t.Fatalf("findings do not flag the missing reference:\n%s", html)
	}
}

// Someone else's receipt: the reference of another request is on it.
func TestOCRForeignReference(t *testing.T) {
	c := realChecker(t)
	r := checkImage(t, c, expect(150000, "KB-7F3K23"), encodePNG(t, render(t, tinkoff("1 500,00 ₽", "04.12.2026 13:45:10", "KB-4HN9X5"))))
	if r.Reference.Found || len(r.Reference.Others) != 1 || r.Reference.Others[0] != "KB-4HN9X5" {
		t.Fatalf("reference %+v, want KB-4HN9X5 as another's", r.Reference)
	}
	if html := r.HTML(RU); !strings.Contains(html, "чужая ссылка KB-4HN9X5") {
		t.Fatalf("findings do not show the foreign reference:\n%s", html)
	}
}

// An old receipt sent again for new details: dated before they were given.
func TestOCRReceiptOlderThanTheDetails(t *testing.T) {
	c := realChecker(t)
	r := checkImage(t, c, expect(150000, "KB-7F3K23"), encodePNG(t, render(t, tinkoff("1 500,00 ₽", "01.12.2026 09:15:00", "KB-7F3K23"))))
	if !r.Date.Found || !r.Date.BeforeIssued || !r.Date.TooOld {
		t.Fatalf("date %+v, want flagged before issue and too old", r.Date)
	}
	if html := r.HTML(RU); !strings.Contains(html, "раньше, чем выданы реквизиты") {
		t.Fatalf("findings do not flag the date:\n%s", html)
	}
}

// The same receipt re-encoded as JPEG and shrunk (as Telegram does to a
// photo) is recognised as the same picture, still reads right, and a
// different receipt on the same template is not taken for it.
func TestOCRDuplicate(t *testing.T) {
	c := realChecker(t)
	orig := render(t, tinkoff("1 500,00 ₽", "04.12.2026 13:45:10", "KB-7F3K23"))
	first := checkImage(t, c, expect(150000, "KB-7F3K23"), encodePNG(t, orig))
	again := checkImage(t, c, expect(150000, "KB-7F3K23"), encodeJPEG(t, rescale(orig, 1280.0/float64(orig.Bounds().Dy())), 75))
	if d := Hamming(first.Fingerprint.DHash, again.Fingerprint.DHash); d > NearDuplicateBits {
		t.Fatalf("re-encoded receipt is %d bits away, over %d", d, NearDuplicateBits)
	}
	if first.Fingerprint.SHA256 == again.Fingerprint.SHA256 {
		t.Fatal("different files with one SHA-256")
	}
	if got := Compare(first.Fingerprint, again.Fingerprint); got != SamePicture {
		t.Fatalf("Compare = %d, want SamePicture; %+v vs %+v", got, first.Fingerprint, again.Fingerprint)
	}
	if !again.Amount.Match || !again.Reference.Found {
		t.Fatalf("the shrunk copy reads %+v, %+v", again.Amount, again.Reference)
	}
	other := checkImage(t, c, expect(150000, "KB-4HN9X5"), encodePNG(t, render(t, tinkoff("1 500,00 ₽", "04.12.2026 13:52:41", "KB-4HN9X5"))))
	if got := Compare(first.Fingerprint, other.Fingerprint); got == SamePicture || got == SameFile {
		t.Fatalf("a different receipt compares as %d", got)
	}
	sb := checkImage(t, c, expect(150000, "KB-7F3K23"), encodePNG(t, render(t, sber("1 500,00 ₽", "4 декабря 2026 13:45 (МСК)", "KB-7F3K23"))))
	if got := Compare(first.Fingerprint, sb.Fingerprint); got != Different {
		t.Fatalf("another bank's receipt compares as %d (%d bits)", got, Hamming(first.Fingerprint.DHash, sb.Fingerprint.DHash))
	}
}

// Noise has no text: OCR runs, finds nothing, and says so.
func TestOCRGarbage(t *testing.T) {
	c := realChecker(t)
	r := checkImage(t, c, expect(150000, "KB-7F3K23"), encodePNG(t, noise(800, 1200, 7)))
	if r.Amount.Found || r.Date.Found || r.Reference.Found || len(r.Reference.Others) > 0 {
		t.Fatalf("read something from noise: %+v %+v %+v", r.Amount, r.Date, r.Reference)
	}
	if r.Consistent() {
		t.Fatal("noise passed as consistent")
	}
	if !r.Fingerprint.HasDHash {
		t.Fatal("noise got no picture hash")
	}
}

// A dark-theme screenshot, and one Telegram shrank to 576 px wide: both
// read right, and are found to be the same receipt.
func TestOCRDarkAndSmall(t *testing.T) {
	c := realChecker(t)
	dark := tinkoff("2 750,50 ₽", "04.12.2026 13:45:10", "KB-7F3K23")
	dark.dark = true
	small := tinkoff("2 750,50 ₽", "04.12.2026 13:45:10", "KB-7F3K23")
	var prints []Fingerprint
	for name, img := range map[string]image.Image{
		"dark":  render(t, dark),
		"small": rescale(render(t, small), 576.0/1080),
	} {
		t.Run(name, func(t *testing.T) {
			r := checkImage(t, c, expect(275050, "KB-7F3K23"), encodeJPEG(t, img, 85))
			if !r.Amount.Match || !r.Reference.Found || !r.Date.Found {
				t.Fatalf("read %+v %+v %+v", r.Amount, r.Reference, r.Date)
			}
			prints = append(prints, r.Fingerprint)
		})
	}
	if len(prints) == 2 {
		if got := Compare(prints[0], prints[1]); got != SamePicture {
			t.Fatalf("dark and small copies compare as %d (%d bits)", got, Hamming(prints[0].DHash, prints[1].DHash))
		}
	}
}

func TestOCRPDF(t *testing.T) {
	c := realChecker(t)
	if !c.Capabilities().PDF() {
		missing(t, "pdftoppm", ErrNoPDF)
	}
	img := render(t, tinkoff("1 500,00 ₽", "04.12.2026 13:45:10", "KB-7F3K23"))
	pdf := imagePDF(encodeJPEG(t, img, 90), img.Bounds().Dx(), img.Bounds().Dy())
	r := checkImage(t, c, expect(150000, "KB-7F3K23"), pdf)
	if r.Format != FormatPDF || !r.Consistent() {
		t.Fatalf("PDF: format %q, findings:\n%s", r.Format, r.HTML(RU))
	}
	png := checkImage(t, c, expect(150000, "KB-7F3K23"), encodePNG(t, img))
	if d := Hamming(r.Fingerprint.DHash, png.Fingerprint.DHash); d > NearDuplicateBits {
		t.Fatalf("the PDF's page is %d bits from the same picture as PNG", d)
	}
}

// BenchmarkCheck is one receipt screen end to end: decode, hash, OCR,
// parse. The figure is in docs/BENCHMARKS.md.
func BenchmarkCheck(b *testing.B) {
	c := realChecker(b)
	data := encodePNG(b, render(b, tinkoff("1 500,00 ₽", "04.12.2026 13:45:10", "KB-7F3K23")))
	exp := expect(150000, "KB-7F3K23")
	benchmarkCheck(b, c, exp, data)
}

// benchmarkCheck also reports the subprocesses' CPU time per receipt,
// which the other work on a shared machine does not inflate.
func benchmarkCheck(b *testing.B, c *Checker, exp Expected, data []byte) {
	cpu := childCPU()
	for b.Loop() {
		if r := c.Check(context.Background(), exp, bytes.NewReader(data)); !r.Consistent() {
			b.Fatalf("not consistent: %v\n%s", r.Err, r.HTML(EN))
		}
	}
	b.ReportMetric(float64((childCPU()-cpu).Milliseconds())/float64(b.N), "child-cpu-ms/op")
}

// BenchmarkCheckPDF is the same receipt as a one-page image PDF: pdftoppm
// renders it first.
func BenchmarkCheckPDF(b *testing.B) {
	c := realChecker(b)
	if !c.Capabilities().PDF() {
		missing(b, "pdftoppm", ErrNoPDF)
	}
	img := render(b, tinkoff("1 500,00 ₽", "04.12.2026 13:45:10", "KB-7F3K23"))
	data := imagePDF(encodeJPEG(b, img, 90), img.Bounds().Dx(), img.Bounds().Dy())
	exp := expect(150000, "KB-7F3K23")
	benchmarkCheck(b, c, exp, data)
}

// BenchmarkCheckTelegramPhoto is the receipt as Telegram delivers a
// screenshot sent as a photo: a JPEG of at most 1280 px, here 1013×1280,
// read as it is (ocrPicture enlarges only pictures under 1000 px wide).
func BenchmarkCheckTelegramPhoto(b *testing.B) {
	c := realChecker(b)
	img := render(b, tinkoff("1 500,00 ₽", "04.12.2026 13:45:10", "KB-7F3K23"))
	data := encodeJPEG(b, rescale(img, 1280.0/float64(img.Bounds().Dy())), 80)
	benchmarkCheck(b, c, expect(150000, "KB-7F3K23"), data)
}
