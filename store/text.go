package store

import (
	"bytes"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Byte limits of the free-text columns the store fills from outside
// (Telegram, Kie, error chains). PostgreSQL rejects a text value that is
// not valid UTF-8 or holds a NUL (SQLSTATE 22021), which fails the whole
// write: a diagnostic must never be the reason a state change is lost.
const (
	maxErrorText = 1000 // inbox.last_error, jobs.unknown_cause, jobs.fail_msg
	maxShortText = 200  // jobs.stage, jobs.fail_code
	maxNameText  = 256  // bot_users.first_name, bot_users.username (Telegram allows 64 and 32 characters)
	maxNoteText  = 1000 // ledger_entries.note
)

// boundedText makes s storable in a text column of at most maxBytes bytes:
// invalid UTF-8 and NUL become U+FFFD, and a cut falls on a rune boundary.
func boundedText(s string, maxBytes int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	}
	if len(s) <= maxBytes {
		return s
	}
	cut := maxBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// jsonbText makes a JSON document acceptable to jsonb, which refuses the
// escape \u0000 and lone UTF-16 surrogates that plain JSON allows, and
// text that is not UTF-8. Each such escape becomes \ufffd (the same six
// bytes); anything else is returned as it is, without a copy.
func jsonbText(doc []byte) []byte {
	if !utf8.Valid(doc) {
		doc = bytes.ToValidUTF8(doc, []byte("\uFFFD"))
	}
	var out []byte // a copy, made at the first escape to replace
	for i := 0; i+1 < len(doc); {
		if doc[i] != '\\' {
			i++
			continue
		}
		if doc[i+1] != 'u' || i+6 > len(doc) {
			i += 2 // a two-character escape (\\, \", \n…): its second byte is not an escape
			continue
		}
		r, ok := hex4(doc[i+2 : i+6])
		switch {
		case !ok:
			// Invalid JSON; jsonb will say so.
		case utf16.IsSurrogate(r) && r < 0xDC00 && i+12 <= len(doc) && doc[i+6] == '\\' && doc[i+7] == 'u':
			if lo, ok := hex4(doc[i+8 : i+12]); ok && lo >= 0xDC00 && lo <= 0xDFFF {
				i += 12 // a proper pair
				continue
			}
			fallthrough
		case r == 0 || utf16.IsSurrogate(r):
			if out == nil {
				out = append([]byte(nil), doc...)
			}
			copy(out[i:], `\ufffd`)
		}
		i += 6
	}
	if out == nil {
		return doc
	}
	return out
}

func hex4(b []byte) (rune, bool) {
	var r rune
	for _, c := range b {
		switch {
		case '0' <= c && c <= '9':
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case 'A' <= c && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
