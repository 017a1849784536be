package shop

import (
	"testing"

	"github.com/go-telegram/bot/models"
)

func TestFormattedHTML(t *testing.T) {
	ent := func(typ models.MessageEntityType, off, n int) models.MessageEntity {
		return models.MessageEntity{Type: typ, Offset: off, Length: n}
	}
	for _, c := range []struct {
		text string
		ents []models.MessageEntity
		want string
	}{
		{"plain <b> & text", nil, ""},
		{"/start now", []models.MessageEntity{ent(models.MessageEntityTypeBotCommand, 0, 6)}, ""},
		{"Sale today & <more>", []models.MessageEntity{ent(models.MessageEntityTypeBold, 0, 4)}, "<b>Sale</b> today &amp; &lt;more&gt;"},
		{"bold italic", []models.MessageEntity{ent(models.MessageEntityTypeBold, 0, 11), ent(models.MessageEntityTypeItalic, 5, 6)},
			"<b>bold <i>italic</i></b>"},
		// Offsets count UTF-16 units: the emoji is two.
		{"🎁 gift here", []models.MessageEntity{ent(models.MessageEntityTypeUnderline, 3, 4)}, "🎁 <u>gift</u> here"},
		{"site", []models.MessageEntity{{Type: models.MessageEntityTypeTextLink, Offset: 0, Length: 4, URL: `https://x.y/?a=1&b="2"`}},
			`<a href="https://x.y/?a=1&amp;b=&#34;2&#34;">site</a>`},
		// Overlapping, not nested: the outer one is closed and reopened.
		{"abcdef", []models.MessageEntity{ent(models.MessageEntityTypeBold, 0, 4), ent(models.MessageEntityTypeItalic, 2, 4)},
			"<b>ab<i>cd</i></b><i>ef</i>"},
	} {
		if got := formattedHTML(c.text, c.ents); got != c.want {
			t.Errorf("formattedHTML(%q) = %q; want %q", c.text, got, c.want)
		}
	}
}
