package fsm

import (
	"strings"
	"testing"
)

func TestCatalogueHasBothLanguages(t *testing.T) {
	for k, pair := range catalogue {
		if strings.TrimSpace(pair[0]) == "" || strings.TrimSpace(pair[1]) == "" {
			t.Errorf("text %q lacks a translation: %q", k, pair)
		}
		if strings.Count(pair[0], "%") != strings.Count(pair[1], "%") {
			t.Errorf("text %q: Russian and English take different arguments", k)
		}
	}
}

func TestWelcomeEscapesTheName(t *testing.T) {
	s := Welcome(RU, `<b>Eve</b> & "co"`)
	if strings.Contains(s.Text, "<b>Eve") || !strings.Contains(s.Text, "&lt;b&gt;Eve&lt;/b&gt; &amp; &#34;co&#34;") {
		t.Fatalf("name not escaped: %q", s.Text)
	}
	if len(s.Buttons) == 0 {
		t.Fatal("welcome has no menu")
	}
	for _, row := range s.Buttons {
		for _, b := range row {
			if len(b.Data) == 0 || len(b.Data) > 64 {
				t.Errorf("button %q has callback data of %d bytes", b.Text, len(b.Data))
			}
		}
	}
	if en := Welcome(EN, ""); !strings.Contains(en.Text, "Hi, there") {
		t.Fatalf("English welcome without a name = %q", en.Text)
	}
}
