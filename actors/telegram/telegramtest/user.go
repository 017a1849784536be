package telegramtest

import (
	"fmt"
	"strings"

	"github.com/go-telegram/bot/models"
)

// UserConfig describes a Telegram user for Bot.AddUser.
type UserConfig struct {
	ID           int64 // 0: the next free id
	FirstName    string
	LastName     string
	Username     string
	LanguageCode string
	IsPremium    bool
}

// User is a Telegram user talking to one bot in a private chat (chat id =
// user id). Its methods act as the user would in a Telegram client: each
// records the user's message and queues the matching update for the bot.
type User struct {
	bot   *Bot
	id    int64
	model models.User // immutable after AddUser
	// guarded by the server's lock
	blocked bool
}

// Upload is a file a user sends.
type Upload struct {
	Name    string // file name, kept for documents, videos and audio
	MIME    string // e.g. "image/jpeg"
	Content []byte
	// Size is the size Telegram reports; 0 means len(Content). A larger Size
	// stands in for a big file without allocating it (getFile then refuses
	// sizes over 20 MB, as Telegram does).
	Size    int64
	Caption string
	// Width, Height, Duration describe videos and audio.
	Width, Height, Duration int
}

// AddUser creates a user who can talk to the bot and whom the bot may
// message. Adding an id twice panics.
func (b *Bot) AddUser(cfg UserConfig) *User {
	s := b.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	if cfg.ID == 0 {
		for b.users[b.nextUserID] != nil {
			b.nextUserID++
		}
		cfg.ID = b.nextUserID
		b.nextUserID++
	}
	if cfg.ID < 0 {
		panic(fmt.Sprintf("telegramtest: user id %d: users have positive ids", cfg.ID))
	}
	if b.users[cfg.ID] != nil {
		panic(fmt.Sprintf("telegramtest: user %d already added", cfg.ID))
	}
	if cfg.FirstName == "" {
		cfg.FirstName = fmt.Sprintf("User %d", cfg.ID)
	}
	u := &User{bot: b, id: cfg.ID, model: models.User{
		ID: cfg.ID, FirstName: cfg.FirstName, LastName: cfg.LastName, Username: cfg.Username,
		LanguageCode: cfg.LanguageCode, IsPremium: cfg.IsPremium,
	}}
	b.users[cfg.ID] = u
	return u
}

// User returns a user added with AddUser, or nil.
func (b *Bot) User(id int64) *User {
	b.srv.mu.Lock()
	defer b.srv.mu.Unlock()
	return b.users[id]
}

// ID is the user's id, which is also the private chat's id.
func (u *User) ID() int64 { return u.id }

// Model is the user as the Bot API shows it.
func (u *User) Model() models.User { return u.model }

// Block makes the bot's sends to this user fail with 403 "Forbidden: bot was
// blocked by the user"; Unblock undoes it.
func (u *User) Block() { u.setBlocked(true) }

// Unblock lets the bot write to the user again.
func (u *User) Unblock() { u.setBlocked(false) }

func (u *User) setBlocked(v bool) {
	u.bot.srv.mu.Lock()
	defer u.bot.srv.mu.Unlock()
	u.blocked = v
}

// SendText sends a text message. A leading /command gets a bot_command
// entity, as Telegram clients add.
func (u *User) SendText(text string) Message {
	var ents []models.MessageEntity
	if strings.HasPrefix(text, "/") {
		cmd, _, _ := strings.Cut(text, " ")
		cmd, _, _ = strings.Cut(cmd, "\n")
		if len(cmd) > 1 {
			ents = []models.MessageEntity{{Type: models.MessageEntityTypeBotCommand, Offset: 0, Length: utf16Len(cmd)}}
		}
	}
	return u.send(&msgRecord{kind: kindText, text: text, source: text, entities: ents})
}

// SendFormatted sends a text message formatted in the client, as its
// entities: src is Telegram HTML (bold, links…), which the bot receives as
// plain text with the entities, like any formatted message.
func (u *User) SendFormatted(src string) (Message, error) {
	text, ents, aerr := parseHTML(src)
	if aerr != nil {
		return Message{}, aerr
	}
	return u.send(&msgRecord{kind: kindText, text: text, source: src, entities: ents}), nil
}

// SendCommand sends "/command args..." with its bot_command entity; the
// leading slash is optional.
func (u *User) SendCommand(command string, args ...string) Message {
	text := "/" + strings.TrimPrefix(command, "/")
	if len(args) > 0 {
		text += " " + strings.Join(args, " ")
	}
	return u.SendText(text)
}

// SendPhoto sends a photo; its dimensions are read from the bytes when they
// are an image.
func (u *User) SendPhoto(f Upload) Message { return u.sendFile(kindPhoto, f) }

// SendDocument sends a document.
func (u *User) SendDocument(f Upload) Message { return u.sendFile(kindDocument, f) }

// SendVideo sends a video.
func (u *User) SendVideo(f Upload) Message { return u.sendFile(kindVideo, f) }

// SendAudio sends an audio file.
func (u *User) SendAudio(f Upload) Message { return u.sendFile(kindAudio, f) }

func (u *User) sendFile(kind string, up Upload) Message {
	size := up.Size
	if size == 0 {
		size = int64(len(up.Content))
	}
	nf := &newFile{name: up.Name, mime: up.MIME, data: append([]byte(nil), up.Content...), size: size}
	if kind == kindPhoto {
		_ = u.bot.srv.checkImage(nf) // a user's client would not send a bad photo; keep what decodes
	}
	r := &msgRecord{kind: kind, text: up.Caption, source: up.Caption,
		media: mediaMeta{width: up.Width, height: up.Height, duration: up.Duration}}
	s := u.bot.srv
	s.mu.Lock()
	f := u.bot.addFileLocked(kind, nf.name, nf.mime, nf.data, nf.size)
	f.width, f.height = nf.width, nf.height
	if kind == kindPhoto && f.width == 0 {
		f.width, f.height = up.Width, up.Height
	}
	r.file = f
	s.mu.Unlock()
	return u.send(r)
}

// send stores a user's message and queues the update.
func (u *User) send(r *msgRecord) Message {
	b := u.bot
	s := b.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := b.chatLocked(u)
	ch.add(r)
	msg := b.renderLocked(ch, r)
	b.enqueueLocked(&models.Update{Message: &msg})
	return b.publicLocked(ch, r)
}

// Press presses an inline button of a message the bot sent to this user,
// matching button by its text, or else by its callback data, in the
// message's current keyboard. It queues a callback_query update and returns
// the query id, which the bot must answer.
func (u *User) Press(messageID int, button string) (string, error) {
	b := u.bot
	s := b.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := b.chats[u.id]
	var r *msgRecord
	if ch != nil {
		r = ch.get(messageID)
	}
	if r == nil || r.deleted || !r.fromBot {
		return "", fmt.Errorf("press %q: no bot message %d in chat %d", button, messageID, u.id)
	}
	btn, found := findButton(r.markup, button)
	if !found {
		return "", fmt.Errorf("press %q: message %d has no such button", button, messageID)
	}
	if btn.CallbackData == "" {
		return "", fmt.Errorf("press %q: button has no callback data", button)
	}
	b.nextCallback++
	id := fmt.Sprintf("%d%010d", b.id%100000, b.nextCallback)
	b.callbacks[id] = &callbackState{userID: u.id, chatID: ch.id, messageID: messageID, data: btn.CallbackData}
	msg := b.renderLocked(ch, r)
	b.enqueueLocked(&models.Update{CallbackQuery: &models.CallbackQuery{
		ID:           id,
		From:         u.model,
		Message:      models.MaybeInaccessibleMessage{Type: models.MaybeInaccessibleMessageTypeMessage, Message: &msg},
		ChatInstance: fmt.Sprintf("%d", ch.id^b.id),
		Data:         btn.CallbackData,
	}})
	return id, nil
}

func findButton(kb *models.InlineKeyboardMarkup, label string) (models.InlineKeyboardButton, bool) {
	if kb == nil {
		return models.InlineKeyboardButton{}, false
	}
	for _, byData := range []bool{false, true} {
		for _, row := range kb.InlineKeyboard {
			for _, btn := range row {
				if (!byData && btn.Text == label) || (byData && btn.CallbackData == label) {
					return btn, true
				}
			}
		}
	}
	return models.InlineKeyboardButton{}, false
}
