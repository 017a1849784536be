package receipt

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

// seeded is a deterministic stream standing in for crypto/rand.Reader.
func seeded(seed uint64) *rand.ChaCha8 {
	var s [32]byte
	s[0] = byte(seed)
	s[1] = byte(seed >> 8)
	return rand.NewChaCha8(s)
}

func TestNewReferenceIsValidAndUsesOnlyTheAlphabet(t *testing.T) {
	src := seeded(1)
	seen := map[string]bool{}
	for range 2000 {
		ref, err := NewReference(src)
		if err != nil {
			t.Fatal(err)
		}
		if !ValidReference(ref) {
			t.Fatalf("NewReference gave %q, which ValidReference rejects", ref)
		}
		if len(ref) != len("KB-")+6 || !strings.HasPrefix(ref, "KB-") {
			t.Fatalf("reference %q is not KB- and six characters", ref)
		}
		if strings.ContainsAny(ref[3:], "0O1ILSBZGDQVY") {
			t.Fatalf("reference %q holds a confusable character", ref)
		}
		seen[ref] = true
	}
	// 2000 draws from 6.4 million: a clash or two is possible, dozens mean
	// the stream is not being used.
	if len(seen) < 1990 {
		t.Fatalf("only %d distinct references in 2000 draws", len(seen))
	}
}

// Every character of the alphabet turns up in every position: the draw
// does not get stuck on part of the alphabet.
func TestNewReferenceCoversTheAlphabet(t *testing.T) {
	src := seeded(2)
	var count [referenceBody][256]int
	for range 3000 {
		ref, err := NewReference(src)
		if err != nil {
			t.Fatal(err)
		}
		for i := range referenceBody {
			count[i][ref[3+i]]++
		}
	}
	for i := range referenceBody {
		for _, c := range []byte(referenceAlpha) {
			// Expected 3000/23 ≈ 130 each.
			if n := count[i][c]; n < 70 || n > 200 {
				t.Errorf("position %d: %q drawn %d times of 3000", i, c, n)
			}
		}
	}
}

// Bytes that would bias the draw are skipped, not folded in.
func TestNewReferenceSkipsBiasedBytes(t *testing.T) {
	stream := append(bytes.Repeat([]byte{255}, 16), bytes.Repeat([]byte{0, 1, 2, 3, 4}, 4)...)
	ref, err := NewReference(bytes.NewReader(stream))
	if err != nil {
		t.Fatal(err)
	}
	if ref[:8] != "KB-23456" {
		t.Fatalf("got %q, want the code from bytes 0..4 after the skipped 255s", ref)
	}
}

func TestNewReferenceReportsAFailingSource(t *testing.T) {
	boom := errors.New("entropy ran out")
	_, err := NewReference(failingReader{boom})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want it to wrap %v", err, boom)
	}
}

type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }

// The check character catches every single wrong character and every swap
// of two different characters.
func TestValidReferenceCatchesTyposAndSwaps(t *testing.T) {
	src := seeded(3)
	for range 300 {
		ref, err := NewReference(src)
		if err != nil {
			t.Fatal(err)
		}
		code := []byte(ref[3:])
		for i := range code {
			for _, c := range []byte(referenceAlpha) {
				if c == code[i] {
					continue
				}
				typo := append([]byte(nil), code...)
				typo[i] = c
				if ValidReference("KB-" + string(typo)) {
					t.Fatalf("%s with position %d changed to %q still passes", ref, i, c)
				}
			}
			for j := i + 1; j < len(code); j++ {
				if code[i] == code[j] {
					continue
				}
				swap := append([]byte(nil), code...)
				swap[i], swap[j] = swap[j], swap[i]
				if ValidReference("KB-" + string(swap)) {
					t.Fatalf("%s with positions %d and %d swapped still passes", ref, i, j)
				}
			}
		}
	}
}

func TestValidReferenceRejectsMalformed(t *testing.T) {
	for _, s := range []string{"", "KB-", "KB-7F3K2", "KB-7F3K233", "kb-7f3k23", "KB7F3K23", "XX-7F3K23", "KB-7F3K2O", "KB-7F3К23"} {
		if ValidReference(s) {
			t.Errorf("ValidReference(%q) = true", s)
		}
	}
	if !ValidReference("KB-7F3K23") {
		t.Fatal("the fixture KB-7F3K23 should be valid")
	}
}

func TestNormalizeReference(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"KB-7F3K23", "KB-7F3K23", true},
		{"kb-7f3k23", "KB-7F3K23", true},                    // typed in lower case
		{"КВ-7F3К23", "KB-7F3K23", true},                    // Cyrillic К, В, К
		{"K B - 7F3 K23", "KB-7F3K23", true},                // stray spaces
		{"K8—7F3K23", "KB-7F3K23", true},                    // B read as 8, em dash
		{"KB7F3K23", "KB-7F3K23", true},                     // dash lost
		{"KB-M8PA32", "KB-M8PA32", true},                    //
		{"KB-MBPA32", "KB-M8PA32", true},                    // 8 read as B
		{"KB-25CEW3", "KB-25CEW3", true},                    //
		{"KB-ZSCEW3", "KB-25CEW3", true},                    // 2 as Z, 5 as S
		{"kb-4нn9x5", "KB-4HN9X5", true},                    // Cyrillic н
		{"KB-7F3K24", "KB-7F3K24", false},                   // wrong check character
		{"KB-7F3K2", "", false},                             // too short
		{"7F3K23", "", false},                               // no prefix
		{"Сообщение: KB-7F3K23", "", false},                 // not just a reference
		{"\u00a0KB\u2009-\u202f7F3K23 ", "KB-7F3K23", true}, // Unicode spaces
	} {
		got, ok := NormalizeReference(tc.in)
		if ok != tc.ok || (tc.want != "" && got != tc.want) {
			t.Errorf("NormalizeReference(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestFindReferencesInNoisyText(t *testing.T) {
	text := "Сообщение: КВ-7F3К23\nИдентификатор B4338104530\nkb-m8pa3 2 и ещё KB-7F3K23\nKB-7F3K24 (чужая, битая)\nНомер 4081781050001234"
	got := findReferences(text)
	want := []string{"KB-7F3K23", "KB-M8PA32"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("findReferences = %v, want %v", got, want)
	}
	if !containsCode("Сообщение 7F3 K23", "KB-7F3K23") {
		t.Fatal("the expected code without its prefix was not found")
	}
	if containsCode("Сообщение 7F3K22", "KB-7F3K23") {
		t.Fatal("a different code matched")
	}
}
