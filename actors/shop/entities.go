package shop

import (
	"html"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/go-telegram/bot/models"
)

// formattedHTML renders a message's text with its formatting entities (the
// bold, italics, links… an admin applied in their Telegram client) as
// Telegram HTML, so a broadcast keeps the formatting its author sees. It
// returns "" when the text carries no formatting: then what was typed is
// taken as HTML as it is. Entities that Telegram detects by itself
// (mentions, links written out, commands) need no tag.
func formattedHTML(text string, ents []models.MessageEntity) string {
	type span struct {
		start, end  int // UTF-16 offsets
		open, close string
	}
	var spans []span
	for _, e := range ents {
		var open, closing string
		switch e.Type {
		case models.MessageEntityTypeBold:
			open, closing = "<b>", "</b>"
		case models.MessageEntityTypeItalic:
			open, closing = "<i>", "</i>"
		case models.MessageEntityTypeUnderline:
			open, closing = "<u>", "</u>"
		case models.MessageEntityTypeStrikethrough:
			open, closing = "<s>", "</s>"
		case models.MessageEntityTypeSpoiler:
			open, closing = "<tg-spoiler>", "</tg-spoiler>"
		case models.MessageEntityTypeCode:
			open, closing = "<code>", "</code>"
		case models.MessageEntityTypePre:
			open, closing = "<pre>", "</pre>"
			if e.Language != "" {
				open, closing = `<pre><code class="language-`+html.EscapeString(e.Language)+`">`, "</code></pre>"
			}
		case models.MessageEntityTypeBlockquote:
			open, closing = "<blockquote>", "</blockquote>"
		case models.MessageEntityTypeExpandableBlockquote:
			open, closing = "<blockquote expandable>", "</blockquote>"
		case models.MessageEntityTypeTextLink:
			open, closing = `<a href="`+html.EscapeString(e.URL)+`">`, "</a>"
		case models.MessageEntityTypeTextMention:
			if e.User == nil {
				continue
			}
			open, closing = `<a href="tg://user?id=`+strconv.FormatInt(e.User.ID, 10)+`">`, "</a>"
		case models.MessageEntityTypeCustomEmoji:
			open, closing = `<tg-emoji emoji-id="`+html.EscapeString(e.CustomEmojiID)+`">`, "</tg-emoji>"
		default:
			continue
		}
		if e.Length > 0 && e.Offset >= 0 {
			spans = append(spans, span{e.Offset, e.Offset + e.Length, open, closing})
		}
	}
	if len(spans) == 0 {
		return ""
	}
	// Outer spans first: by start, then the longer.
	slices.SortStableFunc(spans, func(a, b span) int {
		if a.start != b.start {
			return a.start - b.start
		}
		return b.end - a.end
	})
	units := utf16.Encode([]rune(text))
	var b strings.Builder
	var stack []span
	next := 0
	for i := 0; i <= len(units); i++ {
		// Close what ends here, innermost first; a span crossing an inner
		// one's end is closed and reopened around it.
		var reopen []span
		for len(stack) > 0 {
			top := stack[len(stack)-1]
			if top.end > i && !slices.ContainsFunc(stack, func(s span) bool { return s.end <= i }) {
				break
			}
			stack = stack[:len(stack)-1]
			b.WriteString(top.close)
			if top.end > i {
				reopen = append(reopen, top)
			}
		}
		for k := len(reopen) - 1; k >= 0; k-- {
			b.WriteString(reopen[k].open)
			stack = append(stack, reopen[k])
		}
		for next < len(spans) && spans[next].start == i {
			if spans[next].end > i {
				b.WriteString(spans[next].open)
				stack = append(stack, spans[next])
			}
			next++
		}
		if i == len(units) {
			break
		}
		// One character (a surrogate pair is two units).
		n := 1
		if utf16.IsSurrogate(rune(units[i])) && i+1 < len(units) {
			n = 2
		}
		b.WriteString(html.EscapeString(string(utf16.Decode(units[i : i+n]))))
		i += n - 1
	}
	return b.String()
}
