package receipt

import (
	"crypto/sha256"
	"fmt"
	"image"
	"math/bits"
	"time"
)

// Fingerprint is what the store keeps for every receipt so that a new one
// can be compared with the earlier ones (Telegram's file_unique_id, which
// catches a forwarded file before any hash, is the store's to keep too).
// It fits in a row: 32 bytes, a BIGINT and two plain columns.
type Fingerprint struct {
	// SHA256 is the hash of the file's bytes: the very same file again.
	SHA256 [sha256.Size]byte
	// DHash is a difference hash of the picture (for a PDF, of its first
	// page as rendered), taken after a dark theme is inverted; valid only
	// with HasDHash. Re-encoding, resizing, Telegram's recompression or a
	// screenshot in the other theme moves it by a bit or two.
	DHash    uint64
	HasDHash bool
	// What OCR read, zero when it read nothing: the printed amount and the
	// printed date and time (wall clock, see Date.Wall).
	AmountKopecks int64
	PaidAt        time.Time
}

// NearDuplicateBits is the largest Hamming distance at which two DHashes
// are taken for the same picture. Re-encoding and resizing a receipt screen
// moves its hash by at most two bits in the tests; an unrelated picture is
// some 32 bits away.
const NearDuplicateBits = 6

// Hamming returns the number of bits in which two hashes differ.
func Hamming(a, b uint64) int { return bits.OnesCount64(a ^ b) }

// Similarity is how an earlier receipt relates to a new one.
type Similarity int

const (
	// Different: no reason to think they are the same receipt.
	Different Similarity = iota
	// SimilarPicture: the pictures are near but the readings differ. Two
	// receipts of one bank's template from the same payer look alike to
	// any perceptual hash; so does an old receipt with its date or amount
	// edited. The admin should look at both.
	SimilarPicture
	// SamePicture: near pictures whose readings do not contradict each
	// other: the same receipt re-encoded, resized or re-screenshotted.
	SamePicture
	// SameFile: byte for byte the same file.
	SameFile
)

// String names the similarity for logs.
func (s Similarity) String() string {
	switch s {
	case Different:
		return "different"
	case SimilarPicture:
		return "similar_picture"
	case SamePicture:
		return "same_picture"
	case SameFile:
		return "same_file"
	}
	return fmt.Sprintf("similarity(%d)", int(s))
}

// Compare tells how two receipts' fingerprints relate.
func Compare(a, b Fingerprint) Similarity {
	if a.SHA256 == b.SHA256 {
		return SameFile
	}
	if !a.HasDHash || !b.HasDHash || Hamming(a.DHash, b.DHash) > NearDuplicateBits {
		return Different
	}
	if a.AmountKopecks != 0 && b.AmountKopecks != 0 && a.AmountKopecks != b.AmountKopecks {
		return SimilarPicture
	}
	if !a.PaidAt.IsZero() && !b.PaidAt.IsZero() && !a.PaidAt.Equal(b.PaidAt) {
		return SimilarPicture
	}
	return SamePicture
}

// The DHash grid: each of the 64 bits says whether a cell of a 9×8 grid
// laid over the picture is brighter than its right neighbour by more than
// dhashMinStep, so that near-white margins do not flip bits.
const (
	dhashCols    = 8
	dhashRows    = 8
	dhashMinStep = 2
)

// dhash computes the DHash of a grayscale picture.
func dhash(g *image.Gray) uint64 {
	cells := resizeGray(g, dhashCols+1, dhashRows)
	var h uint64
	bit := 0
	for y := range dhashRows {
		row := cells.Pix[y*cells.Stride:]
		for x := range dhashCols {
			if int(row[x]) > int(row[x+1])+dhashMinStep {
				h |= 1 << bit
			}
			bit++
		}
	}
	return h
}
