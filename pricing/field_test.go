package pricing

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestFieldParse(t *testing.T) {
	t.Parallel()
	prompt := Field{Name: "prompt", Type: KindString, MinLength: 3, MaxLength: 10}
	enum := Field{Name: "resolution", Type: KindEnum, Values: []string{"768P", "1080P"}}
	flag := Field{Name: "sound", Type: KindBool}
	onlyFalse := Field{Name: "sound", Type: KindBool, Values: []string{"false"}}
	count := Field{Name: "steps", Type: KindInteger, Min: "2", Max: "49"}
	scale := Field{Name: "cfg_scale", Type: KindNumber, Min: "0", Max: "1"}
	file := Field{Name: "image_url", Type: KindFile, Media: MediaImage}
	for _, tc := range []struct {
		f    Field
		in   string
		want string
		err  error
	}{
		{prompt, "кот в шляпе", "", ErrTooLong}, // 11 runes, not 20 bytes' worth
		{prompt, "кот", "кот", nil},
		{prompt, "ab", "", ErrTooShort},
		{prompt, "   ", "", ErrRequired},
		{enum, "1080p", "1080P", nil}, // case-insensitive, canonical out
		{enum, "4K", "", ErrNotInEnum},
		{flag, "TRUE", "true", nil},
		{flag, "maybe", "", ErrNotBool},
		{onlyFalse, "true", "", ErrNotInEnum},
		{count, "25", "25", nil},
		{count, "2.5", "", ErrNotInteger},
		{count, "50", "", ErrOutOfBounds},
		{count, "1e1", "", ErrNotInteger},
		{scale, "0,5", "0.5", nil}, // Russian decimal comma
		{scale, "1.01", "", ErrOutOfBounds},
		{scale, "1/2", "", ErrNotNumber},
		{file, "https://x/y.png", "", ErrNotAFile},
	} {
		got, err := tc.f.Parse(tc.in)
		if !errors.Is(err, tc.err) || got != tc.want {
			t.Errorf("%s.Parse(%q) = %q, %v; want %q, %v", tc.f.Name, tc.in, got, err, tc.want, tc.err)
		}
		var fe *FieldError
		if tc.err != nil && (!errors.As(err, &fe) || fe.Field != tc.f.Name) {
			t.Errorf("%s.Parse(%q): error %v is not a *FieldError naming the field", tc.f.Name, tc.in, err)
		}
	}
	_, err := enum.Parse("4K")
	var fe *FieldError
	if !errors.As(err, &fe) || !slices.Equal(fe.Allowed, enum.Values) || !strings.Contains(err.Error(), "768P, 1080P") {
		t.Errorf("enum error must list the options: %v", err)
	}
	_, err = count.Parse("50")
	if !errors.As(err, &fe) || fe.Min != "2" || fe.Max != "49" {
		t.Errorf("bounds error must carry the limits: %#v", fe)
	}
}

func TestFieldCheckFiles(t *testing.T) {
	t.Parallel()
	single := Field{Name: "image_url", Type: KindFile, Media: MediaImage, Required: true, MinCount: 1}
	list := Field{Name: "image_urls", Type: KindFile, Media: MediaImage, Multiple: true, MinCount: 1, MaxCount: 3, MaxBytes: 1000}
	img := FileInfo{Media: MediaImage, Size: 10}
	voice := Field{Name: "audio_url", Type: KindFile, Media: MediaAudio, Required: true, MinCount: 1, MaxSeconds: 15}
	for _, tc := range []struct {
		f     Field
		files []FileInfo
		err   error
	}{
		{single, []FileInfo{img}, nil},
		{single, nil, ErrTooFewFiles},
		{single, []FileInfo{img, img}, ErrTooManyFiles},
		{single, []FileInfo{{Media: MediaVideo}}, ErrWrongFileType},
		{list, []FileInfo{img, img, img}, nil},
		{list, []FileInfo{img, img, img, img}, ErrTooManyFiles},
		{list, []FileInfo{{Media: MediaImage, Size: 1001}}, ErrFileTooLarge},
		{Field{Name: "prompt", Type: KindString}, []FileInfo{img}, ErrNotAFile},
		{voice, []FileInfo{{Media: MediaAudio, Seconds: 15}}, nil},
		{voice, []FileInfo{{Media: MediaAudio}}, nil}, // duration unknown: the quote refuses it, not the upload
		{voice, []FileInfo{{Media: MediaAudio, Seconds: 16}}, ErrMediaTooLong},
	} {
		if err := tc.f.CheckFiles(tc.files); !errors.Is(err, tc.err) {
			t.Errorf("%s.CheckFiles(%d files) = %v, want %v", tc.f.Name, len(tc.files), err, tc.err)
		}
	}
	var fe *FieldError
	if err := voice.CheckFiles([]FileInfo{{Media: MediaAudio, Seconds: 40}}); !errors.As(err, &fe) || fe.Max != "15" {
		t.Errorf("too long an audio: %v, want the 15 s limit in the error", err)
	}
}

func TestFieldFixedAndOptions(t *testing.T) {
	t.Parallel()
	if v, ok := (Field{Type: KindEnum, Values: []string{"1"}}).Fixed(); !ok || v != "1" {
		t.Errorf("single-value enum should be fixed, got %q %t", v, ok)
	}
	if _, ok := (Field{Type: KindBool}).Fixed(); ok {
		t.Error("a free bool is not fixed")
	}
	f := Field{Type: KindEnum, Values: []string{"a", "b"}}
	opts := f.Options()
	opts[0] = "mutated"
	if f.Values[0] != "a" {
		t.Error("Options must return a copy")
	}
}
