package receipt

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A reference is what the user types into the transfer comment so that a
// receipt can be tied to the top-up request it pays: "KB-" followed by five
// code characters and one check character, e.g. "KB-7F3K2H".
//
// The alphabet leaves out every character OCR (or a person retyping the code
// into a bank app) is likely to mix up with another one: 0/O/D/Q, 1/I/L,
// 2/Z, 5/S, 6/G, 8/B, U/V, Y. Its 23 characters make the check character a
// weighted sum modulo a prime, which catches every single wrong character
// and every swap of two characters. 23⁵ ≈ 6.4 million codes: enough for the
// requests open at one time, which is where a reference must be unique
// (the store that issues it enforces that and draws again on a clash).
const (
	referencePrefix = "KB-"
	referenceAlpha  = "23456789ACEFHJKMNPRTUWX"
	referenceBody   = 5
	referenceLen    = referenceBody + 1 // with the check character
)

// NewReference draws a fresh reference from rand (crypto/rand.Reader in
// production, a fixed stream in tests).
func NewReference(rand io.Reader) (string, error) {
	n := len(referenceAlpha)
	// Bytes at or above limit would make some characters likelier than
	// others; they are drawn again.
	limit := 256 - 256%n
	var code [referenceLen]byte
	var buf [16]byte
	filled := 0
	for filled < referenceBody {
		if _, err := io.ReadFull(rand, buf[:]); err != nil {
			return "", fmt.Errorf("receipt: draw a reference: %w", err)
		}
		for _, b := range buf {
			if int(b) >= limit || filled == referenceBody {
				continue
			}
			code[filled] = referenceAlpha[int(b)%n]
			filled++
		}
	}
	code[referenceBody] = checkChar(code[:referenceBody])
	return referencePrefix + string(code[:]), nil
}

// ValidReference reports whether s is a reference exactly as NewReference
// writes it: prefix, alphabet, length and check character.
func ValidReference(s string) bool {
	code, ok := strings.CutPrefix(s, referencePrefix)
	if !ok || len(code) != referenceLen {
		return false
	}
	for i := 0; i < len(code); i++ {
		if strings.IndexByte(referenceAlpha, code[i]) < 0 {
			return false
		}
	}
	return checkChar([]byte(code[:referenceBody])) == code[referenceBody]
}

// NormalizeReference reads a reference the way a person or OCR may have
// written it — lower case, Cyrillic look-alikes (КВ-…), stray spaces, a
// missing or different dash, 8 for B, S for 5 — and returns it in the form
// ValidReference accepts.
func NormalizeReference(s string) (string, bool) {
	c := canonicalCode(s)
	body, ok := strings.CutPrefix(c, "K8")
	if !ok {
		return "", false
	}
	body = strings.TrimLeft(body, referenceDashes)
	if len(body) != referenceLen {
		return "", false
	}
	ref := referencePrefix + body
	return ref, ValidReference(ref)
}

// referenceDashes are what may stand between the prefix and the code once
// OCR is done with a hyphen.
const referenceDashes = "-‐‑‒–—―_.:,=~"

// checkChar returns the character that makes Σ (i+1)·value(code[i]) ≡ 0
// (mod 23) over the body and the check character together.
func checkChar(body []byte) byte {
	n := len(referenceAlpha)
	sum := 0
	for i, c := range body {
		sum += (i + 1) * strings.IndexByte(referenceAlpha, c)
	}
	w := len(body) + 1 // the check character's weight
	// value·w ≡ -sum (mod n); n is prime, so w has an inverse.
	for v := 0; v < n; v++ {
		if (sum+w*v)%n == 0 {
			return referenceAlpha[v]
		}
	}
	panic("receipt: reference alphabet size is not prime") // unreachable with 23
}

// findReferences returns every valid reference in OCR text, in order, each
// once. The prefix is required: without it, a five-plus-one run of code
// characters inside an account number would pass the check one time in 23.
func findReferences(text string) []string {
	c := canonicalCode(text)
	var out []string
	for i := 0; ; {
		j := strings.Index(c[i:], "K8")
		if j < 0 {
			return out
		}
		start := i + j + 2
		i = start
		body := strings.TrimLeft(c[start:], referenceDashes)
		if len(body) < referenceLen {
			continue
		}
		ref := referencePrefix + body[:referenceLen]
		if ValidReference(ref) && !slices.Contains(out, ref) {
			out = append(out, ref)
		}
	}
}

// containsCode reports whether OCR text holds the code of ref, with or
// without a readable prefix. A random run matches one time in 23⁶, so the
// expected code needs no prefix to be trusted.
func containsCode(text, ref string) bool {
	code, ok := strings.CutPrefix(ref, referencePrefix)
	if !ok || code == "" {
		return false
	}
	return strings.Contains(canonicalCode(text), code)
}

// canonicalCode maps text onto the reference alphabet's view of it: upper
// case, Cyrillic look-alikes to Latin, the confusable characters the
// alphabet left out to the ones it kept, whitespace dropped.
func canonicalCode(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		if isSpace(r) {
			continue
		}
		if m, ok := codeRune(r); ok {
			b.WriteByte(m)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// codeRune maps one rune to its ASCII reading, when it has one.
func codeRune(r rune) (byte, bool) {
	switch r {
	// Cyrillic letters that look like Latin ones or digits, either case.
	case 'А', 'а':
		r = 'A'
	case 'В', 'в':
		r = 'B'
	case 'Е', 'е', 'Ё', 'ё':
		r = 'E'
	case 'К', 'к':
		r = 'K'
	case 'М', 'м':
		r = 'M'
	case 'Н', 'н':
		r = 'H'
	case 'О', 'о':
		r = 'O'
	case 'Р', 'р':
		r = 'P'
	case 'С', 'с':
		r = 'C'
	case 'Т', 'т':
		r = 'T'
	case 'Х', 'х':
		r = 'X'
	case 'У', 'у':
		r = 'Y'
	case 'З', 'з':
		r = '3'
	case 'Ч', 'ч':
		r = '4'
	case 'Б', 'б':
		r = '6'
	}
	if r >= 'a' && r <= 'z' {
		r -= 'a' - 'A'
	}
	switch r {
	// Characters the alphabet left out, read as the one they resemble.
	case 'B':
		r = '8'
	case 'S':
		r = '5'
	case 'Z':
		r = '2'
	case 'G':
		r = '6'
	case 'V':
		r = 'U'
	}
	if r < utf8.RuneSelf {
		return byte(r), true
	}
	return 0, false
}

// isSpace is true for every kind of space OCR emits: the ASCII ones,
// no-break, thin, narrow no-break, figure spaces and the like.
func isSpace(r rune) bool {
	return unicode.IsSpace(r) || unicode.Is(unicode.Zs, r) || r == '\u200b' || r == '\ufeff'
}
