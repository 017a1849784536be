package receipt

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"testing"

	"golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// The OCR tests need Debian's tesseract-ocr (with -rus and -eng),
// poppler-utils and fonts-dejavu-core; .ci/run installs them. Without them
// the tests skip, loudly; with KIEBOT_REQUIRE_OCR set (CI sets it) they
// fail instead, so a broken install cannot pass as green.
const requireOCREnv = "KIEBOT_REQUIRE_OCR"

func missing(t testing.TB, what string, err error) {
	t.Helper()
	msg := fmt.Sprintf("%s is missing (%v): install tesseract-ocr tesseract-ocr-rus tesseract-ocr-eng poppler-utils fonts-dejavu-core (.ci/run does)", what, err)
	if os.Getenv(requireOCREnv) != "" {
		t.Fatalf("%s; %s is set, so this fails instead of skipping", msg, requireOCREnv)
	}
	t.Skipf("SKIPPED — RECEIPT OCR IS NOT TESTED HERE: %s", msg)
}

const (
	fontRegular = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
	fontBold    = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
)

func loadFace(t testing.TB, path string, size float64) font.Face {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		missing(t, "the DejaVu font", err)
	}
	f, err := opentype.Parse(data)
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		t.Fatalf("face %s: %v", path, err)
	}
	t.Cleanup(func() { face.Close() })
	return face
}

// layout is a bank-app receipt screen: a header, a big amount, and rows of
// grey label on the left and black value on the right.
type layout struct {
	bank, title, headline, status string
	rows                          [][2]string
	width                         int  // pixels; 1080 like a phone screenshot
	dark                          bool // dark theme: light text on near-black
	stacked                       bool // values left-aligned under their labels
}

// tinkoff is a Т-Банк-like SBP transfer receipt.
func tinkoff(amount, date, ref string) layout {
	rows := [][2]string{
		{"Дата и время", date},
		{"Сумма", amount},
		{"Комиссия", "Без комиссии"},
		{"Отправитель", "Иван Иванович И."},
		{"Телефон получателя", "+7 (912) 345-67-89"},
		{"Получатель", "Пётр Петрович П."},
		{"Банк получателя", "Сбербанк"},
		{"Счёт списания", "•••• 1234"},
	}
	if ref != "" {
		rows = append(rows, [2]string{"Сообщение", ref})
	}
	rows = append(rows, [2]string{"Идентификатор", "B4338104530000000K0000"})
	return layout{bank: "Т-Банк", title: "Перевод по СБП", headline: amount, status: "Успешно", rows: rows, width: 1080}
}

// sber is a СберБанк-like check: each label above its value.
func sber(amount, date, ref string) layout {
	rows := [][2]string{
		{"Операция", ""}, {"", "Перевод клиенту СберБанка"},
		{"ФИО получателя", ""}, {"", "Пётр Петрович П."},
		{"Номер карты получателя", ""}, {"", "**** 4455"},
		{"Сумма перевода", ""}, {"", amount},
		{"Комиссия", ""}, {"", "15,00 ₽"},
	}
	if ref != "" {
		rows = append(rows, [2]string{"Сообщение получателю", ""}, [2]string{"", ref})
	}
	rows = append(rows, [2]string{"Номер документа", ""}, [2]string{"", "1000000012345678"})
	return layout{bank: "СБЕР", title: "Чек по операции", headline: amount, status: date, rows: rows, width: 1080, stacked: true}
}

func render(t testing.TB, l layout) *image.RGBA {
	t.Helper()
	bold := loadFace(t, fontBold, 44)
	big := loadFace(t, fontBold, 72)
	regular := loadFace(t, fontRegular, 34)
	scale := float64(l.width) / 1080
	if scale != 1 {
		bold = loadFace(t, fontBold, 44*scale)
		big = loadFace(t, fontBold, 72*scale)
		regular = loadFace(t, fontRegular, 34*scale)
	}
	px := func(v int) int { return int(float64(v) * scale) }
	height := px(560 + 80*len(l.rows))
	bg, fg, grey := color.RGBA{255, 255, 255, 255}, color.RGBA{20, 20, 20, 255}, color.RGBA{110, 110, 115, 255}
	if l.dark {
		bg, fg, grey = color.RGBA{18, 18, 20, 255}, color.RGBA{240, 240, 240, 255}, color.RGBA{150, 150, 155, 255}
	}
	img := image.NewRGBA(image.Rect(0, 0, l.width, height))
	draw.Draw(img, img.Bounds(), image.NewUniform(bg), image.Point{}, draw.Src)
	text := func(face font.Face, c color.Color, s string, x, y int, right bool) {
		d := &font.Drawer{Dst: img, Src: image.NewUniform(c), Face: face}
		if right {
			x -= d.MeasureString(s).Round()
		}
		d.Dot = fixed.P(x, y)
		d.DrawString(s)
	}
	margin := px(60)
	text(bold, fg, l.bank, margin, px(100), false)
	text(regular, grey, l.title, margin, px(200), false)
	text(big, fg, l.headline, margin, px(310), false)
	text(regular, grey, l.status, margin, px(390), false)
	for i, r := range l.rows {
		y := px(500 + 80*i)
		text(regular, grey, r[0], margin, y, false)
		if l.stacked {
			text(regular, fg, r[1], margin, y, false)
		} else {
			text(regular, fg, r[1], l.width-margin, y, true)
		}
	}
	return img
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodeJPEG(t testing.TB, img image.Image, quality int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// rescale resizes with Catmull-Rom, as an image editor or Telegram would,
// and not with the package's own box filter.
func rescale(img image.Image, k float64) *image.RGBA {
	b := img.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, int(float64(b.Dx())*k), int(float64(b.Dy())*k)))
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
	return dst
}

// noise is a picture of random grey pixels: nothing to read in it.
func noise(w, h int, seed uint64) *image.Gray {
	r := rand.New(rand.NewPCG(seed, seed))
	g := image.NewGray(image.Rect(0, 0, w, h))
	for i := range g.Pix {
		g.Pix[i] = uint8(r.UintN(256))
	}
	return g
}

// imagePDF wraps a JPEG as the single page of a PDF, the way a scanner or
// "print to PDF" of a photo does.
func imagePDF(jpg []byte, w, h int) []byte {
	var b bytes.Buffer
	offsets := []int{}
	obj := func(s string) {
		offsets = append(offsets, b.Len())
		b.WriteString(s)
	}
	b.WriteString("%PDF-1.4\n")
	obj("1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n")
	obj("2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n")
	obj(fmt.Sprintf("3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >> endobj\n", w, h))
	obj(fmt.Sprintf("4 0 obj << /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length %d >> stream\n", w, h, len(jpg)))
	b.Write(jpg)
	b.WriteString("\nendstream endobj\n")
	content := fmt.Sprintf("q %d 0 0 %d 0 0 cm /Im0 Do Q", w, h)
	obj(fmt.Sprintf("5 0 obj << /Length %d >> stream\n%s\nendstream endobj\n", len(content), content))
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer << /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return b.Bytes()
}
