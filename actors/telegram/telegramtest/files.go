package telegramtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"image"
	_ "image/gif" // register decoders: photo dimensions come from the bytes
	_ "image/jpeg"
	_ "image/png"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/go-telegram/bot/models"
)

// storedFile is a file the bot sent or received; file_id and file_path both
// lead to it. data may be shorter than size when a test simulated a large
// file without allocating it.
type storedFile struct {
	id       string
	uniqueID string
	kind     string
	path     string
	name     string
	mime     string
	size     int64
	data     []byte
	width    int
	height   int
}

func (f *storedFile) photoSize() models.PhotoSize {
	return models.PhotoSize{FileID: f.id, FileUniqueID: f.uniqueID, Width: f.width, Height: f.height, FileSize: int(f.size)}
}

// addFileLocked stores a new file under fresh ids. The unique id is derived
// from the content, as Telegram's is stable across re-uploads of a file.
func (b *Bot) addFileLocked(kind, name, mimeType string, data []byte, size int64) *storedFile {
	b.nextFile++
	sum := sha256.Sum256(append(fmt.Appendf(nil, "%d:", size), data...))
	ext := path.Ext(name)
	if ext == "" {
		if exts, _ := mime.ExtensionsByType(mimeType); len(exts) > 0 {
			ext = exts[0]
		}
	}
	dir := map[string]string{kindPhoto: "photos", kindVideo: "videos", kindAudio: "music", kindDocument: "documents"}[kind]
	f := &storedFile{
		id:       fmt.Sprintf("%s-%d-%d", kind, b.id, b.nextFile),
		uniqueID: base64.RawURLEncoding.EncodeToString(sum[:9]),
		kind:     kind,
		path:     fmt.Sprintf("%s/file_%d%s", dir, b.nextFile, ext),
		name:     name,
		mime:     mimeType,
		size:     size,
		data:     data,
	}
	b.files[f.id] = f
	b.paths[f.path] = f
	return f
}

// newFile is a file about to be stored: an upload or a fetched URL.
type newFile struct {
	name, mime    string
	data          []byte
	size          int64
	width, height int
}

// checkImage fills a photo's dimensions and applies Telegram's rules
// (width + height ≤ 10000, aspect ratio ≤ 20).
func (s *Server) checkImage(f *newFile) *apiError {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(f.data))
	if err != nil {
		if s.opts.StrictImages {
			return badRequest("IMAGE_PROCESS_FAILED")
		}
		return nil
	}
	w, h := cfg.Width, cfg.Height
	if w <= 0 || h <= 0 || w+h > 10000 || w > 20*h || h > 20*w {
		return badRequest("PHOTO_INVALID_DIMENSIONS")
	}
	f.width, f.height = w, h
	return nil
}

func (b *Bot) handleSendMedia(c *call, kind string) response {
	chatID, err := b.chatIDParam(c.p)
	if err != nil {
		return fail(err)
	}
	src, parseMode := c.p.str("caption"), c.p.str("parse_mode")
	caption, ents, err := formatText(src, parseMode, "caption_entities", c.p)
	if err != nil {
		return fail(err)
	}
	if utf16Len(caption) > maxCaptionLen {
		return fail(badRequest("message caption is too long"))
	}
	mk, err := parseReplyMarkup(c.p)
	if err != nil {
		return fail(err)
	}
	var meta mediaMeta
	for _, f := range []struct {
		name string
		dst  *int
	}{{"width", &meta.width}, {"height", &meta.height}, {"duration", &meta.duration}} {
		if *f.dst, err = c.p.int(f.name); err != nil {
			return fail(err)
		}
	}
	meta.performer, meta.title = c.p.str("performer"), c.p.str("title")

	// Resolve the file outside the lock: fetching a URL takes a while.
	var existing *storedFile
	var fresh *newFile
	if up := c.p.file(kind); up != nil {
		fresh, err = b.srv.acceptUpload(up, kind)
	} else {
		ref := strings.TrimSpace(c.p.str(kind))
		switch {
		case ref == "":
			return fail(badRequest("there is no %s in the request", kind))
		case strings.HasPrefix(ref, "http://") || strings.HasPrefix(ref, "https://"):
			fresh, err = b.srv.fetchURL(c.r.Context(), ref, kind)
		default:
			b.srv.mu.Lock()
			existing = b.files[ref]
			b.srv.mu.Unlock()
			if existing == nil {
				err = badRequest(descWrongFileID)
			}
		}
	}
	if err != nil {
		return fail(err)
	}

	s := b.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, err := b.chatForSendLocked(chatID)
	if err != nil {
		return fail(err)
	}
	f := existing
	if f == nil {
		f = b.addFileLocked(kind, fresh.name, fresh.mime, fresh.data, fresh.size)
		f.width, f.height = fresh.width, fresh.height
	}
	if kind == kindVideo && meta.width == 0 && meta.height == 0 {
		meta.width, meta.height = f.width, f.height
	}
	r := &msgRecord{fromBot: true, kind: kind, file: f, media: meta, text: caption, entities: ents, source: src,
		parseMode: parseMode, markup: mk.inline, keyboard: mk.other}
	ch.add(r)
	c.chatID, c.messageID = chatID, r.id
	return ok(b.renderLocked(ch, r))
}

// file returns the uploaded file for a parameter, following Telegram's
// "attach://<name>" indirection.
func (p *params) file(name string) *filePart {
	if f := p.files[name]; f != nil {
		return f
	}
	if ref, ok := strings.CutPrefix(p.str(name), "attach://"); ok {
		return p.files[ref]
	}
	return nil
}

// acceptUpload applies the multipart limits: 10 MB for photos, 50 MB for
// other files.
func (s *Server) acceptUpload(up *filePart, kind string) (*newFile, *apiError) {
	limit := int64(maxUploadBytes)
	if kind == kindPhoto {
		limit = maxPhotoUploadBytes
	}
	if up.size > limit {
		return nil, entityTooLarge()
	}
	if up.size == 0 {
		return nil, badRequest("file must be non-empty")
	}
	f := &newFile{name: up.filename, mime: up.contentType, data: up.data, size: up.size}
	if kind == kindPhoto {
		if err := s.checkImage(f); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// fetchURL downloads a file the bot sends by URL, as Telegram does, and
// applies the send-by-URL limits: 5 MB for photos, 20 MB for other files, and
// sendDocument only for GIF, PDF and ZIP. The declared Content-Length is
// checked before any of the body is read, so an oversized file costs nothing.
func (s *Server) fetchURL(ctx context.Context, rawURL, kind string) (*newFile, *apiError) {
	limit := int64(maxURLFileBytes)
	tooBig := badRequest(descFailedURL)
	if kind == kindPhoto {
		limit = maxURLPhotoBytes
		tooBig = badRequest(descWrongFileID)
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.FetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, badRequest(descWrongFileID)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, badRequest(descFailedURL)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, badRequest(descFailedURL)
	}
	if resp.ContentLength > limit {
		return nil, tooBig
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, badRequest(descFailedURL)
	}
	if int64(len(data)) > limit {
		return nil, tooBig
	}
	if len(data) == 0 {
		return nil, badRequest(descFailedURL)
	}
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	name := path.Base(req.URL.Path)
	if name == "/" || name == "." {
		name = ""
	}
	if ct == "" || ct == "application/octet-stream" {
		if byExt := mimeType(name); byExt != "" {
			ct = byExt
		}
	}
	switch kind {
	case kindPhoto:
		if ct == "text/html" {
			return nil, badRequest("wrong type of the web page content")
		}
	case kindDocument:
		switch ct {
		case "application/pdf", "application/zip", "application/x-zip-compressed", "image/gif":
		default:
			return nil, badRequest("wrong type of the web page content")
		}
	}
	f := &newFile{name: name, mime: ct, data: data, size: int64(len(data))}
	if kind == kindPhoto {
		if err := s.checkImage(f); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func (b *Bot) handleGetFile(c *call) response {
	id := strings.TrimSpace(c.p.str("file_id"))
	s := b.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	f := b.files[id]
	if f == nil {
		return fail(badRequest("invalid file_id"))
	}
	if f.size > maxDownloadBytes {
		return fail(badRequest("file is too big"))
	}
	return ok(models.File{FileID: f.id, FileUniqueID: f.uniqueID, FileSize: f.size, FilePath: f.path})
}

// FileContent returns the stored bytes of a file_id, as a download would.
func (b *Bot) FileContent(fileID string) ([]byte, bool) {
	b.srv.mu.Lock()
	defer b.srv.mu.Unlock()
	f := b.files[fileID]
	if f == nil {
		return nil, false
	}
	return bytes.Clone(f.data), true
}
