package telegramtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// Upload limits of the Bot API (https://core.telegram.org/bots/api#sending-files).
const (
	maxUploadBytes      = 50 << 20 // multipart upload of any file
	maxPhotoUploadBytes = 10 << 20 // multipart upload of a photo
	maxURLPhotoBytes    = 5 << 20  // photo sent by URL
	maxURLFileBytes     = 20 << 20 // other files sent by URL
	maxDownloadBytes    = 20 << 20 // getFile
	maxFieldBytes       = 1 << 20  // a plain form field; Telegram's own limit is lower
	// maxRequestBytes refuses a declared Content-Length without parsing the
	// body: the 50 MB file plus room for the other fields.
	maxRequestBytes = maxUploadBytes + maxFieldBytes
)

// params holds a request's parameters however the client encoded them: query
// string, JSON body, urlencoded or multipart form. JSON-typed parameters
// (reply_markup, prices, allowed_updates) are kept as JSON text, which is what
// a form carries anyway, so every handler reads one representation.
type params struct {
	values map[string]string
	files  map[string]*filePart
}

// filePart is one uploaded file. data holds at most maxUploadBytes; size is the
// part's full length, so an oversized upload can be refused with its size.
type filePart struct {
	filename    string
	contentType string
	data        []byte
	size        int64
}

func parseParams(r *http.Request) (*params, *apiError) {
	p := &params{values: map[string]string{}}
	for k, vs := range r.URL.Query() {
		if len(vs) > 0 {
			p.values[k] = vs[0]
		}
	}
	if r.Body == nil {
		return p, nil
	}
	if r.ContentLength > maxRequestBytes {
		// A client that asked first (Expect: 100-continue) gets the 413
		// without sending the body. One already streaming is drained rather
		// than answered early: Go's server would close the connection while
		// it is still writing, and it might never see the 413.
		if !strings.EqualFold(r.Header.Get("Expect"), "100-continue") {
			_, _ = io.Copy(io.Discard, r.Body)
		}
		return nil, entityTooLarge()
	}
	ct, ctParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		return p, p.readJSON(r.Body)
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return nil, badRequest("can't parse form: %v", err)
		}
		for k, vs := range r.PostForm {
			if len(vs) > 0 {
				p.values[k] = vs[0]
			}
		}
	case "multipart/form-data":
		return p, p.readMultipart(r, ctParams["boundary"])
	}
	return p, nil
}

func (p *params) readJSON(body io.Reader) *apiError {
	data, err := io.ReadAll(io.LimitReader(body, maxUploadBytes))
	if err != nil {
		return badRequest("can't read request body")
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return badRequest("can't parse JSON object")
	}
	for k, raw := range fields {
		switch {
		case bytes.Equal(raw, []byte("null")):
		case len(raw) > 0 && raw[0] == '"':
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return badRequest("can't parse JSON object")
			}
			p.values[k] = s
		default:
			p.values[k] = string(raw)
		}
	}
	return nil
}

func (p *params) readMultipart(r *http.Request, boundary string) *apiError {
	if boundary == "" {
		return badRequest("multipart boundary is missing")
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return badRequest("can't parse multipart form: %v", err)
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return badRequest("can't parse multipart form: %v", err)
		}
		name := part.FormName()
		// A part with a filename parameter, even an empty one, is a file:
		// go-telegram/bot writes InputFileUpload{Filename: ""} that way.
		_, disp, _ := mime.ParseMediaType(part.Header.Get("Content-Disposition"))
		if _, isFile := disp["filename"]; isFile {
			limit := int64(maxUploadBytes)
			if name == "photo" {
				limit = maxPhotoUploadBytes // no need to buffer more of a photo
			}
			fp, err := readFilePart(part, disp["filename"], part.Header.Get("Content-Type"), limit)
			if err != nil {
				return badRequest("can't read uploaded file: %v", err)
			}
			if p.files == nil {
				p.files = map[string]*filePart{}
			}
			p.files[name] = fp
			continue
		}
		v, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
		if err != nil {
			return badRequest("can't parse multipart form: %v", err)
		}
		if len(v) > maxFieldBytes {
			return entityTooLarge()
		}
		p.values[name] = string(v)
	}
}

// readFilePart keeps up to limit bytes and counts the rest, so the whole body
// is consumed and the client gets a clean 413 instead of a connection reset
// (Go's transport reports an early answer to a streamed body as an error).
func readFilePart(part io.Reader, filename, partType string, limit int64) (*filePart, error) {
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(part, limit+1))
	if err != nil {
		return nil, err
	}
	fp := &filePart{filename: filename, size: n}
	if n > limit {
		rest, err := io.Copy(io.Discard, part)
		if err != nil {
			return nil, err
		}
		fp.size += rest
	} else {
		fp.data = buf.Bytes()
	}
	// Clients label most uploads application/octet-stream; the extension says more.
	fp.contentType = mimeType(filename)
	if base, _, err := mime.ParseMediaType(partType); err == nil && fp.contentType == "" {
		fp.contentType = base
	}
	return fp, nil
}

func mimeType(filename string) string {
	i := strings.LastIndexByte(filename, '.')
	if i < 0 {
		return ""
	}
	ct := mime.TypeByExtension(strings.ToLower(filename[i:]))
	if base, _, err := mime.ParseMediaType(ct); err == nil {
		return base
	}
	return ct
}

func (p *params) has(name string) bool {
	_, ok := p.values[name]
	return ok
}

func (p *params) str(name string) string {
	return p.values[name]
}

// int64 parses an integer parameter; ok is false when it is absent or empty.
func (p *params) int64(name string) (v int64, ok bool, err *apiError) {
	s := strings.TrimSpace(p.values[name])
	if s == "" {
		return 0, false, nil
	}
	v, perr := strconv.ParseInt(s, 10, 64)
	if perr != nil {
		return 0, false, badRequest("invalid %s specified", name)
	}
	return v, true, nil
}

func (p *params) int(name string) (int, *apiError) {
	v, _, err := p.int64(name)
	return int(v), err
}

// bool accepts what Telegram accepts: true/false in any case, 1/0.
func (p *params) bool(name string) bool {
	switch strings.ToLower(strings.TrimSpace(p.values[name])) {
	case "true", "1":
		return true
	}
	return false
}

// json decodes a JSON-typed parameter; ok is false when it is absent.
func (p *params) json(name string, v any) (ok bool, err error) {
	s, present := p.values[name]
	if !present || strings.TrimSpace(s) == "" {
		return false, nil
	}
	return true, json.Unmarshal([]byte(s), v)
}

// response is what a method handler produces: a result (or raw JSON result),
// an optional description, or an error.
type response struct {
	result      any
	raw         []byte
	description string
	err         *apiError
	gone        bool // the client went away; nothing to write
}

func ok(result any) response { return response{result: result} }

func fail(err *apiError) response { return response{err: err} }

type responseParameters struct {
	RetryAfter int `json:"retry_after,omitempty"`
}

type envelope struct {
	OK          bool                `json:"ok"`
	Result      any                 `json:"result,omitempty"`
	ErrorCode   int                 `json:"error_code,omitempty"`
	Description string              `json:"description,omitempty"`
	Parameters  *responseParameters `json:"parameters,omitempty"`
}

func writeResponse(w http.ResponseWriter, resp response) {
	w.Header().Set("Content-Type", "application/json")
	if resp.err != nil {
		writeError(w, resp.err)
		return
	}
	if resp.raw != nil {
		// Built by hand (getUpdates) to avoid re-encoding stored updates.
		var b bytes.Buffer
		b.Grow(len(resp.raw) + 32)
		b.WriteString(`{"ok":true,"result":`)
		b.Write(resp.raw)
		b.WriteString("}")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(b.Bytes())
		return
	}
	body, err := json.Marshal(envelope{OK: true, Result: resp.result, Description: resp.description})
	if err != nil {
		writeError(w, &apiError{code: http.StatusInternalServerError, description: "Internal Server Error: " + err.Error()})
		return
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

func writeError(w http.ResponseWriter, e *apiError) {
	env := envelope{ErrorCode: e.code, Description: e.description}
	if e.retryAfter > 0 {
		env.Parameters = &responseParameters{RetryAfter: e.retryAfter}
	}
	body, _ := json.Marshal(env)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.code)
	_, _ = w.Write(body)
}
