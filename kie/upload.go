package kie

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"path"
	"strings"
)

// UploadedFile describes a file on Kie's upload host. Pass DownloadURL to a
// model. Uploads expire (Kie says 24 hours to 3 days): upload right before
// createTask, and use a unique FileName, since re-using one overwrites the
// file and the CDN may serve the old content.
type UploadedFile struct {
	DownloadURL string
	FilePath    string
	FileName    string
	Size        int64
	MimeType    string
}

// UploadStream uploads r as a multipart stream (POST /api/file-stream-upload),
// the way for large files. uploadPath is required, without leading or
// trailing slash; an empty fileName lets Kie pick a random one. The body
// cannot be replayed, so it is sent once.
func (c *Client) UploadStream(ctx context.Context, r io.Reader, uploadPath, fileName string) (_ *UploadedFile, err error) {
	defer func() { err = c.scrub(err) }()
	if err := checkUploadArgs(uploadPath, fileName); err != nil {
		return nil, fmt.Errorf("upload to kie: %w: %w", ErrValidation, err)
	}
	var writeErr error
	body := func() (io.Reader, string, func(), error) {
		pr, pw := io.Pipe()
		mw := multipart.NewWriter(pw)
		done := make(chan struct{})
		go func() { // owned by this attempt: cleanup waits for it
			defer close(done)
			writeErr = writeMultipart(mw, r, uploadPath, fileName)
			pw.CloseWithError(writeErr)
		}()
		cleanup := func() {
			// The transport may close the body after Do returns; closing it
			// here unblocks the writer either way.
			pr.CloseWithError(errors.New("upload attempt finished"))
			<-done
		}
		return pr, mw.FormDataContentType(), cleanup, nil
	}
	f, err := c.upload(ctx, "file-stream-upload", body, retryNever)
	if err != nil && writeErr != nil && !errors.Is(writeErr, io.ErrClosedPipe) {
		return nil, fmt.Errorf("upload to kie: read source: %w", writeErr)
	}
	return f, err
}

func writeMultipart(mw *multipart.Writer, r io.Reader, uploadPath, fileName string) error {
	// Fields first: some multipart parsers need them before the file.
	if err := mw.WriteField("uploadPath", uploadPath); err != nil {
		return err
	}
	if fileName != "" {
		if err := mw.WriteField("fileName", fileName); err != nil {
			return err
		}
	}
	h := make(textproto.MIMEHeader)
	name := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(cmp.Or(fileName, "upload"))
	h.Set("Content-Disposition", `form-data; name="file"; filename="`+name+`"`)
	h.Set("Content-Type", contentTypeFor(fileName, nil))
	part, err := mw.CreatePart(h)
	if err != nil {
		return err
	}
	if _, err := io.Copy(part, r); err != nil {
		return err
	}
	return mw.Close()
}

// UploadBase64 uploads data as base64 JSON (POST /api/file-base64-upload),
// meant for small files (Kie suggests streams above 10 MB). It is sent as a
// data: URL so Kie learns the MIME type.
func (c *Client) UploadBase64(ctx context.Context, data []byte, uploadPath, fileName string) (_ *UploadedFile, err error) {
	defer func() { err = c.scrub(err) }()
	if err := checkUploadArgs(uploadPath, fileName); err != nil {
		return nil, fmt.Errorf("upload to kie: %w: %w", ErrValidation, err)
	}
	b64 := "data:" + contentTypeFor(fileName, data) + ";base64," + base64.StdEncoding.EncodeToString(data)
	body, err := jsonBody(map[string]string{"base64Data": b64, "uploadPath": uploadPath, "fileName": fileName})
	if err != nil {
		return nil, fmt.Errorf("upload to kie: %w", err)
	}
	return c.upload(ctx, "file-base64-upload", body, retryRead)
}

// UploadFromURL makes Kie fetch a public URL (POST /api/file-url-upload;
// Kie gives up after 30 s, about 100 MB at most). Never pass a Telegram file
// URL: it contains the bot token.
func (c *Client) UploadFromURL(ctx context.Context, fileURL, uploadPath, fileName string) (_ *UploadedFile, err error) {
	defer func() { err = c.scrub(err) }()
	if err := checkUploadArgs(uploadPath, fileName); err != nil {
		return nil, fmt.Errorf("upload to kie: %w: %w", ErrValidation, err)
	}
	if err := checkAbsURL(fileURL); err != nil {
		return nil, fmt.Errorf("upload to kie: %w: %w", ErrValidation, err)
	}
	if strings.Contains(fileURL, "api.telegram.org/file/bot") {
		return nil, fmt.Errorf("upload to kie: %w: refusing a Telegram file URL, it carries the bot token", ErrValidation)
	}
	body, err := jsonBody(map[string]string{"fileUrl": fileURL, "uploadPath": uploadPath, "fileName": fileName})
	if err != nil {
		return nil, fmt.Errorf("upload to kie: %w", err)
	}
	return c.upload(ctx, "file-url-upload", body, retryRead)
}

// upload posts to the upload host. Retrying an upload is harmless: uploads
// are free and a repeated name overwrites.
func (c *Client) upload(ctx context.Context, endpoint string, body func() (io.Reader, string, func(), error), mode retryMode) (*UploadedFile, error) {
	data, err := c.call(ctx, request{
		endpoint: endpoint,
		method:   http.MethodPost,
		url:      c.cfg.UploadBaseURL + "/api/" + endpoint,
		upload:   true,
		body:     body,
	}, mode)
	if err != nil {
		return nil, fmt.Errorf("upload to kie: %w", err)
	}
	var raw struct {
		FileName    json.RawMessage `json:"fileName"`
		FilePath    json.RawMessage `json:"filePath"`
		DownloadURL json.RawMessage `json:"downloadUrl"`
		FileURL     json.RawMessage `json:"fileUrl"`
		FileSize    json.RawMessage `json:"fileSize"`
		MimeType    json.RawMessage `json:"mimeType"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("upload to kie: %w: %w", ErrMalformedResponse, err)
	}
	var f UploadedFile
	var dl, fu string
	errs := []error{}
	for _, x := range []struct {
		raw json.RawMessage
		dst *string
	}{{raw.FileName, &f.FileName}, {raw.FilePath, &f.FilePath}, {raw.DownloadURL, &dl}, {raw.FileURL, &fu}, {raw.MimeType, &f.MimeType}} {
		s, err := flexString(x.raw)
		errs = append(errs, err)
		*x.dst = s
	}
	size, _, err := parseInt64JSON(raw.FileSize)
	errs = append(errs, err)
	f.Size = size
	// Kie's guide says downloadUrl; some sources say fileUrl.
	f.DownloadURL = cmp.Or(dl, fu)
	if f.DownloadURL == "" {
		errs = append(errs, errors.New("no downloadUrl or fileUrl in the answer"))
	} else {
		errs = append(errs, checkAbsURL(f.DownloadURL))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("upload to kie: %w: %w", ErrMalformedResponse, err)
	}
	return &f, nil
}

func checkUploadArgs(uploadPath, fileName string) error {
	switch {
	case uploadPath == "":
		return errors.New("uploadPath is required")
	case strings.HasPrefix(uploadPath, "/") || strings.HasSuffix(uploadPath, "/"):
		return fmt.Errorf("uploadPath %q must not start or end with a slash", uploadPath)
	case strings.ContainsAny(uploadPath, "\\?#\x00\r\n") || strings.Contains(uploadPath, "//"):
		return fmt.Errorf("uploadPath %q has a forbidden character", uploadPath)
	case strings.ContainsAny(fileName, "/\\\x00\r\n"):
		return fmt.Errorf("fileName %q must be a bare name", fileName)
	}
	for _, seg := range strings.Split(uploadPath, "/") {
		if seg == "." || seg == ".." {
			return fmt.Errorf("uploadPath %q has a dot segment", uploadPath)
		}
	}
	return nil
}

// contentTypeFor guesses the MIME type from the name, then from the bytes.
func contentTypeFor(fileName string, data []byte) string {
	if t := mime.TypeByExtension(strings.ToLower(path.Ext(fileName))); t != "" {
		return t
	}
	if data != nil {
		return http.DetectContentType(data)
	}
	return "application/octet-stream"
}
