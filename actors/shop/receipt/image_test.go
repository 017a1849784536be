package receipt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
	"time"
)

func TestSniff(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		want Format
	}{
		{"png", encodePNG(t, image.NewGray(image.Rect(0, 0, 20, 20))), FormatPNG},
		{"jpeg", encodeJPEG(t, image.NewGray(image.Rect(0, 0, 20, 20)), 80), FormatJPEG},
		{"webp", []byte("RIFF\x10\x00\x00\x00WEBPVP8L"), FormatWebP},
		{"pdf", []byte("%PDF-1.7\n..."), FormatPDF},
		{"riff but not webp", []byte("RIFF\x10\x00\x00\x00WAVEfmt "), FormatUnknown},
		{"gif", []byte("GIF89a...."), FormatUnknown},
		{"html", []byte("<html><body>1 500 ₽</body></html>"), FormatUnknown},
		{"empty", nil, FormatUnknown},
		{"short", []byte{0xff, 0xd8}, FormatUnknown},
	} {
		if got := Sniff(tc.data); got != tc.want {
			t.Errorf("%s: Sniff = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// pngHeader is a PNG that claims w×h pixels in a valid IHDR and then ends:
// what a decompression bomb looks like to DecodeConfig.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 0 // 8-bit grey
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

func TestDecodeImageRefusesBeforeAllocating(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		f    Format
	}{
		{"huge claimed size", pngHeader(100_000, 100_000), FormatPNG},
		{"just over the pixel limit", pngHeader(8000, 5001), FormatPNG},
		{"too small", encodePNG(t, image.NewGray(image.Rect(0, 0, 8, 300))), FormatPNG},
		{"truncated after the header", pngHeader(800, 600), FormatPNG},
		{"jpeg header and garbage", append([]byte{0xff, 0xd8, 0xff, 0xe0}, bytes.Repeat([]byte{7}, 500)...), FormatJPEG},
		{"webp header and garbage", []byte("RIFF\x10\x00\x00\x00WEBPVP8 garbage!"), FormatWebP},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeImage(tc.data, tc.f)
			if !errors.Is(err, ErrBadImage) {
				t.Fatalf("err = %v, want ErrBadImage", err)
			}
		})
	}
	if _, err := decodeImage([]byte("%PDF-1.4"), FormatPDF); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("decoding a PDF as an image: %v", err)
	}
	// Exactly at the limit the size passes; this one then fails for being
	// truncated, not for its size.
	if _, err := decodeImage(pngHeader(8000, 5000), FormatPNG); err == nil || strings.Contains(err.Error(), "outside") {
		t.Fatalf("a picture at the limit: %v", err)
	}
	if img, err := decodeImage(encodePNG(t, image.NewGray(image.Rect(0, 0, minSide, minSide))), FormatPNG); err != nil || img.Bounds().Dx() != minSide {
		t.Fatalf("the smallest picture allowed: %v", err)
	}
}

// toGray's fast paths agree with image/color's grey model, transparent
// parts turned white.
func TestToGray(t *testing.T) {
	c := color.NRGBA{R: 200, G: 30, B: 90, A: 255}
	want := color.GrayModel.Convert(c).(color.Gray).Y
	half := color.NRGBA{R: 0, G: 0, B: 0, A: 128} // black at 50% over white
	pal := image.NewPaletted(image.Rect(0, 0, 2, 1), color.Palette{c, color.White})
	pal.Pix[1] = 1
	nrgba := image.NewNRGBA(image.Rect(0, 0, 2, 1))
	nrgba.Set(0, 0, c)
	nrgba.Set(1, 0, half)
	rgba := image.NewRGBA(image.Rect(0, 0, 2, 1))
	rgba.Set(0, 0, c)
	rgba.Set(1, 0, half)
	ycc := image.NewYCbCr(image.Rect(0, 0, 2, 1), image.YCbCrSubsampleRatio444)
	y, _, _ := color.RGBToYCbCr(c.R, c.G, c.B)
	ycc.Y[0], ycc.Y[1] = y, 255
	gray := image.NewGray(image.Rect(0, 0, 2, 1))
	gray.Pix[0], gray.Pix[1] = want, 255
	for name, img := range map[string]image.Image{"paletted": pal, "nrgba": nrgba, "rgba": rgba, "ycbcr": ycc, "gray": gray} {
		g := toGray(img)
		if d := int(g.Pix[0]) - int(want); d < -1 || d > 1 {
			t.Errorf("%s: grey %d, want %d", name, g.Pix[0], want)
		}
		if name == "nrgba" || name == "rgba" {
			if g.Pix[1] < 125 || g.Pix[1] > 130 {
				t.Errorf("%s: half-transparent black over white = %d, want ~127", name, g.Pix[1])
			}
		} else if g.Pix[1] != 255 {
			t.Errorf("%s: white = %d", name, g.Pix[1])
		}
	}
	// A sub-image keeps its own origin.
	big := image.NewGray(image.Rect(0, 0, 10, 10))
	big.Pix[5*10+5] = 77
	sub := big.SubImage(image.Rect(5, 5, 8, 8))
	if g := toGray(sub); g.Pix[0] != 77 || g.Rect.Dx() != 3 {
		t.Fatalf("sub-image: %v %d", g.Rect, g.Pix[0])
	}
}

func TestResizeGray(t *testing.T) {
	src := image.NewGray(image.Rect(0, 0, 4, 2))
	copy(src.Pix, []uint8{0, 0, 200, 200, 0, 0, 200, 200})
	down := resizeGray(src, 2, 1)
	if down.Pix[0] != 0 || down.Pix[1] != 200 {
		t.Fatalf("box shrink = %v", down.Pix)
	}
	up := resizeGray(src, 8, 4)
	if up.Pix[0] != 0 || up.Pix[7] != 200 || up.Pix[3] <= 0 || up.Pix[3] >= 200 {
		t.Fatalf("bilinear growth = %v", up.Pix[:8])
	}
}

func TestLightPage(t *testing.T) {
	dark := image.NewGray(image.Rect(0, 0, 10, 10))
	for i := range dark.Pix {
		dark.Pix[i] = 20
	}
	dark.Pix[0] = 240 // the text
	lightPage(dark)
	if dark.Pix[1] != 235 || dark.Pix[0] != 15 {
		t.Fatalf("dark page became %d with text %d, want 235 and 15", dark.Pix[1], dark.Pix[0])
	}
	lightPage(dark)
	if dark.Pix[1] != 235 {
		t.Fatal("a light page was inverted")
	}
}

// The picture Tesseract gets: at least ocrMinWidth wide when the receipt
// was small, within ocrMaxSide when it was large.
func TestOCRPicture(t *testing.T) {
	small := image.NewGray(image.Rect(0, 0, 600, 900))
	for i := range small.Pix {
		small.Pix[i] = 235
	}
	out, err := ocrPicture(small)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() != 1200 || img.Bounds().Dy() != 1800 {
		t.Errorf("small picture became %v, want doubled", img.Bounds())
	}
	if g := img.(*image.Gray).Pix[0]; g != 235 {
		t.Errorf("page became %d, want 235 kept", g)
	}
	out, err = ocrPicture(image.NewGray(image.Rect(0, 0, 3000, 6000)))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(out))
	if err != nil || cfg.Height != ocrMaxSide || cfg.Width != ocrMaxSide/2 {
		t.Errorf("large picture became %d×%d (%v), want %d on the long side", cfg.Width, cfg.Height, err, ocrMaxSide)
	}
}

func TestDHashNearForTheSameReceipt(t *testing.T) {
	orig := render(t, tinkoff("1 500,00 ₽", "04.12.2026 13:45:10", "KB-7F3K23"))
	base := dhash(toGray(orig))
	for _, k := range []float64{0.3, 0.53, 0.8, 1.3} {
		scaled := rescale(orig, k)
		for _, q := range []int{40, 75, 95} {
			img, err := decodeImage(encodeJPEG(t, scaled, q), FormatJPEG)
			if err != nil {
				t.Fatal(err)
			}
			if d := Hamming(base, dhash(toGray(img))); d > NearDuplicateBits {
				t.Errorf("scaled %.2f, JPEG quality %d: %d bits away, over %d", k, q, d, NearDuplicateBits)
			}
		}
	}
	// The same receipt screenshotted in the app's dark theme.
	dark := tinkoff("1 500,00 ₽", "04.12.2026 13:45:10", "KB-7F3K23")
	dark.dark = true
	g := toGray(render(t, dark))
	lightPage(g)
	if d := Hamming(base, dhash(g)); d > NearDuplicateBits {
		t.Errorf("dark theme: %d bits away, over %d", d, NearDuplicateBits)
	}
	for name, img := range map[string]image.Image{
		"another bank": render(t, sber("1 500,00 ₽", "4 декабря 2026 13:45 (МСК)", "KB-7F3K23")),
		"noise":        noise(1080, 1360, 1),
	} {
		if d := Hamming(base, dhash(toGray(img))); d <= NearDuplicateBits {
			t.Errorf("%s is only %d bits away", name, d)
		}
	}
}

func TestHamming(t *testing.T) {
	for _, tc := range []struct {
		a, b uint64
		want int
	}{{0, 0, 0}, {0, 1, 1}, {0b1010, 0b0101, 4}, {0, ^uint64(0), 64}} {
		if got := Hamming(tc.a, tc.b); got != tc.want {
			t.Errorf("Hamming(%b, %b) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestCompare(t *testing.T) {
	at := time.Date(2026, 12, 4, 13, 45, 10, 0, time.UTC)
	base := Fingerprint{SHA256: [32]byte{1}, DHash: 0xF0F0, HasDHash: true, AmountKopecks: 150000, PaidAt: at}
	with := func(f func(*Fingerprint)) Fingerprint {
		c := base
		c.SHA256 = [32]byte{2}
		f(&c)
		return c
	}
	for _, tc := range []struct {
		name string
		b    Fingerprint
		want Similarity
	}{
		{"same file", base, SameFile},
		{"same file, no picture hash", func() Fingerprint { c := base; c.HasDHash = false; return c }(), SameFile},
		{"re-encoded", with(func(f *Fingerprint) { f.DHash ^= 0b111 }), SamePicture},
		{"re-encoded, amount not read", with(func(f *Fingerprint) { f.AmountKopecks = 0; f.PaidAt = time.Time{} }), SamePicture},
		{"at the threshold", with(func(f *Fingerprint) { f.DHash ^= 1<<NearDuplicateBits - 1 }), SamePicture},
		{"past the threshold", with(func(f *Fingerprint) { f.DHash ^= 1<<(NearDuplicateBits+1) - 1 }), Different},
		{"edited amount", with(func(f *Fingerprint) { f.AmountKopecks = 1500000 }), SimilarPicture},
		{"edited date", with(func(f *Fingerprint) { f.PaidAt = at.AddDate(0, 0, 3) }), SimilarPicture},
		{"no picture hash", with(func(f *Fingerprint) { f.HasDHash = false }), Different},
		{"zero hash is a hash", with(func(f *Fingerprint) { f.DHash = 0xF0F0 &^ 0b11 }), SamePicture},
	} {
		if got := Compare(base, tc.b); got != tc.want {
			t.Errorf("%s: Compare = %d, want %d", tc.name, got, tc.want)
		}
		if got := Compare(tc.b, base); got != tc.want {
			t.Errorf("%s: Compare is not symmetric", tc.name)
		}
	}
}
