package store

import (
	"strings"
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
