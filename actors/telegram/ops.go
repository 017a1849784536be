package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

// Op kinds.
const (
	OpSend    = "send"    // a new message
	OpEdit    = "edit"    // edit a message's text and buttons (falls back to send)
	OpAnswer  = "answer"  // answerCallbackQuery
	OpAction  = "action"  // sendChatAction
	OpInvoice = "invoice" // sendInvoice in Telegram Stars
	OpMedia   = "media"   // sendPhoto/sendVideo/sendAudio/sendDocument by URL (or file_id)
	// OpInvoiceLink creates a Stars invoice link (createInvoiceLink, with
	// Invoice.SubscriptionPeriod for a subscription) and sends Text with a
	// first button, Invoice.PayButton, opening it, above Buttons.
	OpInvoiceLink = "invoice_link"
)

// Op is one Bot API call decided by a committed state change. Ops are stored
// in the outbox as JSON, so they must hold everything the call needs.
type Op struct {
	Kind       string     `json:"kind"`
	ChatID     int64      `json:"chat_id,omitempty"`
	MessageID  int        `json:"message_id,omitempty"`
	Text       string     `json:"text,omitempty"`
	Buttons    [][]Button `json:"buttons,omitempty"`
	CallbackID string     `json:"callback_id,omitempty"`
	Alert      bool       `json:"alert,omitempty"`
	Action     string     `json:"action,omitempty"`
	Invoice    *InvoiceOp `json:"invoice,omitempty"`
	Media      string     `json:"media,omitempty"` // photo, video, audio, document
	URL        string     `json:"url,omitempty"`
}

// InvoiceOp is a Telegram Stars invoice.
type InvoiceOp struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Payload     string `json:"payload"`
	Stars       int    `json:"stars"`
	Label       string `json:"label"`
	// For OpInvoiceLink: the seconds of a subscription's period (0: a
	// one-off payment) and the text of the button that opens the link.
	SubscriptionPeriod int    `json:"subscription_period,omitempty"`
	PayButton          string `json:"pay_button,omitempty"`
}

// SendOp sends text (HTML) with buttons as a new message to chatID.
func SendOp(chatID int64, text string, buttons [][]Button) Op {
	return Op{Kind: OpSend, ChatID: chatID, Text: text, Buttons: buttons}
}

// EditOp replaces message msgID's text and buttons.
func EditOp(chatID int64, msgID int, text string, buttons [][]Button) Op {
	return Op{Kind: OpEdit, ChatID: chatID, MessageID: msgID, Text: text, Buttons: buttons}
}

// AnswerOp answers a callback query, optionally with a toast.
func AnswerOp(callbackID, text string) Op {
	return Op{Kind: OpAnswer, CallbackID: callbackID, Text: text}
}

// ErrPermanent marks a Bot API failure that retrying cannot fix (a bad
// request, a user who blocked the bot): the op is dropped and logged.
var ErrPermanent = errors.New("permanent")

// Perform makes op's Bot API call. A failure wrapping ErrPermanent must not
// be retried; any other failure may be.
func (t *Client) Perform(ctx context.Context, op Op) error {
	var err error
	switch op.Kind {
	case OpSend:
		_, err = t.sendText(ctx, op.ChatID, op.Text, op.Buttons)
	case OpEdit:
		err = t.callJSON(ctx, "editMessageText", &bot.EditMessageTextParams{
			ChatID: op.ChatID, MessageID: op.MessageID, Text: op.Text, ParseMode: models.ParseModeHTML,
			ReplyMarkup:        keyboard(op.Buttons),
			LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: bot.True()},
		}, nil)
		switch {
		case err != nil && strings.Contains(err.Error(), "message is not modified"):
			err = nil
		case err != nil && errors.Is(err, bot.ErrorBadRequest):
			// Too old, deleted or not ours to edit: show it as a new message.
			_, err = t.sendText(ctx, op.ChatID, op.Text, op.Buttons)
		}
	case OpAnswer:
		err = t.callJSON(ctx, "answerCallbackQuery", &bot.AnswerCallbackQueryParams{
			CallbackQueryID: op.CallbackID, Text: op.Text, ShowAlert: op.Alert,
		}, nil)
		if err != nil && errors.Is(err, bot.ErrorBadRequest) {
			err = nil // "query is too old": the spinner is gone anyway
		}
	case OpAction:
		_, err = t.Bot.SendChatAction(ctx, &bot.SendChatActionParams{ChatID: op.ChatID, Action: models.ChatAction(op.Action)})
		if err != nil && !IsRetryable(err) {
			err = nil // a lost "typing…" is not worth an error
		}
	case OpInvoice:
		if op.Invoice == nil {
			return fmt.Errorf("%w: invoice op without an invoice", ErrPermanent)
		}
		_, err = t.Bot.SendInvoice(ctx, &bot.SendInvoiceParams{
			ChatID: op.ChatID, Title: op.Invoice.Title, Description: op.Invoice.Description,
			Payload: op.Invoice.Payload, Currency: "XTR",
			Prices: []models.LabeledPrice{{Label: op.Invoice.Label, Amount: op.Invoice.Stars}},
		})
	case OpMedia:
		_, err = t.SendMedia(ctx, op.ChatID, op.Media, &models.InputFileString{Data: op.URL}, op.Text, op.Buttons)
	case OpInvoiceLink:
		if op.Invoice == nil {
			return fmt.Errorf("%w: invoice link op without an invoice", ErrPermanent)
		}
		var link string
		link, err = t.Bot.CreateInvoiceLink(ctx, &bot.CreateInvoiceLinkParams{
			Title: op.Invoice.Title, Description: op.Invoice.Description, Payload: op.Invoice.Payload, Currency: "XTR",
			Prices:             []models.LabeledPrice{{Label: op.Invoice.Label, Amount: op.Invoice.Stars}},
			SubscriptionPeriod: op.Invoice.SubscriptionPeriod,
		})
		if err == nil {
			// A retry after a failed send creates another link to the same
			// invoice: harmless, the payload is what is paid once.
			_, err = t.sendText(ctx, op.ChatID, op.Text, append([][]Button{{{Text: op.Invoice.PayButton, URL: link}}}, op.Buttons...))
		}
	default:
		return fmt.Errorf("%w: unknown op kind %q", ErrPermanent, op.Kind)
	}
	if err != nil && !IsRetryable(err) {
		return fmt.Errorf("%w: %s: %w", ErrPermanent, op.Kind, err)
	}
	return err
}

// IsRetryable tells transient Bot API failures (rate limits, network,
// Telegram's 5xx) from ones that will fail again.
func IsRetryable(err error) bool {
	if _, ok := RetryAfter(err); ok {
		return true
	}
	for _, permanent := range []error{bot.ErrorBadRequest, bot.ErrorForbidden, bot.ErrorNotFound, bot.ErrorUnauthorized} {
		if errors.Is(err, permanent) {
			return false
		}
	}
	return true
}

// EncodeOps encodes ops for the outbox.
func EncodeOps(ops []Op) ([][]byte, error) {
	out := make([][]byte, len(ops))
	for i, op := range ops {
		b, err := json.Marshal(op)
		if err != nil {
			return nil, fmt.Errorf("encode %s op: %w", op.Kind, err)
		}
		out[i] = b
	}
	return out, nil
}
