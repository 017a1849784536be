package telegramtest

import (
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"
)

// openTag is an HTML tag awaiting its end tag.
type openTag struct {
	name     string
	entity   models.MessageEntityType
	start    int // UTF-16 offset in the output
	url      string
	language string
	emojiID  string
}

// parseHTML turns Telegram's HTML subset
// (https://core.telegram.org/bots/api#html-style) into plain text and
// entities, with offsets in UTF-16 code units, and refuses what Telegram
// refuses: unsupported tags, unbalanced or mismatched end tags.
func parseHTML(src string) (string, []models.MessageEntity, *apiError) {
	var out strings.Builder
	out.Grow(len(src))
	pos := 0 // UTF-16 length of out
	var stack []openTag
	var ents []models.MessageEntity
	for i := 0; i < len(src); {
		switch c := src[i]; c {
		case '<':
			end := strings.IndexByte(src[i:], '>')
			if end < 0 {
				return "", nil, entityErr("Can't find end of the tag starting at byte offset %d", i)
			}
			tag := src[i+1 : i+end]
			if strings.HasPrefix(tag, "/") {
				name := strings.ToLower(strings.TrimSpace(tag[1:]))
				if len(stack) == 0 {
					return "", nil, entityErr("Unexpected end tag at byte offset %d", i)
				}
				top := stack[len(stack)-1]
				if name != top.name {
					return "", nil, entityErr("Unmatched end tag at byte offset %d, expected \"</%s>\", found \"</%s>\"", i, top.name, name)
				}
				stack = stack[:len(stack)-1]
				if top.entity != "" && pos > top.start {
					ents = append(ents, models.MessageEntity{
						Type: top.entity, Offset: top.start, Length: pos - top.start,
						URL: top.url, Language: top.language, CustomEmojiID: top.emojiID,
					})
				}
			} else {
				t, err := parseStartTag(tag, i)
				if err != nil {
					return "", nil, err
				}
				t.start = pos
				// <pre><code class="language-go"> sets the pre's language
				// instead of nesting a code entity.
				if t.name == "code" && t.language != "" && len(stack) > 0 && stack[len(stack)-1].name == "pre" {
					stack[len(stack)-1].language = t.language
					t.entity = ""
				}
				t.language = "" // only a pre carries a language
				stack = append(stack, t)
			}
			i += end + 1
		case '&':
			r, n := parseHTMLEntity(src[i:])
			if n == 0 {
				r, n = '&', 1 // a lone ampersand is kept as text
			}
			out.WriteRune(r)
			pos += utf16.RuneLen(r)
			i += n
		default:
			r, n := utf8.DecodeRuneInString(src[i:])
			out.WriteString(src[i : i+n])
			if r == utf8.RuneError && n == 1 {
				return "", nil, badRequest("text must be encoded in UTF-8")
			}
			pos += utf16.RuneLen(r)
			i += n
		}
	}
	if len(stack) > 0 {
		return "", nil, entityErr("Can't find end tag corresponding to start tag \"%s\"", stack[len(stack)-1].name)
	}
	sort.SliceStable(ents, func(a, b int) bool { return ents[a].Offset < ents[b].Offset })
	return out.String(), ents, nil
}

func entityErr(format string, args ...any) *apiError {
	return badRequest("can't parse entities: "+format, args...)
}

func parseStartTag(tag string, offset int) (openTag, *apiError) {
	tag = strings.TrimSuffix(strings.TrimSpace(tag), "/")
	name, rest := tag, ""
	if i := strings.IndexAny(tag, " \t\n"); i >= 0 {
		name, rest = tag[:i], tag[i+1:]
	}
	name = strings.ToLower(name)
	attrs, ok := parseAttrs(rest)
	if !ok {
		return openTag{}, entityErr("Can't parse attributes of tag \"%s\" at byte offset %d", name, offset)
	}
	t := openTag{name: name}
	switch name {
	case "b", "strong":
		t.entity = models.MessageEntityTypeBold
	case "i", "em":
		t.entity = models.MessageEntityTypeItalic
	case "u", "ins":
		t.entity = models.MessageEntityTypeUnderline
	case "s", "strike", "del":
		t.entity = models.MessageEntityTypeStrikethrough
	case "tg-spoiler":
		t.entity = models.MessageEntityTypeSpoiler
	case "span":
		if attrs["class"] != "tg-spoiler" {
			return openTag{}, entityErr("Tag \"span\" must have class \"tg-spoiler\" at byte offset %d", offset)
		}
		t.entity = models.MessageEntityTypeSpoiler
	case "a":
		if href := attrs["href"]; href != "" {
			t.entity = models.MessageEntityTypeTextLink
			t.url = href
		}
	case "code":
		t.entity = models.MessageEntityTypeCode
		t.language = strings.TrimPrefix(attrs["class"], "language-")
		if t.language == attrs["class"] {
			t.language = ""
		}
	case "pre":
		t.entity = models.MessageEntityTypePre
	case "blockquote":
		t.entity = models.MessageEntityTypeBlockquote
		if _, ok := attrs["expandable"]; ok {
			t.entity = models.MessageEntityTypeExpandableBlockquote
		}
	case "tg-emoji":
		t.entity = models.MessageEntityTypeCustomEmoji
		t.emojiID = attrs["emoji-id"]
	default:
		return openTag{}, entityErr("Unsupported start tag \"%s\" at byte offset %d", name, offset)
	}
	return t, nil
}

// parseAttrs reads name="value", name='value', name=value and bare names.
func parseAttrs(s string) (map[string]string, bool) {
	attrs := map[string]string{}
	for {
		s = strings.TrimLeft(s, " \t\n")
		if s == "" {
			return attrs, true
		}
		i := strings.IndexAny(s, "= \t\n")
		if i < 0 {
			attrs[strings.ToLower(s)] = ""
			return attrs, true
		}
		name := strings.ToLower(s[:i])
		if s[i] != '=' {
			attrs[name] = ""
			s = s[i:]
			continue
		}
		s = s[i+1:]
		var val string
		switch {
		case s == "":
			return nil, false
		case s[0] == '"' || s[0] == '\'':
			end := strings.IndexByte(s[1:], s[0])
			if end < 0 {
				return nil, false
			}
			val, s = s[1:1+end], s[2+end:]
		default:
			end := strings.IndexAny(s, " \t\n")
			if end < 0 {
				end = len(s)
			}
			val, s = s[:end], s[end:]
		}
		attrs[name] = unescapeHTML(val)
	}
}

func unescapeHTML(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] == '&' {
			if r, n := parseHTMLEntity(s[i:]); n > 0 {
				b.WriteRune(r)
				i += n
				continue
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// parseHTMLEntity decodes the entity at the start of s: the four named ones
// Telegram supports and any numeric one. n is 0 when s has none.
func parseHTMLEntity(s string) (rune, int) {
	end := strings.IndexByte(s, ';')
	if end < 2 || end > 12 {
		return 0, 0
	}
	body := s[1:end]
	switch body {
	case "lt":
		return '<', end + 1
	case "gt":
		return '>', end + 1
	case "amp":
		return '&', end + 1
	case "quot":
		return '"', end + 1
	}
	if body[0] != '#' {
		return 0, 0
	}
	var v uint64
	var err error
	if len(body) > 1 && (body[1] == 'x' || body[1] == 'X') {
		v, err = strconv.ParseUint(body[2:], 16, 32)
	} else {
		v, err = strconv.ParseUint(body[1:], 10, 32)
	}
	if err != nil || !utf8.ValidRune(rune(v)) {
		return 0, 0
	}
	return rune(v), end + 1
}
