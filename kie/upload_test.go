package kie_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/kiebot/kiebot/kie"
	"github.com/kiebot/kiebot/kie/kietest"
)

func fetch(t *testing.T, url string) (int, []byte) {
	t.Helper()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestUploads covers the three upload endpoints on the upload host; every
// file is then served by the CDN without auth.
func TestUploads(t *testing.T) {
	b := setup(t)
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 5000)...)
	ext := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(png)
	}))
	defer ext.Close()

	ups := []struct {
		name string
		do   func() (*kie.UploadedFile, error)
	}{
		{"stream", func() (*kie.UploadedFile, error) {
			return b.client.UploadStream(ctxT(t), bytes.NewReader(png), "tg/u42", "a.png")
		}},
		{"base64", func() (*kie.UploadedFile, error) { return b.client.UploadBase64(ctxT(t), png, "tg/u42", "b.png") }},
		{"url", func() (*kie.UploadedFile, error) {
			return b.client.UploadFromURL(ctxT(t), ext.URL+"/src.png", "tg/u42", "c.png")
		}},
	}
	for _, u := range ups {
		t.Run(u.name, func(t *testing.T) {
			f, err := u.do()
			if err != nil {
				t.Fatalf("upload: %v", err)
			}
			if f.Size != int64(len(png)) || f.MimeType != "image/png" || !strings.HasPrefix(f.DownloadURL, b.srv.CDNURL) || !strings.HasPrefix(f.FilePath, "tg/u42/") {
				t.Errorf("uploaded %+v", f)
			}
			if code, body := fetch(t, f.DownloadURL); code != 200 || !bytes.Equal(body, png) {
				t.Errorf("CDN answered %d with %d bytes", code, len(body))
			}
		})
	}
	if n := b.srv.Count(kietest.RouteUploadStream) + b.srv.Count(kietest.RouteUploadBase64) + b.srv.Count(kietest.RouteUploadURL); n != 3 {
		t.Errorf("upload requests = %d, want 3", n)
	}
}

// TestUploadOverwriteAndExpiry: the same name overwrites; uploads expire
// after three days on the fake clock.
func TestUploadOverwriteAndExpiry(t *testing.T) {
	b := setup(t)
	f1, err := b.client.UploadBase64(ctxT(t), []byte("first"), "p", "same.txt")
	if err != nil {
		t.Fatal(err)
	}
	f2, err := b.client.UploadBase64(ctxT(t), []byte("second"), "p", "same.txt")
	if err != nil {
		t.Fatal(err)
	}
	if f1.DownloadURL != f2.DownloadURL {
		t.Fatalf("urls differ: %s %s", f1.DownloadURL, f2.DownloadURL)
	}
	if _, body := fetch(t, f1.DownloadURL); string(body) != "second" {
		t.Errorf("CDN serves %q, want the overwrite", body)
	}
	b.srv.Advance(72*time.Hour + time.Second)
	if code, _ := fetch(t, f1.DownloadURL); code != 404 {
		t.Errorf("expired upload answered %d, want 404", code)
	}
}

func TestUploadFailures(t *testing.T) {
	b := setup(t)
	b.srv.SetMaxUploadBytes(10)
	if _, err := b.client.UploadBase64(ctxT(t), make([]byte, 11), "p", "big.bin"); !errors.Is(err, kie.ErrValidation) {
		t.Errorf("oversize: err = %v, want ErrValidation (400)", err)
	}
	if _, err := b.client.UploadStream(ctxT(t), bytes.NewReader(make([]byte, 11)), "p", "big.bin"); !errors.Is(err, kie.ErrValidation) {
		t.Errorf("oversize stream: err = %v, want ErrValidation (400)", err)
	}
	if _, err := b.client.UploadFromURL(ctxT(t), "http://127.0.0.1:1/nothing.png", "p", "x.png"); !errors.Is(err, kie.ErrValidation) {
		t.Errorf("unreachable url: err = %v, want ErrValidation (400)", err)
	}
	before := b.srv.Count(kietest.RouteAny)
	for _, p := range []string{"", "/lead", "trail/", "a/../b", "a//b"} {
		if _, err := b.client.UploadBase64(ctxT(t), []byte("x"), p, "f.txt"); !errors.Is(err, kie.ErrValidation) {
			t.Errorf("uploadPath %q: err = %v, want ErrValidation", p, err)
		}
	}
	if _, err := b.client.UploadFromURL(ctxT(t), "https://api.telegram.org/file/bot123:ABC/photo.jpg", "p", ""); !errors.Is(err, kie.ErrValidation) {
		t.Errorf("telegram url: err = %v, want ErrValidation", err)
	}
	if n := b.srv.Count(kietest.RouteAny); n != before {
		t.Errorf("%d requests sent for locally invalid uploads", n-before)
	}
	// A reader that fails mid-stream surfaces its own error.
	_, err := b.client.UploadStream(ctxT(t), iotest.ErrReader(errors.New("disk on fire")), "p", "x.bin")
	if err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("err = %v, want the reader's error", err)
	}
}

// TestUploadLegacyField: an answer with fileUrl instead of downloadUrl.
func TestUploadLegacyField(t *testing.T) {
	b := setup(t)
	b.srv.SetLegacyUploadField(true)
	f, err := b.client.UploadBase64(ctxT(t), []byte("hello"), "p", "h.txt")
	if err != nil || !strings.HasPrefix(f.DownloadURL, b.srv.CDNURL) {
		t.Fatalf("upload = %+v, %v", f, err)
	}
}

func TestDownloadURL(t *testing.T) {
	b := setup(t)
	b.srv.ScriptNext(kietest.Script{})
	task := read(t, b, create(t, b, nanoBanana()))
	link, err := b.client.DownloadURL(ctxT(t), task.Result.URLs[0])
	if err != nil {
		t.Fatal(err)
	}
	if link == task.Result.URLs[0] {
		t.Errorf("download url is the input url")
	}
	if code, body := fetch(t, link); code != 200 || !strings.HasPrefix(string(body), "\x89PNG") {
		t.Errorf("link answered %d", code)
	}
	b.srv.Advance(21 * time.Minute)
	if code, _ := fetch(t, link); code != 404 {
		t.Errorf("link after 21 minutes answered %d, want 404", code)
	}
	if _, err := b.client.DownloadURL(ctxT(t), "https://example.com/x.png"); !errors.Is(err, kie.ErrValidation) {
		t.Errorf("foreign url: err = %v, want ErrValidation (422)", err)
	}
}

func TestCatalogue(t *testing.T) {
	b := setup(t)
	models, err := b.client.ListModels(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(models) != len(kietest.DefaultModels()) {
		t.Errorf("ListModels = %d models, want %d", len(models), len(kietest.DefaultModels()))
	}
	var kling *kie.ModelInfo
	for i := range models {
		if models[i].Model == "kling-2.6/text-to-video" {
			kling = &models[i]
		}
	}
	if kling == nil || kling.Provider != "Kling" || len(kling.TaskTypes) != 1 || kling.PricingDesc == "" {
		t.Errorf("kling entry = %+v", kling)
	}
	s, err := b.client.ModelSchema(ctxT(t), "kling-2.6/text-to-video")
	if err != nil || !strings.Contains(string(s.OpenAPI), `"openapi":"3.1.0"`) || s.Model != "kling-2.6/text-to-video" {
		t.Errorf("schema = %s, %v", s.OpenAPI, err)
	}
	if p := b.srv.Requests(); p[len(p)-1].Path != "/api/v1/models/kling-2.6/text-to-video/schema" {
		t.Errorf("path = %s, want the / unencoded", p[len(p)-1].Path)
	}
	b.srv.AddModel(kietest.Model{ID: "new/model", Price: 1, NoSchema: true})
	if s, err := b.client.ModelSchema(ctxT(t), "new/model"); err != nil || s.OpenAPI != nil {
		t.Errorf("unsynced schema = %s, %v; want nil", s.OpenAPI, err)
	}
	if p, err := b.client.ModelPrice(ctxT(t), "new/model"); err != nil || p.PricingDesc != "" {
		t.Errorf("null price = %+v, %v", p, err)
	}
	if p, err := b.client.ModelPrice(ctxT(t), "z-image"); err != nil || p.PricingDesc != "0.8 credits per image" {
		t.Errorf("price = %+v, %v", p, err)
	}
	if _, err := b.client.ModelSchema(ctxT(t), "no/such"); !errors.Is(err, kie.ErrNotFound) {
		t.Errorf("unknown model: err = %v, want ErrNotFound", err)
	}
}
