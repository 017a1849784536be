// Package telegramtest is a fake Telegram Bot API server for tests, in the
// spirit of net/http/httptest: a real HTTP server on a loopback port that
// code under test reaches through its normal configuration
// (bot.WithServerURL(srv.URL), TELEGRAM_API_URL), with no seam in production
// code. It does not import testing, so examples, benchmarks and the offline
// `kiebot demo` can use it.
//
//	srv := telegramtest.NewServer()
//	defer srv.Close()
//	tg := srv.AddBot("123456:TEST-token")
//	alice := tg.AddUser(telegramtest.UserConfig{FirstName: "Alice", LanguageCode: "ru"})
//	alice.SendCommand("start")
//	msg, err := tg.WaitMessage(ctx, alice.ID(), func(m telegramtest.Message) bool { return m.Text != "" })
//
// # Wire format
//
// Requests go to {URL}/bot{token}/{method} (method names case-insensitive)
// as query strings, JSON bodies, urlencoded or multipart forms; JSON-typed
// parameters (reply_markup, prices, allowed_updates) may be JSON values or
// JSON text in a form field, which is how github.com/go-telegram/bot sends
// them. Answers are {"ok":true,"result":…} or {"ok":false,"error_code":N,
// "description":"…","parameters":{"retry_after":N}} with the HTTP status equal
// to error_code and Telegram's wording. Files download from
// {URL}/file/bot{token}/{file_path}.
//
// # Bots and tokens
//
// A token is "<digits>:<secret>". NewServer is strict: tokens must be
// registered with AddBot, and any other token gets 401 Unauthorized, exactly
// as from Telegram. Set Options.AutoRegister (between NewUnstartedServer and
// Start) to accept every well-formed token lazily instead. Each bot has its
// own update queue, webhook, users, chats, files and records.
//
// # Methods
//
// getMe; getUpdates (offset, limit, timeout, allowed_updates; long polling);
// setWebhook, deleteWebhook, getWebhookInfo; sendMessage, editMessageText,
// editMessageCaption, editMessageReplyMarkup, deleteMessage;
// answerCallbackQuery; sendChatAction; sendPhoto, sendVideo, sendAudio,
// sendDocument (by upload, URL or file_id); getFile; sendInvoice,
// answerPreCheckoutQuery, refundStarPayment (Telegram Stars only);
// setMyCommands, getMyCommands, deleteMyCommands. Any other method gets 404
// Not Found. Validation follows the Bot API limits: 4096-character texts,
// 1024-character captions, 64-byte callback data, 200-character callback
// answers, balanced HTML for parse_mode HTML (parsed into entities; Markdown
// modes pass through unparsed), 5/20 MB by URL, 10/50 MB by upload, 20 MB by
// getFile, and the Stars invoice rules. Like Telegram, editing a message
// without reply_markup removes its inline keyboard.
//
// # Updates, overlap and webhooks
//
// Updates wait in a per-bot queue ordered by update_id. getUpdates confirms
// every update below offset, a negative offset keeps only the last -offset
// updates, and an omitted offset returns all unconfirmed ones. A long poll
// wakes as soon as an update is queued.
//
// Telegram allows one getUpdates per bot at a time: when a newer request
// arrives while an older one is in flight, the older is answered 409
// "Conflict: terminated by other getUpdates request; make sure that only one
// bot instance is running" and counted in Bot.Overlaps. A request is in
// flight from the moment its handler starts until it is answered or its
// client disconnects (see Options.OverlapGrace). Bot.Polls logs every
// getUpdates with start, end, offset, result count and status.
//
// While a webhook is set, getUpdates answers 409 "Conflict: can't use
// getUpdates method while webhook is active; …" and one goroutine per bot
// POSTs queued updates to the webhook as JSON, in order, with the
// X-Telegram-Bot-Api-Secret-Token header when a secret is set, retrying each
// update with exponential backoff until the webhook answers 2xx (at most
// Options.WebhookMaxAttempts times). Close stops and waits for it.
//
// # The user side
//
// Bot.AddUser creates users; a User sends texts and commands, presses inline
// buttons of the bot's messages, sends photos, documents, videos and audio,
// and pays invoices (pre_checkout_query, then successful_payment once the
// bot approves). Bot.SendUpdate and Bot.SendRawUpdate queue arbitrary
// updates; Bot.InjectError makes upcoming calls fail (e.g. 429 with
// retry_after); Bot.Hold keeps a method's calls in flight until the test
// releases them. Everything the bot does is recorded: messages with their
// current text, markup and edit history, callback answers, chat actions,
// invoices, payments, refunds, per-method call counts.
//
// # Waiting without sleeping
//
// Server.WaitFor re-evaluates a condition after every change on the server;
// Bot.WaitMessage, Bot.WaitCallbackAnswer and Bot.WaitPreCheckoutAnswer build
// on it, and Server.Subscribe streams every Event in order.
//
// # Left out
//
// Groups, channels and topics; inline mode; media groups, stickers, voice,
// animations; Markdown parsing; fiat payments, shipping, subscriptions and
// getStarTransactions; flood limits (inject 429s instead); parallel webhook
// connections (delivery is sequential, which is stricter about order).
package telegramtest
