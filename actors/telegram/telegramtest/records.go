package telegramtest

import (
	"context"
	"encoding/json"
	"time"

	"github.com/go-telegram/bot/models"
)

// Message is a message in a private chat, in its current version, with what
// the Bot API would return for it embedded (Text, Caption, ReplyMarkup,
// Photo, Invoice…; Text and Caption are after parse_mode, as Telegram stores
// them).
type Message struct {
	models.Message
	FromBot   bool
	Source    string          // text or caption exactly as the bot sent it
	ParseMode string          // as sent
	Keyboard  json.RawMessage // a non-inline reply_markup (reply keyboard, removal, force reply), as sent
	Deleted   bool            // deleted with deleteMessage
	Edits     []MessageVersion
}

// MessageVersion is an earlier version of an edited message.
type MessageVersion struct {
	Text        string // text or caption
	Entities    []models.MessageEntity
	Source      string
	ParseMode   string
	ReplyMarkup *models.InlineKeyboardMarkup
	ReplacedAt  time.Time
}

// Buttons returns the message's inline buttons, row by row, flattened.
func (m Message) Buttons() []models.InlineKeyboardButton {
	if m.ReplyMarkup == nil {
		return nil
	}
	var out []models.InlineKeyboardButton
	for _, row := range m.ReplyMarkup.InlineKeyboard {
		out = append(out, row...)
	}
	return out
}

// CallbackAnswer is the bot's answerCallbackQuery for a pressed button.
type CallbackAnswer struct {
	QueryID   string
	UserID    int64
	ChatID    int64
	MessageID int
	Data      string // the pressed button's callback data
	Text      string
	ShowAlert bool
	URL       string
	CacheTime int
	Time      time.Time
}

// ChatAction is one sendChatAction.
type ChatAction struct {
	ChatID int64
	Action string
	Time   time.Time
}

// Invoice is an invoice the bot sent.
type Invoice struct {
	ChatID         int64
	MessageID      int
	Title          string
	Description    string
	Payload        string
	Currency       string
	Prices         []models.LabeledPrice
	TotalAmount    int
	StartParameter string
	Time           time.Time
	// An invoice made by createInvoiceLink has its Link and no chat or
	// message; SubscriptionPeriod (seconds) makes it a subscription.
	Link               string
	SubscriptionPeriod int
}

// PreCheckoutAnswer is the bot's answerPreCheckoutQuery.
type PreCheckoutAnswer struct {
	QueryID      string
	OK           bool
	ErrorMessage string
	Time         time.Time
}

// Payment is a completed Stars payment.
type Payment struct {
	ChargeID         string // telegram_payment_charge_id
	ProviderChargeID string
	UserID           int64
	InvoiceMessageID int
	MessageID        int // the successful_payment message
	Currency         string
	TotalAmount      int
	Payload          string
	Time             time.Time
	Refunded         bool
	// A subscription's payments: the first is not recurring, renewals are;
	// both carry the end of the period paid for.
	IsRecurring                bool
	SubscriptionExpirationDate int
}

// StarSubscription is a Stars subscription a user bought through an
// invoice link with subscription_period.
type StarSubscription struct {
	FirstChargeID string
	UserID        int64
	Payload       string
	Stars         int
	Period        int       // seconds
	PaidUntil     time.Time // the end of the last period paid for
	Payments      int
	Canceled      bool // editUserStarSubscription(is_canceled=true): no more renewals
}

// Refund is a successful refundStarPayment.
type Refund struct {
	ChargeID    string
	UserID      int64
	Currency    string
	TotalAmount int
	Payload     string
	Time        time.Time
}

// publicLocked renders a record for a test, deep enough that the caller may
// modify it freely.
func (b *Bot) publicLocked(ch *chat, r *msgRecord) Message {
	m := Message{
		Message:   b.renderLocked(ch, r),
		FromBot:   r.fromBot,
		Source:    r.source,
		ParseMode: r.parseMode,
		Keyboard:  append(json.RawMessage(nil), r.keyboard...),
		Deleted:   r.deleted,
	}
	if r.keyboard == nil {
		m.Keyboard = nil
	}
	m.ReplyMarkup = cloneMarkup(r.markup)
	m.Entities = append([]models.MessageEntity(nil), m.Entities...)
	m.CaptionEntities = append([]models.MessageEntity(nil), m.CaptionEntities...)
	if len(r.history) > 0 {
		m.Edits = make([]MessageVersion, len(r.history))
		for i, v := range r.history {
			v.ReplyMarkup = cloneMarkup(v.ReplyMarkup)
			v.Entities = append([]models.MessageEntity(nil), v.Entities...)
			m.Edits[i] = v
		}
	}
	return m
}

// Messages returns the whole private chat with chatID, both sides, oldest
// first, deleted messages included (flagged).
func (b *Bot) Messages(chatID int64) []Message {
	b.srv.mu.Lock()
	defer b.srv.mu.Unlock()
	ch := b.chats[chatID]
	if ch == nil {
		return nil
	}
	out := make([]Message, len(ch.messages))
	for i, r := range ch.messages {
		out[i] = b.publicLocked(ch, r)
	}
	return out
}

// Sent returns the messages the bot sent to chatID, oldest first.
func (b *Bot) Sent(chatID int64) []Message {
	b.srv.mu.Lock()
	defer b.srv.mu.Unlock()
	ch := b.chats[chatID]
	if ch == nil {
		return nil
	}
	var out []Message
	for _, r := range ch.messages {
		if r.fromBot {
			out = append(out, b.publicLocked(ch, r))
		}
	}
	return out
}

// LastSent returns the newest message the bot sent to chatID.
func (b *Bot) LastSent(chatID int64) (Message, bool) {
	b.srv.mu.Lock()
	defer b.srv.mu.Unlock()
	ch := b.chats[chatID]
	if ch == nil {
		return Message{}, false
	}
	for i := len(ch.messages) - 1; i >= 0; i-- {
		if r := ch.messages[i]; r.fromBot {
			return b.publicLocked(ch, r), true
		}
	}
	return Message{}, false
}

// Message returns one message of a chat by id.
func (b *Bot) Message(chatID int64, messageID int) (Message, bool) {
	b.srv.mu.Lock()
	defer b.srv.mu.Unlock()
	ch := b.chats[chatID]
	if ch == nil {
		return Message{}, false
	}
	r := ch.get(messageID)
	if r == nil {
		return Message{}, false
	}
	return b.publicLocked(ch, r), true
}

func (b *Bot) findSent(chatID int64, match func(Message) bool) (Message, bool) {
	for _, m := range b.Sent(chatID) {
		if match(m) {
			return m, true
		}
	}
	return Message{}, false
}

// WaitMessage waits until a message the bot sent to chatID satisfies match
// (in its current version, so an edit can make it match) and returns the
// oldest such message.
func (b *Bot) WaitMessage(ctx context.Context, chatID int64, match func(Message) bool) (Message, error) {
	var found Message
	err := b.srv.WaitFor(ctx, func() bool {
		var ok bool
		found, ok = b.findSent(chatID, match)
		return ok
	})
	return found, err
}

// CallbackAnswers returns every answerCallbackQuery, oldest first.
func (b *Bot) CallbackAnswers() []CallbackAnswer {
	b.srv.mu.Lock()
	defer b.srv.mu.Unlock()
	return append([]CallbackAnswer(nil), b.callbackAnswers...)
}

// CallbackAnswer returns the answer to one callback query.
func (b *Bot) CallbackAnswer(queryID string) (CallbackAnswer, bool) {
	b.srv.mu.Lock()
	defer b.srv.mu.Unlock()
	for _, a := range b.callbackAnswers {
		if a.QueryID == queryID {
			return a, true
		}
	}
	return CallbackAnswer{}, false
}

// WaitCallbackAnswer waits for the bot to answer a callback query.
func (b *Bot) WaitCallbackAnswer(ctx context.Context, queryID string) (CallbackAnswer, error) {
	var a CallbackAnswer
	err := b.srv.WaitFor(ctx, func() bool {
		var ok bool
		a, ok = b.CallbackAnswer(queryID)
		return ok
	})
	return a, err
}

// ChatActions returns the chat actions sent to chatID, oldest first.
func (b *Bot) ChatActions(chatID int64) []ChatAction {
	b.srv.mu.Lock()
	defer b.srv.mu.Unlock()
	var out []ChatAction
	for _, a := range b.actions {
		if a.ChatID == chatID {
			out = append(out, a)
		}
	}
	return out
}

// Invoices returns every invoice the bot sent, oldest first.
func (b *Bot) Invoices() []Invoice {
	b.srv.mu.Lock()
	defer b.srv.mu.Unlock()
	out := make([]Invoice, len(b.invoices))
	for i, inv := range b.invoices {
		inv.Prices = append([]models.LabeledPrice(nil), inv.Prices...)
		out[i] = inv
	}
	return out
}

// Payments returns every completed payment, oldest first.
func (b *Bot) Payments() []Payment {
	b.srv.mu.Lock()
	defer b.srv.mu.Unlock()
	out := make([]Payment, len(b.paymentOrder))
	for i, id := range b.paymentOrder {
		out[i] = *b.payments[id]
	}
	return out
}

// Refunds returns every successful refund, oldest first.
func (b *Bot) Refunds() []Refund {
	b.srv.mu.Lock()
	defer b.srv.mu.Unlock()
	return append([]Refund(nil), b.refunds...)
}

// Overlaps is Bot.Overlaps by token (0 for an unknown token).
func (s *Server) Overlaps(token string) int {
	if b := s.Bot(token); b != nil {
		return b.Overlaps()
	}
	return 0
}

// Polls is Bot.Polls by token (nil for an unknown token).
func (s *Server) Polls(token string) []PollRecord {
	if b := s.Bot(token); b != nil {
		return b.Polls()
	}
	return nil
}

// FirstPollAfter is Bot.FirstPollAfter by token.
func (s *Server) FirstPollAfter(token string, t time.Time) (PollRecord, bool) {
	if b := s.Bot(token); b != nil {
		return b.FirstPollAfter(t)
	}
	return PollRecord{}, false
}

// Calls is Bot.Calls by token (0 for an unknown token).
func (s *Server) Calls(token, method string) int {
	if b := s.Bot(token); b != nil {
		return b.Calls(method)
	}
	return 0
}

// InjectError is Bot.InjectError by token; it registers the token if needed.
func (s *Server) InjectError(token, method string, count, errorCode int, description string, retryAfter int) {
	s.AddBot(token).InjectError(method, count, errorCode, description, retryAfter)
}
