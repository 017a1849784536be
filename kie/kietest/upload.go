package kietest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

// file is one object on the fake CDN.
type file struct {
	data    []byte
	mime    string
	expires time.Time
}

// PutFile places data on the fake CDN at path (no leading slash) until the
// result TTL passes, and returns its URL: a stand-in for any Kie-hosted file.
func (s *Server) PutFile(p string, data []byte, mimeType string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[p] = &file{data: bytes.Clone(data), mime: mimeType, expires: s.now.Add(s.opts.resultTTL)}
	return s.CDNURL + "/" + p
}

// addResultFileLocked creates the i-th result file of t on the CDN.
func (s *Server) addResultFileLocked(t *task, i int, at time.Time) string {
	ext, mt, magic := ".png", "image/png", "\x89PNG\r\n\x1a\n"
	switch t.output {
	case Video:
		ext, mt, magic = ".mp4", "video/mp4", "\x00\x00\x00\x18ftypmp42"
	case Audio, Music:
		ext, mt, magic = ".mp3", "audio/mpeg", "ID3\x04\x00\x00"
	}
	p := fmt.Sprintf("r/%s-%d%s", t.id, i, ext)
	s.files[p] = &file{data: []byte(magic + "kietest result " + p), mime: mt, expires: at.Add(s.opts.resultTTL)}
	return s.CDNURL + "/" + p
}

// serveCDN serves files without auth; expired or unknown paths are 404.
func (s *Server) serveCDN(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	s.mu.Lock()
	f, ok := s.files[strings.TrimPrefix(r.URL.Path, "/")]
	if ok && s.now.After(f.expires) {
		ok = false
	}
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", f.mime)
	w.Header().Set("Content-Length", strconv.Itoa(len(f.data)))
	if r.Method == http.MethodGet {
		_, _ = w.Write(f.data)
	}
}

func (s *Server) uploadStream(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	limit := s.opts.maxUpload
	s.mu.Unlock()
	mr, err := r.MultipartReader()
	if err != nil {
		s.writeEnvelope(w, r, 400, "multipart/form-data body required", nil)
		return
	}
	var uploadPath, fileName string
	var data []byte
	var gotFile bool
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			s.writeEnvelope(w, r, 400, "malformed multipart body", nil)
			return
		}
		b, err := io.ReadAll(io.LimitReader(part, limit+1))
		if err != nil {
			return // the client went away
		}
		switch part.FormName() {
		case "uploadPath":
			uploadPath = string(b)
		case "fileName":
			fileName = string(b)
		case "file":
			data, gotFile = b, true // Kie names the file from fileName, not the part
		}
	}
	if !gotFile {
		s.writeEnvelope(w, r, 400, "file is required", nil)
		return
	}
	s.store(w, r, data, uploadPath, fileName, "")
}

func (s *Server) uploadBase64(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Base64Data string `json:"base64Data"`
		UploadPath string `json:"uploadPath"`
		FileName   string `json:"fileName"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 200<<20)).Decode(&body); err != nil {
		s.writeEnvelope(w, r, 400, "invalid JSON body", nil)
		return
	}
	b64, mt := body.Base64Data, ""
	if rest, ok := strings.CutPrefix(b64, "data:"); ok {
		meta, payload, found := strings.Cut(rest, ",")
		if !found || !strings.HasSuffix(meta, ";base64") {
			s.writeEnvelope(w, r, 400, "base64Data is not a valid data URL", nil)
			return
		}
		b64, mt = payload, strings.TrimSuffix(meta, ";base64")
	}
	data, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || b64 == "" {
		s.writeEnvelope(w, r, 400, "base64Data is required and must be valid base64", nil)
		return
	}
	s.store(w, r, data, body.UploadPath, body.FileName, mt)
}

// uploadURL fetches fileURL: straight from the store for fake-CDN URLs,
// over HTTP (30 s timeout, as Kie) otherwise.
func (s *Server) uploadURL(w http.ResponseWriter, r *http.Request) {
	var body struct {
		FileURL    string `json:"fileUrl"`
		UploadPath string `json:"uploadPath"`
		FileName   string `json:"fileName"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil || body.FileURL == "" {
		s.writeEnvelope(w, r, 400, "fileUrl is required", nil)
		return
	}
	if body.UploadPath == "" {
		s.writeEnvelope(w, r, 400, "uploadPath is required", nil)
		return
	}
	data, mt, err := s.fetch(r.Context(), body.FileURL)
	if err != nil {
		s.writeEnvelope(w, r, 400, "Failed to download file from URL: "+err.Error(), nil)
		return
	}
	if body.FileName == "" {
		body.FileName = path.Base(strings.SplitN(body.FileURL, "?", 2)[0])
	}
	s.store(w, r, data, body.UploadPath, body.FileName, mt)
}

func (s *Server) fetch(ctx context.Context, u string) ([]byte, string, error) {
	s.mu.Lock()
	limit := s.opts.maxUpload
	if p, ok := strings.CutPrefix(u, s.CDNURL+"/"); ok {
		f, exists := s.files[p]
		live := exists && !s.now.After(f.expires)
		s.mu.Unlock()
		if !live {
			return nil, "", errors.New("404 Not Found")
		}
		return f.data, f.mime, nil
	}
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, "", err
	}
	resp, err := s.cbTransport.RoundTrip(req)
	if err != nil {
		return nil, "", errors.New("unreachable")
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, "", errors.New(resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, "", err
	}
	return data, resp.Header.Get("Content-Type"), nil
}

// store checks uploadPath and size, saves the file (a repeated name
// overwrites) and answers with Kie's upload envelope.
func (s *Server) store(w http.ResponseWriter, r *http.Request, data []byte, uploadPath, fileName, mt string) {
	switch {
	case uploadPath == "":
		s.writeEnvelope(w, r, 400, "uploadPath is required", nil)
		return
	case strings.HasPrefix(uploadPath, "/") || strings.HasSuffix(uploadPath, "/"):
		s.writeEnvelope(w, r, 400, "uploadPath must not start or end with a slash", nil)
		return
	case strings.ContainsAny(fileName, "/\\"):
		s.writeEnvelope(w, r, 400, "fileName is invalid", nil)
		return
	}
	s.mu.Lock()
	if int64(len(data)) > s.opts.maxUpload {
		s.mu.Unlock()
		s.writeEnvelope(w, r, 400, "File size exceeds the limit", nil)
		return
	}
	if fileName == "" {
		fileName = s.newTaskIDLocked()[:16] + extFor(mt)
	}
	if mt == "" {
		mt = mime.TypeByExtension(path.Ext(fileName))
	}
	if mt == "" {
		mt = http.DetectContentType(data)
	}
	p := uploadPath + "/" + fileName
	s.files[p] = &file{data: data, mime: mt, expires: s.now.Add(s.opts.uploadTTL)}
	urlKey := "downloadUrl"
	if s.opts.legacyFileURL {
		urlKey = "fileUrl"
	}
	out := map[string]any{
		"fileName": fileName, "filePath": p, urlKey: s.CDNURL + "/" + p,
		"fileSize": len(data), "mimeType": mt, "uploadedAt": s.now.UTC().Format(time.RFC3339),
	}
	s.mu.Unlock()
	s.writeEnvelopeExtra(w, r, 200, "File uploaded successfully", out, map[string]any{"success": true})
}

func extFor(mt string) string {
	if exts, _ := mime.ExtensionsByType(mt); len(exts) > 0 {
		return exts[0]
	}
	return ""
}
