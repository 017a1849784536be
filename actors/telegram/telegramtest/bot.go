package telegramtest

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"
)

// Bot is one bot served by a Server: its token, update queue, webhook, chats
// and everything it sent. All its state is guarded by the server's lock;
// every method is safe for concurrent use.
type Bot struct {
	srv   *Server
	token string
	id    int64
	me    models.User

	calls    map[string]int
	injected map[string][]*injection // by lower-case method, "*" for any
	holds    map[string]*Hold        // by lower-case method

	updates      updateQueue
	lastUpdateID int64
	allowed      map[string]bool // nil: Telegram's default set
	wake         chan struct{}   // closed when an update is queued; nil until someone waits
	polls        []*PollRecord
	inflight     []*pollRequest
	overlaps     int
	hook         webhookState
	deliveries   []WebhookDelivery

	users      map[int64]*User
	nextUserID int64
	chats      map[int64]*chat

	files    map[string]*storedFile // by file_id
	paths    map[string]*storedFile // by file_path
	nextFile int

	callbacks       map[string]*callbackState
	callbackAnswers []CallbackAnswer
	nextCallback    int
	actions         []ChatAction
	commands        []models.BotCommand

	invoices     []Invoice
	checkouts    map[string]*checkoutState
	nextCheckout int
	payments     map[string]*Payment // by telegram_payment_charge_id
	paymentOrder []string
	refunds      []Refund
	links        map[string]*Invoice          // createInvoiceLink's invoices, by link
	subs         map[string]*StarSubscription // Stars subscriptions, by their first charge id
}

type injection struct {
	remaining int // negative: until cleared
	err       *apiError
}

func newBot(s *Server, token string, id int64) *Bot {
	return &Bot{
		srv:   s,
		token: token,
		id:    id,
		me: models.User{
			ID:                      id,
			IsBot:                   true,
			FirstName:               fmt.Sprintf("Test Bot %d", id),
			Username:                fmt.Sprintf("test%d_bot", id),
			CanJoinGroups:           true,
			CanReadAllGroupMessages: false,
			SupportInlineQueries:    false,
		},
		calls:        map[string]int{},
		injected:     map[string][]*injection{},
		holds:        map[string]*Hold{},
		lastUpdateID: 100_000_000,
		users:        map[int64]*User{},
		nextUserID:   1_000_000,
		chats:        map[int64]*chat{},
		files:        map[string]*storedFile{},
		paths:        map[string]*storedFile{},
		callbacks:    map[string]*callbackState{},
		checkouts:    map[string]*checkoutState{},
		payments:     map[string]*Payment{},
		links:        map[string]*Invoice{},
		subs:         map[string]*StarSubscription{},
	}
}

// Token returns the bot's token.
func (b *Bot) Token() string { return b.token }

// ID returns the bot's user id, the numeric prefix of its token.
func (b *Bot) ID() int64 { return b.id }

// Me returns what getMe answers.
func (b *Bot) Me() models.User { return b.me }

// call is one Bot API request being handled.
type call struct {
	w      http.ResponseWriter
	r      *http.Request
	p      *params
	method string
	// Filled by handlers so the EventRequest says what the call touched.
	chatID    int64
	messageID int
}

type handler func(b *Bot, c *call) response

// methodHandler maps a method name, matched case-insensitively as Telegram
// does, to its canonical name and handler; nil means 404.
func methodHandler(name string) (string, handler) {
	switch strings.ToLower(name) {
	case "getme":
		return "getMe", (*Bot).handleGetMe
	case "getupdates":
		return "getUpdates", (*Bot).handleGetUpdates
	case "setwebhook":
		return "setWebhook", (*Bot).handleSetWebhook
	case "deletewebhook":
		return "deleteWebhook", (*Bot).handleDeleteWebhook
	case "getwebhookinfo":
		return "getWebhookInfo", (*Bot).handleGetWebhookInfo
	case "sendmessage":
		return "sendMessage", (*Bot).handleSendMessage
	case "editmessagetext":
		return "editMessageText", (*Bot).handleEditMessageText
	case "editmessagecaption":
		return "editMessageCaption", (*Bot).handleEditMessageCaption
	case "editmessagereplymarkup":
		return "editMessageReplyMarkup", (*Bot).handleEditMessageReplyMarkup
	case "deletemessage":
		return "deleteMessage", (*Bot).handleDeleteMessage
	case "answercallbackquery":
		return "answerCallbackQuery", (*Bot).handleAnswerCallbackQuery
	case "sendchataction":
		return "sendChatAction", (*Bot).handleSendChatAction
	case "sendphoto":
		return "sendPhoto", func(b *Bot, c *call) response { return b.handleSendMedia(c, kindPhoto) }
	case "sendvideo":
		return "sendVideo", func(b *Bot, c *call) response { return b.handleSendMedia(c, kindVideo) }
	case "sendaudio":
		return "sendAudio", func(b *Bot, c *call) response { return b.handleSendMedia(c, kindAudio) }
	case "senddocument":
		return "sendDocument", func(b *Bot, c *call) response { return b.handleSendMedia(c, kindDocument) }
	case "getfile":
		return "getFile", (*Bot).handleGetFile
	case "sendinvoice":
		return "sendInvoice", (*Bot).handleSendInvoice
	case "answerprecheckoutquery":
		return "answerPreCheckoutQuery", (*Bot).handleAnswerPreCheckoutQuery
	case "refundstarpayment":
		return "refundStarPayment", (*Bot).handleRefundStarPayment
	case "createinvoicelink":
		return "createInvoiceLink", (*Bot).handleCreateInvoiceLink
	case "edituserstarsubscription":
		return "editUserStarSubscription", (*Bot).handleEditUserStarSubscription
	case "setmycommands":
		return "setMyCommands", (*Bot).handleSetMyCommands
	case "getmycommands":
		return "getMyCommands", (*Bot).handleGetMyCommands
	case "deletemycommands":
		return "deleteMyCommands", (*Bot).handleDeleteMyCommands
	}
	return name, nil
}

func (b *Bot) serveMethod(w http.ResponseWriter, r *http.Request, method string) {
	name, h := methodHandler(method)
	s := b.srv
	c := &call{w: w, r: r, method: name}
	var resp response
	p, perr := parseParams(r)
	c.p = p

	s.mu.Lock()
	b.calls[name]++
	if h := b.holds[strings.ToLower(name)]; h != nil && !h.pass(r.Context()) {
		s.mu.Unlock()
		return // abandoned at the hold: no answer
	}
	inj := b.takeInjectionLocked(name)
	if inj != nil && name == "getUpdates" {
		b.logPollLocked(p, inj)
	}
	s.mu.Unlock()

	switch {
	case h == nil:
		resp = fail(notFound())
	case perr != nil:
		resp = fail(perr)
	case inj != nil:
		resp = fail(inj)
	default:
		resp = h(b, c)
	}

	status := http.StatusOK
	if resp.err != nil {
		status = resp.err.code
	}
	s.mu.Lock()
	s.notifyLocked(Event{Kind: EventRequest, BotID: b.id, Method: name, Status: status, ChatID: c.chatID, MessageID: c.messageID})
	s.mu.Unlock()
	if resp.gone {
		return
	}
	writeResponse(w, resp)
}

func (b *Bot) takeInjectionLocked(method string) *apiError {
	for _, key := range []string{strings.ToLower(method), "*"} {
		q := b.injected[key]
		if len(q) == 0 {
			continue
		}
		inj := q[0]
		if inj.remaining > 0 {
			inj.remaining--
			if inj.remaining == 0 {
				b.injected[key] = q[1:]
			}
		}
		return inj.err
	}
	return nil
}

// InjectError makes the next count calls of method (matched
// case-insensitively; "*" for every method) fail with errorCode and
// description, plus parameters.retry_after when retryAfter > 0. An empty
// description takes Telegram's usual text, e.g. "Too Many Requests: retry
// after N" for 429. A negative count fails every call until
// ClearInjectedErrors. Injections for one method queue up in order; method-
// specific ones are used before "*".
func (b *Bot) InjectError(method string, count, errorCode int, description string, retryAfter int) {
	if count == 0 {
		panic("telegramtest: InjectError with count 0")
	}
	if errorCode < 400 || errorCode > 599 {
		panic(fmt.Sprintf("telegramtest: InjectError with non-error code %d", errorCode))
	}
	b.srv.mu.Lock()
	defer b.srv.mu.Unlock()
	key := strings.ToLower(method)
	b.injected[key] = append(b.injected[key], &injection{remaining: count, err: injectedError(errorCode, description, retryAfter)})
}

// ClearInjectedErrors drops every pending injected error.
func (b *Bot) ClearInjectedErrors() {
	b.srv.mu.Lock()
	defer b.srv.mu.Unlock()
	clear(b.injected)
}

// Calls returns how many requests the bot made to method (canonical name,
// e.g. "sendMessage"), whatever their outcome.
func (b *Bot) Calls(method string) int {
	name, _ := methodHandler(method)
	b.srv.mu.Lock()
	defer b.srv.mu.Unlock()
	return b.calls[name]
}

// CallCounts returns the number of requests per method.
func (b *Bot) CallCounts() map[string]int {
	b.srv.mu.Lock()
	defer b.srv.mu.Unlock()
	return maps.Clone(b.calls)
}

func (b *Bot) handleGetMe(*call) response {
	return ok(b.me)
}

func (b *Bot) handleSetMyCommands(c *call) response {
	var cmds []models.BotCommand
	if present, err := c.p.json("commands", &cmds); !present || err != nil {
		return fail(badRequest("can't parse commands JSON object"))
	}
	for _, cmd := range cmds {
		if n := len(cmd.Command); n == 0 || n > 32 || cmd.Command != strings.ToLower(cmd.Command) {
			return fail(badRequest("BOT_COMMAND_INVALID"))
		}
		if n := len([]rune(cmd.Description)); n == 0 || n > 256 {
			return fail(badRequest("BOT_COMMAND_DESCRIPTION_INVALID"))
		}
	}
	b.srv.mu.Lock()
	b.commands = cmds
	b.srv.mu.Unlock()
	return ok(true)
}

func (b *Bot) handleGetMyCommands(*call) response {
	b.srv.mu.Lock()
	defer b.srv.mu.Unlock()
	return ok(append([]models.BotCommand{}, b.commands...))
}

func (b *Bot) handleDeleteMyCommands(*call) response {
	b.srv.mu.Lock()
	b.commands = nil
	b.srv.mu.Unlock()
	return ok(true)
}

// Commands returns the commands last set with setMyCommands.
func (b *Bot) Commands() []models.BotCommand {
	b.srv.mu.Lock()
	defer b.srv.mu.Unlock()
	return append([]models.BotCommand(nil), b.commands...)
}

// encodeUpdate marshals an update for the queue; models types marshal
// cleanly, so a failure is a bug in the fake.
func encodeUpdate(u *models.Update) []byte {
	raw, err := json.Marshal(u)
	if err != nil {
		panic(fmt.Sprintf("telegramtest: encode update: %v", err))
	}
	return raw
}

func unixNow() int { return int(time.Now().Unix()) }
