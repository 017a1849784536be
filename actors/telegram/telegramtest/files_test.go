package telegramtest_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/kiebot/kiebot/actors/telegram/telegramtest"
)

func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// zeros is a sized body that costs no memory.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	n := min(int64(len(p)), z.n)
	clear(p[:n])
	z.n -= n
	return int(n), nil
}

// fileServer serves /<size>/<name> with the given Content-Type, counting body
// bytes actually written.
func fileServer(t *testing.T, img []byte) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		parts := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/"), "/", 2)
		if parts[0] == "img.png" {
			w.Header().Set("Content-Type", "image/png")
			_, _ = w.Write(img)
			return
		}
		size, err := strconv.ParseInt(parts[0], 10, 64)
		if err != nil || len(parts) != 2 {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", r.URL.Query().Get("ct"))
		w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
		_, _ = io.Copy(w, &zeros{size})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestSendPhotoUploadThenByFileIDAndDownload(t *testing.T) {
	t.Parallel()
	srv, tg, alice := setup(t)
	ctx := testCtx(t)
	b := newClient(t, srv, testToken)
	img := pngBytes(t, 64, 32)

	m, err := b.SendPhoto(ctx, &bot.SendPhotoParams{
		ChatID:  alice.ID(),
		Photo:   &models.InputFileUpload{Filename: "result.png", Data: bytes.NewReader(img)},
		Caption: "<i>Done</i>", ParseMode: models.ParseModeHTML,
	})
	if err != nil {
		t.Fatalf("SendPhoto upload: %v", err)
	}
	if len(m.Photo) == 0 {
		t.Fatal("no photo sizes in the result")
	}
	ps := m.Photo[len(m.Photo)-1]
	if ps.Width != 64 || ps.Height != 32 || ps.FileSize != len(img) || ps.FileID == "" || ps.FileUniqueID == "" {
		t.Errorf("photo size = %+v", ps)
	}
	if m.Caption != "Done" || len(m.CaptionEntities) != 1 {
		t.Errorf("caption %q entities %+v", m.Caption, m.CaptionEntities)
	}

	again, err := b.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: alice.ID(), Photo: &models.InputFileString{Data: ps.FileID}})
	if err != nil || again.Photo[0].FileID != ps.FileID {
		t.Fatalf("re-send by file_id: %+v, %v", again.Photo, err)
	}
	_, err = b.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: alice.ID(), Photo: &models.InputFileString{Data: "no-such-file"}})
	if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), "wrong file identifier/HTTP URL specified") {
		t.Errorf("unknown file_id: %v", err)
	}

	f, err := b.GetFile(ctx, &bot.GetFileParams{FileID: ps.FileID})
	if err != nil || f.FileSize != int64(len(img)) || f.FilePath == "" {
		t.Fatalf("GetFile: %+v, %v", f, err)
	}
	resp, err := http.Get(b.FileDownloadLink(f))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, img) {
		t.Errorf("download: status %d, %d bytes, want the uploaded %d", resp.StatusCode, len(got), len(img))
	}
	if sent := tg.Sent(alice.ID()); len(sent) != 2 || sent[0].Photo[0].FileID != sent[1].Photo[0].FileID {
		t.Errorf("recorded photos = %+v", sent)
	}
}

func TestSendByURLLimits(t *testing.T) {
	t.Parallel()
	srv, _, alice := setup(t)
	ctx := testCtx(t)
	b := newClient(t, srv, testToken)
	files := fileServer(t, pngBytes(t, 10, 10))
	const mb = 1 << 20

	tests := []struct {
		name string
		send func() error
		want string // "" for success
	}{
		{"photo", func() error {
			_, err := b.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: alice.ID(), Photo: &models.InputFileString{Data: files.URL + "/img.png"}})
			return err
		}, ""},
		{"photo over 5 MB", func() error {
			_, err := b.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: alice.ID(), Photo: &models.InputFileString{Data: files.URL + "/" + strconv.Itoa(5*mb+1) + "/a.jpg?ct=image/jpeg"}})
			return err
		}, "wrong file identifier/HTTP URL specified"},
		{"photo of exactly 5 MB", func() error {
			_, err := b.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: alice.ID(), Photo: &models.InputFileString{Data: files.URL + "/" + strconv.Itoa(5*mb) + "/a.jpg?ct=image/jpeg"}})
			return err
		}, ""},
		{"video", func() error {
			_, err := b.SendVideo(ctx, &bot.SendVideoParams{ChatID: alice.ID(), Video: &models.InputFileString{Data: files.URL + "/1000/v.mp4?ct=video/mp4"}})
			return err
		}, ""},
		{"video over 20 MB", func() error {
			_, err := b.SendVideo(ctx, &bot.SendVideoParams{ChatID: alice.ID(), Video: &models.InputFileString{Data: files.URL + "/" + strconv.Itoa(20*mb+1) + "/v.mp4?ct=video/mp4"}})
			return err
		}, "failed to get HTTP URL content"},
		{"missing URL", func() error {
			_, err := b.SendAudio(ctx, &bot.SendAudioParams{ChatID: alice.ID(), Audio: &models.InputFileString{Data: files.URL + "/nope"}})
			return err
		}, "failed to get HTTP URL content"},
		{"pdf document", func() error {
			_, err := b.SendDocument(ctx, &bot.SendDocumentParams{ChatID: alice.ID(), Document: &models.InputFileString{Data: files.URL + "/100/r.pdf?ct=application/pdf"}})
			return err
		}, ""},
		{"mp4 as document by URL", func() error {
			_, err := b.SendDocument(ctx, &bot.SendDocumentParams{ChatID: alice.ID(), Document: &models.InputFileString{Data: files.URL + "/100/v.mp4?ct=video/mp4"}})
			return err
		}, "wrong type of the web page content"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.send()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("send: %v", err)
				}
				return
			}
			if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("send error = %v, want 400 %q", err, tt.want)
			}
		})
	}
}

func TestUploadLimits(t *testing.T) {
	t.Parallel()
	srv, _, alice := setup(t)
	// Tens of megabytes go through the race detector here: a guard that
	// fits a busy machine, not a measurement.
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	b := newClient(t, srv, testToken)
	const mb = 1 << 20

	// go-telegram/bot streams uploads (no Content-Length): the fake reads
	// up to the limit and answers 413.
	_, err := b.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: alice.ID(),
		Photo: &models.InputFileUpload{Filename: "big.jpg", Data: &zeros{10*mb + 1}}})
	if err == nil || !strings.Contains(err.Error(), "413 Request Entity Too Large") {
		t.Errorf("10 MB+1 photo upload: %v, want 413 Request Entity Too Large", err)
	}

	// A declared Content-Length over 50 MB is refused before the body is read.
	var head strings.Builder
	mw := multipart.NewWriter(&head)
	_ = mw.WriteField("chat_id", "42")
	_, _ = mw.CreateFormFile("document", "big.zip")
	tail := "\r\n--" + mw.Boundary() + "--\r\n"
	size := int64(head.Len()) + 50*mb + 1 + int64(len(tail))
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/bot"+testToken+"/sendDocument",
		io.MultiReader(strings.NewReader(head.String()), &zeros{50*mb + 1}, strings.NewReader(tail)))
	req.ContentLength = size
	req.Header.Set("Content-Type", mw.FormDataContentType())
	// Ask before sending the body: the answer must come without it (a
	// client that streamed 50 MB first would only prove the fake is fast).
	req.Header.Set("Expect", "100-continue")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("50 MB+1 document upload: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), `"description":"Request Entity Too Large"`) {
		t.Errorf("50 MB+1 document upload: %d %s, want 413", resp.StatusCode, body)
	}

	m, err := b.SendVideo(ctx, &bot.SendVideoParams{ChatID: alice.ID(), Width: 1280, Height: 720, Duration: 8,
		Video: &models.InputFileUpload{Filename: "clip.mp4", Data: &zeros{mb}}})
	if err != nil {
		t.Fatalf("video upload: %v", err)
	}
	if v := m.Video; v == nil || v.FileSize != mb || v.Width != 1280 || v.Duration != 8 || v.MimeType != "video/mp4" || v.FileName != "clip.mp4" {
		t.Errorf("video = %+v", m.Video)
	}
}

func TestUserSentFiles(t *testing.T) {
	t.Parallel()
	srv, tg, alice := setup(t)
	ctx := testCtx(t)
	b := newClient(t, srv, testToken)

	doc := alice.SendDocument(telegramtest.Upload{Name: "prompt.txt", MIME: "text/plain", Content: []byte("a cat"), Caption: "use this"})
	big := alice.SendVideo(telegramtest.Upload{Name: "ref.mp4", MIME: "video/mp4", Content: []byte("x"), Size: 25 << 20})
	photo := alice.SendPhoto(telegramtest.Upload{MIME: "image/png", Content: pngBytes(t, 20, 10)})

	ups := mustGetUpdates(t, ctx, srv, map[string]any{})
	if len(ups) != 3 || ups[0].Message.Document == nil || ups[1].Message.Video == nil || len(ups[2].Message.Photo) == 0 {
		t.Fatalf("updates = %+v", ups)
	}
	if d := ups[0].Message.Document; d.FileName != "prompt.txt" || d.MimeType != "text/plain" || d.FileID != doc.Document.FileID || ups[0].Message.Caption != "use this" {
		t.Errorf("document = %+v", d)
	}
	if p := ups[2].Message.Photo[0]; p.Width != 20 || p.Height != 10 || p.FileID != photo.Photo[0].FileID {
		t.Errorf("photo = %+v", p)
	}
	f, err := b.GetFile(ctx, &bot.GetFileParams{FileID: doc.Document.FileID})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(b.FileDownloadLink(f))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "a cat" {
		t.Errorf("downloaded %q", body)
	}
	if _, err := b.GetFile(ctx, &bot.GetFileParams{FileID: big.Video.FileID}); err == nil || !strings.Contains(err.Error(), "file is too big") {
		t.Errorf("GetFile of a 25 MB user video: %v", err)
	}
	if content, ok := tg.FileContent(doc.Document.FileID); !ok || string(content) != "a cat" {
		t.Errorf("FileContent = %q, %v", content, ok)
	}
}
