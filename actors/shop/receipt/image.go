package receipt

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"

	"golang.org/x/image/webp"
)

// Format is a receipt file's kind, told by its first bytes, never by its
// name or the MIME type a client claims.
type Format string

const (
	FormatUnknown Format = ""
	FormatPNG     Format = "png"
	FormatJPEG    Format = "jpeg"
	FormatWebP    Format = "webp"
	FormatPDF     Format = "pdf"
)

// Sniff tells the format from the file's first bytes.
func Sniff(data []byte) Format {
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return FormatPNG
	case bytes.HasPrefix(data, []byte{0xff, 0xd8, 0xff}):
		return FormatJPEG
	case len(data) >= 12 && bytes.Equal(data[:4], []byte("RIFF")) && bytes.Equal(data[8:12], []byte("WEBP")):
		return FormatWebP
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return FormatPDF
	}
	return FormatUnknown
}

var (
	// ErrUnsupported: the file is not a PNG, JPEG, WebP or PDF.
	ErrUnsupported = errors.New("not a PNG, JPEG, WebP or PDF file")
	// ErrBadImage: the file claims an image format but does not decode
	// into a picture of sensible size.
	ErrBadImage = errors.New("image does not decode")
)

// Picture size limits. A screenshot is about 1080×2400 (2.6 Mpx), a phone
// photo of a paper receipt 12 Mpx, a 48-Mpx sensor's full output is over
// the limit: such a file is refused rather than decoded into ~200 MB.
const (
	minSide   = 16
	maxPixels = 40_000_000
)

// decodeImage checks the header's dimensions before decoding anything, so
// a small file that claims a huge picture is refused without allocating it.
// A decoder that panics on a crafted file (it has happened in Go's image
// packages) costs that receipt its check, not the bot its process.
func decodeImage(data []byte, f Format) (img image.Image, err error) {
	defer func() {
		if p := recover(); p != nil {
			img, err = nil, fmt.Errorf("decode %s: %w: decoder panicked: %v", f, ErrBadImage, p)
		}
	}()
	var (
		decodeConfig func(*bytes.Reader) (image.Config, error)
		decode       func(*bytes.Reader) (image.Image, error)
	)
	switch f {
	case FormatPNG:
		decodeConfig = func(r *bytes.Reader) (image.Config, error) { return png.DecodeConfig(r) }
		decode = func(r *bytes.Reader) (image.Image, error) { return png.Decode(r) }
	case FormatJPEG:
		decodeConfig = func(r *bytes.Reader) (image.Config, error) { return jpeg.DecodeConfig(r) }
		decode = func(r *bytes.Reader) (image.Image, error) { return jpeg.Decode(r) }
	case FormatWebP:
		decodeConfig = func(r *bytes.Reader) (image.Config, error) { return webp.DecodeConfig(r) }
		decode = func(r *bytes.Reader) (image.Image, error) { return webp.Decode(r) }
	default:
		return nil, fmt.Errorf("decode %q: %w", f, ErrUnsupported)
	}
	cfg, err := decodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("read %s header: %w: %v", f, ErrBadImage, err)
	}
	if cfg.Width < minSide || cfg.Height < minSide || int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return nil, fmt.Errorf("%s is %d×%d pixels, outside %d px to %d Mpx: %w", f, cfg.Width, cfg.Height, minSide, maxPixels/1_000_000, ErrBadImage)
	}
	if img, err = decode(bytes.NewReader(data)); err != nil {
		return nil, fmt.Errorf("decode %s: %w: %v", f, ErrBadImage, err)
	}
	return img, nil
}

// toGray converts a picture to 8-bit luminance, transparent parts as white
// (a screenshot with an alpha channel is drawn on a white page).
func toGray(img image.Image) *image.Gray {
	b := img.Bounds()
	g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	w, h := b.Dx(), b.Dy()
	switch src := img.(type) {
	case *image.Gray:
		for y := range h {
			copy(g.Pix[y*g.Stride:y*g.Stride+w], src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):])
		}
	case *image.YCbCr:
		for y := range h {
			copy(g.Pix[y*g.Stride:y*g.Stride+w], src.Y[src.YOffset(b.Min.X, b.Min.Y+y):])
		}
	case *image.NRGBA:
		for y := range h {
			row := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := range w {
				p := row[4*x : 4*x+4]
				l := luma(uint32(p[0]), uint32(p[1]), uint32(p[2]))
				a := uint32(p[3])
				g.Pix[y*g.Stride+x] = uint8((l*a + 255*(255-a)) / 255)
			}
		}
	case *image.RGBA:
		for y := range h {
			row := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := range w {
				p := row[4*x : 4*x+4]
				// Premultiplied: the colour is already scaled by alpha.
				l := luma(uint32(p[0]), uint32(p[1]), uint32(p[2]))
				g.Pix[y*g.Stride+x] = uint8(l + (255 - uint32(p[3])))
			}
		}
	default:
		for y := range h {
			for x := range w {
				r, gg, bb, a := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
				l := luma(r>>8, gg>>8, bb>>8)
				g.Pix[y*g.Stride+x] = uint8(min(255, l+(255-a>>8)))
			}
		}
	}
	return g
}

// luma is ITU-R BT.601 luminance of 8-bit components, as color.GrayModel
// computes it.
func luma(r, g, b uint32) uint32 {
	return (19595*r + 38470*g + 7471*b + 1<<15) >> 16
}

// resizeGray scales src to w×h: by averaging the source pixels under each
// target pixel when shrinking, bilinearly when growing.
func resizeGray(src *image.Gray, w, h int) *image.Gray {
	sw, sh := src.Rect.Dx(), src.Rect.Dy()
	dst := image.NewGray(image.Rect(0, 0, w, h))
	if w <= sw && h <= sh {
		for y := range h {
			y0, y1 := y*sh/h, max((y+1)*sh/h, y*sh/h+1)
			for x := range w {
				x0, x1 := x*sw/w, max((x+1)*sw/w, x*sw/w+1)
				var sum, n uint64
				for yy := y0; yy < y1; yy++ {
					row := src.Pix[yy*src.Stride:]
					for xx := x0; xx < x1; xx++ {
						sum += uint64(row[xx])
					}
					n += uint64(x1 - x0)
				}
				dst.Pix[y*dst.Stride+x] = uint8((sum + n/2) / n)
			}
		}
		return dst
	}
	for y := range h {
		fy := (float64(y)+0.5)*float64(sh)/float64(h) - 0.5
		y0 := clampInt(int(fy), 0, sh-1)
		y1 := clampInt(y0+1, 0, sh-1)
		wy := clamp01(fy - float64(y0))
		for x := range w {
			fx := (float64(x)+0.5)*float64(sw)/float64(w) - 0.5
			x0 := clampInt(int(fx), 0, sw-1)
			x1 := clampInt(x0+1, 0, sw-1)
			wx := clamp01(fx - float64(x0))
			p := func(xx, yy int) float64 { return float64(src.Pix[yy*src.Stride+xx]) }
			top := p(x0, y0)*(1-wx) + p(x1, y0)*wx
			bot := p(x0, y1)*(1-wx) + p(x1, y1)*wx
			dst.Pix[y*dst.Stride+x] = uint8(top*(1-wy) + bot*wy + 0.5)
		}
	}
	return dst
}

func clampInt(v, lo, hi int) int { return max(lo, min(v, hi)) }
func clamp01(v float64) float64  { return max(0, min(v, 1)) }

// OCR input shaping. Tesseract reads dark text on a light page best, with
// capital letters some 20–40 px tall; a screenshot Telegram recompressed as
// a photo (at most 1280 px on the long side) has them at 12–18 px.
const (
	ocrMinWidth = 1000 // narrower pictures are enlarged to twice their size
	ocrMaxSide  = 4000 // larger ones are shrunk to this on the long side
)

// lightPage inverts a dark-theme screenshot in place, so that Tesseract
// reads dark text on a light page and the dHash of a receipt does not
// depend on the theme of the app it was screenshotted in.
func lightPage(g *image.Gray) {
	if meanGray(g) >= 110 {
		return
	}
	for i := range g.Pix {
		g.Pix[i] = 255 - g.Pix[i]
	}
}

// ocrPicture turns a light page into the grayscale PNG Tesseract reads, at
// a sensible size. Tesseract gets only this PNG, never the user's file, so
// its C image decoders never see untrusted input.
func ocrPicture(g *image.Gray) ([]byte, error) {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	switch {
	case max(w, h) > ocrMaxSide:
		k := float64(ocrMaxSide) / float64(max(w, h))
		g = resizeGray(g, max(1, int(float64(w)*k)), max(1, int(float64(h)*k)))
	case w < ocrMinWidth && 2*max(w, h) <= ocrMaxSide:
		g = resizeGray(g, 2*w, 2*h)
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, g); err != nil {
		return nil, fmt.Errorf("encode the OCR picture: %w", err)
	}
	return buf.Bytes(), nil
}

func meanGray(g *image.Gray) uint8 {
	w, h := g.Rect.Dx(), g.Rect.Dy()
	var sum uint64
	for y := range h {
		for _, p := range g.Pix[y*g.Stride : y*g.Stride+w] {
			sum += uint64(p)
		}
	}
	return uint8(sum / uint64(max(1, w*h)))
}
