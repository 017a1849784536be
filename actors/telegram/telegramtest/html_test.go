package telegramtest

import (
	"strings"
	"testing"

	"github.com/go-telegram/bot/models"
)

func TestParseHTML(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src      string
		text     string
		entities []models.MessageEntity
		err      string
	}{
		{src: "plain", text: "plain"},
		{src: "a &lt;b&gt; &amp;&quot; &#1071;&#x44f; & c", text: `a <b> &" Яя & c`},
		{src: "<b>bold <i>both</i></b>", text: "bold both", entities: []models.MessageEntity{
			{Type: "bold", Offset: 0, Length: 9}, {Type: "italic", Offset: 5, Length: 4}}},
		{src: "<span class=\"tg-spoiler\">s</span><tg-spoiler>t</tg-spoiler>", text: "st", entities: []models.MessageEntity{
			{Type: "spoiler", Offset: 0, Length: 1}, {Type: "spoiler", Offset: 1, Length: 1}}},
		{src: "<a href='https://x.y/?a=1&amp;b'>x</a><a>no href</a>", text: "xno href", entities: []models.MessageEntity{
			{Type: "text_link", Offset: 0, Length: 1, URL: "https://x.y/?a=1&b"}}},
		{src: "<blockquote expandable>q</blockquote>", text: "q", entities: []models.MessageEntity{
			{Type: "expandable_blockquote", Offset: 0, Length: 1}}},
		{src: "<code class=\"language-go\">c</code>", text: "c", entities: []models.MessageEntity{{Type: "code", Offset: 0, Length: 1}}},
		{src: "𝄞<u>x</u>", text: "𝄞x", entities: []models.MessageEntity{{Type: "underline", Offset: 2, Length: 1}}},
		{src: "<b></b>x", text: "x"}, // empty entities are dropped
		{src: "<b\n>x</b>", text: "x", entities: []models.MessageEntity{{Type: "bold", Offset: 0, Length: 1}}},
		{src: "<b>x", err: `Can't find end tag corresponding to start tag "b"`},
		{src: "x</b>", err: "Unexpected end tag at byte offset 1"},
		{src: "<b><i>x</b></i>", err: `Unmatched end tag at byte offset 7, expected "</i>", found "</b>"`},
		{src: "1 < 2", err: "Can't find end of the tag"},
		{src: "<span>x</span>", err: `Tag "span" must have class "tg-spoiler"`},
		{src: "<script>x</script>", err: `Unsupported start tag "script" at byte offset 0`},
		{src: "<a href=\"x>y</a>", err: `Can't parse attributes of tag "a"`},
	}
	for _, tt := range tests {
		text, ents, err := parseHTML(tt.src)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.description, tt.err) || err.code != 400 {
				t.Errorf("parseHTML(%q) error = %v, want 400 containing %q", tt.src, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseHTML(%q): %v", tt.src, err)
			continue
		}
		if text != tt.text || len(ents) != len(tt.entities) {
			t.Errorf("parseHTML(%q) = %q %+v, want %q %+v", tt.src, text, ents, tt.text, tt.entities)
			continue
		}
		for i := range ents {
			if ents[i] != tt.entities[i] {
				t.Errorf("parseHTML(%q) entity %d = %+v, want %+v", tt.src, i, ents[i], tt.entities[i])
			}
		}
	}
}
