package shop

import (
	"github.com/go-telegram/bot/models"

	"github.com/kiebot/kiebot/actors"
)

var _ actors.MoneyClassifier = (*Shop)(nil)

// MustNotDrop implements actors.MoneyClassifier: a successful payment or a
// refund Telegram reports moves money, so the engine retries it until it
// is booked rather than apologising after three attempts. The admins hear
// of one that keeps failing through Alerter.MoneyUpdateStuck.
func (sh *Shop) MustNotDrop(upd *models.Update) string {
	switch m := upd.Message; {
	case m == nil:
		return ""
	case m.SuccessfulPayment != nil:
		return "successful_payment"
	case m.RefundedPayment != nil:
		return "refunded_payment"
	}
	return ""
}
