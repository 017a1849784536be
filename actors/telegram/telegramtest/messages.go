package telegramtest

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"
)

// What a stored message carries.
const (
	kindText     = "text"
	kindPhoto    = "photo"
	kindVideo    = "video"
	kindAudio    = "audio"
	kindDocument = "document"
	kindInvoice  = "invoice"
	kindPaid     = "successful_payment"
	kindRefunded = "refunded_payment"
)

// chat is a private chat between the bot and one user. Message ids are
// shared by both sides, as in Telegram, and index messages directly.
type chat struct {
	id       int64
	user     *User
	messages []*msgRecord // messages[i].id == i+1
}

func (ch *chat) add(r *msgRecord) {
	r.id = len(ch.messages) + 1
	r.date = unixNow()
	ch.messages = append(ch.messages, r)
}

func (ch *chat) get(id int) *msgRecord {
	if id < 1 || id > len(ch.messages) {
		return nil
	}
	return ch.messages[id-1]
}

func (ch *chat) model() models.Chat {
	u := ch.user.model
	return models.Chat{ID: ch.id, Type: models.ChatTypePrivate, FirstName: u.FirstName, LastName: u.LastName, Username: u.Username}
}

// msgRecord is the compact stored form of a message (a models.Message is
// about 1 KB; this is a few hundred bytes), rendered on demand.
type msgRecord struct {
	id        int
	date      int
	editDate  int
	fromBot   bool
	deleted   bool
	kind      string
	text      string // text or caption, after parse_mode
	entities  []models.MessageEntity
	source    string // text or caption as sent
	parseMode string
	markup    *models.InlineKeyboardMarkup
	keyboard  json.RawMessage // a non-inline reply_markup, as sent
	file      *storedFile
	media     mediaMeta
	invoice   *Invoice
	payment   *Payment
	history   []MessageVersion
}

// mediaMeta is what the sender said about a file.
type mediaMeta struct {
	width, height, duration int
	performer, title        string
}

func (r *msgRecord) pushVersion() {
	r.history = append(r.history, MessageVersion{
		Text: r.text, Entities: r.entities, Source: r.source, ParseMode: r.parseMode,
		ReplyMarkup: r.markup, ReplacedAt: time.Now(),
	})
	r.editDate = unixNow()
}

func (b *Bot) chatLocked(u *User) *chat {
	ch := b.chats[u.id]
	if ch == nil {
		ch = &chat{id: u.id, user: u}
		b.chats[u.id] = ch
	}
	return ch
}

// chatForSendLocked finds the private chat the bot may write to.
func (b *Bot) chatForSendLocked(chatID int64) (*chat, *apiError) {
	u := b.users[chatID]
	if u == nil {
		return nil, badRequest("chat not found")
	}
	if u.blocked {
		return nil, forbidden("bot was blocked by the user")
	}
	return b.chatLocked(u), nil
}

// chatIDParam reads chat_id: a number, or @username of a known user.
func (b *Bot) chatIDParam(p *params) (int64, *apiError) {
	s := strings.TrimSpace(p.str("chat_id"))
	if s == "" {
		return 0, badRequest("chat_id is empty")
	}
	if name, ok := strings.CutPrefix(s, "@"); ok {
		b.srv.mu.Lock()
		defer b.srv.mu.Unlock()
		for _, u := range b.users {
			if strings.EqualFold(u.model.Username, name) {
				return u.id, nil
			}
		}
		return 0, badRequest("chat not found")
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, badRequest("chat not found")
	}
	return id, nil
}

func messageIDParam(p *params) (int, *apiError) {
	if p.has("inline_message_id") && !p.has("message_id") {
		return 0, badRequest("MESSAGE_ID_INVALID") // inline messages are not faked
	}
	id, present, err := p.int64("message_id")
	if err != nil {
		return 0, err
	}
	if !present {
		return 0, badRequest("message identifier is not specified")
	}
	return int(id), nil
}

// renderLocked builds the Bot API message for a record.
func (b *Bot) renderLocked(ch *chat, r *msgRecord) models.Message {
	m := models.Message{ID: r.id, Date: r.date, EditDate: r.editDate, Chat: ch.model(), ReplyMarkup: r.markup}
	if r.fromBot {
		me := b.me
		m.From = &me
	} else {
		u := ch.user.model
		m.From = &u
	}
	switch r.kind {
	case kindText:
		m.Text, m.Entities = r.text, r.entities
	case kindPhoto:
		m.Photo = []models.PhotoSize{r.file.photoSize()}
	case kindVideo:
		f := r.file
		m.Video = &models.Video{FileID: f.id, FileUniqueID: f.uniqueID, Width: r.media.width, Height: r.media.height,
			Duration: r.media.duration, FileName: f.name, MimeType: f.mime, FileSize: f.size}
	case kindAudio:
		f := r.file
		m.Audio = &models.Audio{FileID: f.id, FileUniqueID: f.uniqueID, Duration: r.media.duration,
			Performer: r.media.performer, Title: r.media.title, FileName: f.name, MimeType: f.mime, FileSize: f.size}
	case kindDocument:
		f := r.file
		m.Document = &models.Document{FileID: f.id, FileUniqueID: f.uniqueID, FileName: f.name, MimeType: f.mime, FileSize: f.size}
	case kindInvoice:
		inv := r.invoice
		m.Invoice = &models.Invoice{Title: inv.Title, Description: inv.Description, StartParameter: inv.StartParameter,
			Currency: inv.Currency, TotalAmount: inv.TotalAmount}
	case kindPaid:
		p := r.payment
		m.SuccessfulPayment = &models.SuccessfulPayment{Currency: p.Currency, TotalAmount: p.TotalAmount,
			InvoicePayload: p.Payload, TelegramPaymentChargeID: p.ChargeID, ProviderPaymentChargeID: p.ProviderChargeID,
			IsRecurring: p.IsRecurring, SubscriptionExpirationDate: p.SubscriptionExpirationDate}
	case kindRefunded:
		p := r.payment
		m.RefundedPayment = &models.RefundedPayment{Currency: p.Currency, TotalAmount: p.TotalAmount,
			InvoicePayload: p.Payload, TelegramPaymentChargeID: p.ChargeID, ProviderPaymentChargeID: p.ProviderChargeID}
	}
	if r.file != nil {
		m.Caption, m.CaptionEntities = r.text, r.entities
	}
	return m
}

func (b *Bot) handleSendMessage(c *call) response {
	chatID, err := b.chatIDParam(c.p)
	if err != nil {
		return fail(err)
	}
	src, parseMode := c.p.str("text"), c.p.str("parse_mode")
	text, ents, err := formatText(src, parseMode, "entities", c.p)
	if err != nil {
		return fail(err)
	}
	if strings.TrimSpace(text) == "" {
		return fail(badRequest("message text is empty"))
	}
	if utf16Len(text) > maxTextLen {
		return fail(badRequest("message is too long"))
	}
	mk, err := parseReplyMarkup(c.p)
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
	r := &msgRecord{fromBot: true, kind: kindText, text: text, entities: ents, source: src, parseMode: parseMode,
		markup: mk.inline, keyboard: mk.other}
	ch.add(r)
	c.chatID, c.messageID = chatID, r.id
	return ok(b.renderLocked(ch, r))
}

// editTargetLocked finds a message the bot may edit.
func (b *Bot) editTargetLocked(chatID int64, msgID int) (*chat, *msgRecord, *apiError) {
	ch := b.chats[chatID]
	if ch == nil {
		if b.users[chatID] == nil {
			return nil, nil, badRequest("chat not found")
		}
		return nil, nil, badRequest("message to edit not found")
	}
	r := ch.get(msgID)
	if r == nil || r.deleted {
		return nil, nil, badRequest("message to edit not found")
	}
	if !r.fromBot {
		return nil, nil, badRequest("message can't be edited")
	}
	return ch, r, nil
}

func (b *Bot) handleEditMessageText(c *call) response {
	return b.editText(c, false)
}

func (b *Bot) handleEditMessageCaption(c *call) response {
	return b.editText(c, true)
}

// editText implements editMessageText and editMessageCaption. As with
// Telegram, an edit without reply_markup removes the inline keyboard, and an
// edit that changes nothing is refused.
func (b *Bot) editText(c *call, caption bool) response {
	chatID, err := b.chatIDParam(c.p)
	if err != nil {
		return fail(err)
	}
	msgID, err := messageIDParam(c.p)
	if err != nil {
		return fail(err)
	}
	field, entField, limit := "text", "entities", maxTextLen
	if caption {
		field, entField, limit = "caption", "caption_entities", maxCaptionLen
	}
	src, parseMode := c.p.str(field), c.p.str("parse_mode")
	text, ents, err := formatText(src, parseMode, entField, c.p)
	if err != nil {
		return fail(err)
	}
	if !caption && strings.TrimSpace(text) == "" {
		return fail(badRequest("message text is empty"))
	}
	if utf16Len(text) > limit {
		if caption {
			return fail(badRequest("message caption is too long"))
		}
		return fail(badRequest("message is too long"))
	}
	mk, err := parseReplyMarkup(c.p)
	if err != nil {
		return fail(err)
	}
	if mk.other != nil {
		return fail(badRequest("inline keyboard expected"))
	}
	s := b.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, r, err := b.editTargetLocked(chatID, msgID)
	if err != nil {
		return fail(err)
	}
	c.chatID, c.messageID = chatID, msgID
	switch {
	case !caption && r.kind != kindText:
		return fail(badRequest("there is no text in the message to edit"))
	case caption && r.file == nil:
		return fail(badRequest("there is no caption in the message to edit"))
	}
	if r.text == text && sameEntities(r.entities, ents) && sameMarkup(r.markup, mk.inline) {
		return fail(badRequest(descNotModified))
	}
	r.pushVersion()
	r.text, r.entities, r.source, r.parseMode, r.markup = text, ents, src, parseMode, mk.inline
	return ok(b.renderLocked(ch, r))
}

func (b *Bot) handleEditMessageReplyMarkup(c *call) response {
	chatID, err := b.chatIDParam(c.p)
	if err != nil {
		return fail(err)
	}
	msgID, err := messageIDParam(c.p)
	if err != nil {
		return fail(err)
	}
	mk, err := parseReplyMarkup(c.p)
	if err != nil {
		return fail(err)
	}
	if mk.other != nil {
		return fail(badRequest("inline keyboard expected"))
	}
	s := b.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, r, err := b.editTargetLocked(chatID, msgID)
	if err != nil {
		return fail(err)
	}
	c.chatID, c.messageID = chatID, msgID
	if sameMarkup(r.markup, mk.inline) {
		return fail(badRequest(descNotModified))
	}
	r.pushVersion()
	r.markup = mk.inline
	return ok(b.renderLocked(ch, r))
}

func (b *Bot) handleDeleteMessage(c *call) response {
	chatID, err := b.chatIDParam(c.p)
	if err != nil {
		return fail(err)
	}
	msgID, err := messageIDParam(c.p)
	if err != nil {
		return fail(err)
	}
	s := b.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := b.chats[chatID]
	if ch == nil {
		return fail(badRequest("message to delete not found"))
	}
	r := ch.get(msgID)
	if r == nil || r.deleted {
		return fail(badRequest("message to delete not found"))
	}
	r.deleted = true
	c.chatID, c.messageID = chatID, msgID
	return ok(true)
}

// callbackState is a callback query waiting for its answer.
type callbackState struct {
	userID    int64
	chatID    int64
	messageID int
	data      string
}

func (b *Bot) handleAnswerCallbackQuery(c *call) response {
	id := c.p.str("callback_query_id")
	text := c.p.str("text")
	if utf16Len(text) > maxCallbackAnswer {
		return fail(badRequest("MESSAGE_TOO_LONG"))
	}
	cacheTime, err := c.p.int("cache_time")
	if err != nil {
		return fail(err)
	}
	s := b.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	cb := b.callbacks[id]
	if cb == nil {
		// Unknown and already answered look alike, as with Telegram.
		return fail(badRequest(descQueryTooOld))
	}
	delete(b.callbacks, id)
	b.callbackAnswers = append(b.callbackAnswers, CallbackAnswer{
		QueryID: id, UserID: cb.userID, ChatID: cb.chatID, MessageID: cb.messageID, Data: cb.data,
		Text: text, ShowAlert: c.p.bool("show_alert"), URL: c.p.str("url"), CacheTime: cacheTime, Time: time.Now(),
	})
	c.chatID, c.messageID = cb.chatID, cb.messageID
	return ok(true)
}

func validChatAction(a string) bool {
	switch models.ChatAction(a) {
	case models.ChatActionTyping, models.ChatActionUploadPhoto, models.ChatActionRecordVideo,
		models.ChatActionUploadVideo, models.ChatActionRecordVoice, models.ChatActionUploadVoice,
		models.ChatActionUploadDocument, models.ChatActionChooseSticker, models.ChatActionFindLocation,
		models.ChatActionRecordVideoNote, models.ChatActionUploadVideoNote:
		return true
	}
	return false
}

func (b *Bot) handleSendChatAction(c *call) response {
	chatID, err := b.chatIDParam(c.p)
	if err != nil {
		return fail(err)
	}
	action := c.p.str("action")
	if !validChatAction(action) {
		return fail(badRequest("wrong parameter action in request"))
	}
	s := b.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := b.chatForSendLocked(chatID); err != nil {
		return fail(err)
	}
	b.actions = append(b.actions, ChatAction{ChatID: chatID, Action: action, Time: time.Now()})
	c.chatID = chatID
	return ok(true)
}
