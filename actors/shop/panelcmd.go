package shop

import (
	"context"
	"strings"
	"time"

	"github.com/kiebot/kiebot/actors"
	"github.com/kiebot/kiebot/actors/telegram"

	"github.com/kiebot/kiebot/fsm"
	"github.com/kiebot/kiebot/store"
)

// PanelSignIn is the web panel's side of /panel (package shop/panel
// implements it): a one-time sign-in link for an admin, and signing an
// admin out of every browser. Both run in the update's transaction, so a
// link exists exactly when the reply that carries it is sent.
type PanelSignIn interface {
	IssueLink(ctx context.Context, tx *store.Tx, adminID int64) (url string, ttl time.Duration, err error)
	SignOut(ctx context.Context, tx *store.Tx, adminID int64) (sessions int64, err error)
}

// panelCommand answers /panel (a sign-in link) and /panel logout, admins
// only (the caller checks); without a panel — no public base URL — it
// says why there is none.
func (sh *Shop) panelCommand(adminID, chatID int64, lang fsm.Lang, arg string) actors.Step {
	p := sh.cfg.Panel
	if p == nil {
		return actors.Step{Ops: []telegram.Op{textOp(chatID, fsm.T(lang, fsm.KeyPanelOff))}}
	}
	logout := strings.EqualFold(strings.TrimSpace(arg), "logout")
	return actors.Step{Apply: func(ctx context.Context, tx *store.Tx) ([]telegram.Op, error) {
		if logout {
			n, err := p.SignOut(ctx, tx, adminID)
			if err != nil {
				return nil, err
			}
			sh.log.Info("shop: admin signed out of the web panel", "admin_id", adminID, "sessions", n)
			return []telegram.Op{textOp(chatID, fsm.T(lang, fsm.KeyPanelSignedOut, n))}, nil
		}
		url, ttl, err := p.IssueLink(ctx, tx, adminID)
		if err != nil {
			return nil, err
		}
		sh.log.Info("shop: web panel link issued", "admin_id", adminID, "ttl", ttl)
		return []telegram.Op{textOp(chatID, fsm.T(lang, fsm.KeyPanelLink, fsm.Escape(url), int(ttl.Round(time.Minute)/time.Minute)))}, nil
	}}
}

// ScreenOp is the Bot API call that shows s as a new message: for the web
// panel's notices to users, written to their outbox.
func ScreenOp(chatID int64, s fsm.Screen) telegram.Op { return screenOp(chatID, s) }
