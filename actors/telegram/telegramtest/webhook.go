package telegramtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"syscall"
	"time"

	"github.com/go-telegram/bot/models"
)

// webhookState is a bot's webhook configuration and its deliverer.
type webhookState struct {
	url              string
	secret           string
	maxConnections   int
	allowed          []string
	lastErrorDate    int
	lastErrorMessage string
	stop             context.CancelFunc // stops the deliverer; nil when none runs
}

// WebhookDelivery is one attempt to POST an update to the bot's webhook.
type WebhookDelivery struct {
	UpdateID int64
	URL      string
	Attempt  int // 1 for an update's first attempt
	Time     time.Time
	Status   int    // HTTP status; 0 on a transport error
	Err      string // transport error, if any
	Accepted bool   // 2xx: the update is confirmed
	Dropped  bool   // the fake gave up on this update after Options.WebhookMaxAttempts
}

func (b *Bot) handleSetWebhook(c *call) response {
	raw := c.p.str("url")
	if raw == "" {
		// Telegram: "Use an empty string to remove webhook integration".
		return b.deleteWebhook(c.p.bool("drop_pending_updates"))
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		// Unlike Telegram, plain HTTP and any port are accepted (as by a
		// local Bot API server), so tests need no TLS.
		return fail(badRequest("bad webhook: An HTTPS URL must be provided for webhook"))
	}
	secret := c.p.str("secret_token")
	if c.p.has("secret_token") && !validSecretToken(secret) {
		return fail(badRequest("secret token contains unallowed characters"))
	}
	maxConn, aerr := c.p.int("max_connections")
	if aerr != nil {
		return fail(aerr)
	}
	if maxConn <= 0 {
		maxConn = 40
	}
	maxConn = min(maxConn, 100)
	var allowed []string
	hasAllowed, jerr := c.p.json("allowed_updates", &allowed)
	if jerr != nil {
		return fail(badRequest("can't parse allowed_updates JSON array"))
	}

	s := b.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.p.bool("drop_pending_updates") {
		b.updates.clear()
	}
	if hasAllowed {
		b.setAllowedLocked(allowed)
		b.hook.allowed = allowed
	}
	same := b.hook.url == raw && b.hook.secret == secret && b.hook.maxConnections == maxConn
	b.hook.url, b.hook.secret, b.hook.maxConnections = raw, secret, maxConn
	b.supersedeLocked(true)
	if b.hook.stop == nil && !s.closed {
		ctx, cancel := context.WithCancel(s.baseCtx)
		b.hook.stop = cancel
		s.workers.Add(1)
		go b.deliver(ctx)
	}
	if same {
		return response{result: true, description: "Webhook is already set"}
	}
	return response{result: true, description: "Webhook was set"}
}

// validSecretToken: 1-256 characters of A-Z a-z 0-9 _ -.
func validSecretToken(s string) bool {
	if len(s) == 0 || len(s) > 256 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

func (b *Bot) handleDeleteWebhook(c *call) response {
	return b.deleteWebhook(c.p.bool("drop_pending_updates"))
}

func (b *Bot) deleteWebhook(dropPending bool) response {
	s := b.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	if dropPending {
		b.updates.clear()
	}
	if b.hook.url == "" {
		return response{result: true, description: "Webhook is already deleted"}
	}
	b.stopWebhookLocked()
	b.hook = webhookState{}
	return response{result: true, description: "Webhook was deleted"}
}

// stopWebhookLocked cancels the deliverer; Close waits for it.
func (b *Bot) stopWebhookLocked() {
	if b.hook.stop != nil {
		b.hook.stop()
		b.hook.stop = nil
	}
}

func (b *Bot) handleGetWebhookInfo(*call) response {
	return ok(b.WebhookInfo())
}

// WebhookInfo returns what getWebhookInfo answers.
func (b *Bot) WebhookInfo() models.WebhookInfo {
	b.srv.mu.Lock()
	defer b.srv.mu.Unlock()
	info := models.WebhookInfo{
		URL:                b.hook.url,
		PendingUpdateCount: b.updates.len(),
		LastErrorDate:      b.hook.lastErrorDate,
		LastErrorMessage:   b.hook.lastErrorMessage,
	}
	if b.hook.url != "" {
		info.MaxConnections = b.hook.maxConnections
		info.AllowedUpdates = append([]string(nil), b.hook.allowed...)
		info.IPAddress = "127.0.0.1"
	}
	return info
}

// WebhookDeliveries returns every delivery attempt so far, oldest first.
func (b *Bot) WebhookDeliveries() []WebhookDelivery {
	b.srv.mu.Lock()
	defer b.srv.mu.Unlock()
	return append([]WebhookDelivery(nil), b.deliveries...)
}

// deliver POSTs queued updates to the webhook one at a time, in order. An
// update leaves the queue only when the webhook answers 2xx (or after
// WebhookMaxAttempts); failures back off exponentially. Sequential delivery is
// stricter than Telegram's up-to-max_connections parallel requests about
// order, and simpler to reason about in tests.
func (b *Bot) deliver(ctx context.Context) {
	s := b.srv
	defer s.workers.Done()
	attempt := 0
	var lastID int64
	for {
		s.mu.Lock()
		if ctx.Err() != nil {
			s.mu.Unlock()
			return
		}
		batch := b.updates.head(1)
		if len(batch) == 0 {
			wake := b.wakeLocked()
			s.mu.Unlock()
			select {
			case <-wake:
				continue
			case <-ctx.Done():
				return
			}
		}
		upd := batch[0]
		target, secret := b.hook.url, b.hook.secret
		s.mu.Unlock()

		if upd.id != lastID {
			attempt, lastID = 0, upd.id
		}
		attempt++
		status, err := b.post(ctx, target, secret, upd.raw)
		if ctx.Err() != nil {
			return // deleted, replaced or closing: the update stays queued
		}

		s.mu.Lock()
		d := WebhookDelivery{UpdateID: upd.id, URL: target, Attempt: attempt, Time: time.Now(), Status: status}
		var backoff time.Duration
		switch {
		case err == nil && status >= 200 && status < 300:
			d.Accepted = true
			b.updates.confirm(upd.id + 1)
		default:
			if err != nil {
				d.Err = err.Error()
			}
			b.hook.lastErrorDate = unixNow()
			b.hook.lastErrorMessage = webhookErrorMessage(status, err)
			if attempt >= s.opts.WebhookMaxAttempts {
				d.Dropped = true
				b.updates.confirm(upd.id + 1)
				s.opts.Logger.Warn("telegramtest: webhook gave up on update", "bot_id", b.id, "update_id", upd.id, "attempts", attempt)
			} else {
				backoff = min(s.opts.WebhookRetryMin<<(attempt-1), s.opts.WebhookRetryMax)
			}
		}
		b.deliveries = append(b.deliveries, d)
		s.notifyLocked(Event{Kind: EventWebhookAttempt, BotID: b.id, Status: status, UpdateID: upd.id})
		s.mu.Unlock()

		if backoff > 0 {
			t := time.NewTimer(backoff)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return
			}
		}
	}
}

func (b *Bot) post(ctx context.Context, target, secret string, body []byte) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, b.srv.opts.WebhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("build webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	resp, err := b.srv.client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

// webhookErrorMessage words a failure the way getWebhookInfo reports it.
func webhookErrorMessage(status int, err error) string {
	switch {
	case err == nil:
		return fmt.Sprintf("Wrong response from the webhook: %d %s", status, http.StatusText(status))
	case errors.Is(err, syscall.ECONNREFUSED):
		return "Connection refused"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return "Read timeout expired"
	}
	return err.Error()
}
