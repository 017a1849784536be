package kie

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// Credits returns the account balance (GET /api/v1/chat/credit). Kie sends
// a bare number that may be fractional; it is decoded exactly.
func (c *Client) Credits(ctx context.Context) (_ Credits, err error) {
	defer func() { err = c.scrub(err) }()
	data, err := c.call(ctx, request{
		endpoint: "credit",
		method:   http.MethodGet,
		url:      c.cfg.BaseURL + "/api/v1/chat/credit",
	}, retryRead)
	if err != nil {
		return 0, fmt.Errorf("read kie credits: %w", err)
	}
	v, present, err := parseCreditsJSON(data)
	if err == nil && !present {
		err = errors.New("no balance in the answer")
	}
	if err != nil {
		return 0, fmt.Errorf("read kie credits: %w: %w", ErrMalformedResponse, err)
	}
	return v, nil
}

// DownloadURL turns a Kie-hosted file URL into a direct download link valid
// for about 20 minutes (POST /api/v1/common/download-url). Other URLs get
// ErrValidation (422). It does not extend the file's retention.
func (c *Client) DownloadURL(ctx context.Context, kieURL string) (_ string, err error) {
	defer func() { err = c.scrub(err) }()
	if err := checkAbsURL(kieURL); err != nil {
		return "", fmt.Errorf("get kie download url: %w: %w", ErrValidation, err)
	}
	body, err := jsonBody(map[string]string{"url": kieURL})
	if err != nil {
		return "", fmt.Errorf("get kie download url: %w", err)
	}
	data, err := c.call(ctx, request{
		endpoint: "download-url",
		method:   http.MethodPost,
		url:      c.cfg.BaseURL + "/api/v1/common/download-url",
		body:     body,
	}, retryRead)
	if err != nil {
		return "", fmt.Errorf("get kie download url: %w", err)
	}
	var link string
	err = json.Unmarshal(data, &link)
	if err == nil {
		err = checkAbsURL(link)
	}
	if err != nil {
		return "", fmt.Errorf("get kie download url: %w: %w", ErrMalformedResponse, err)
	}
	return link, nil
}
