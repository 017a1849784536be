package telegramtest_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
)

func keyboard(rows ...[]models.InlineKeyboardButton) *models.InlineKeyboardMarkup {
	return &models.InlineKeyboardMarkup{InlineKeyboard: rows}
}

func TestSendEditAndPressInlineKeyboard(t *testing.T) {
	t.Parallel()
	srv, tg, alice := setup(t)
	ctx := testCtx(t)
	b := newClient(t, srv, testToken)

	sent, err := b.SendMessage(ctx, &bot.SendMessageParams{
		ChatID: alice.ID(),
		Text:   "Pick a model",
		ReplyMarkup: keyboard(
			[]models.InlineKeyboardButton{{Text: "Flux", CallbackData: "model:flux"}, {Text: "Veo", CallbackData: "model:veo"}},
			[]models.InlineKeyboardButton{{Text: "Docs", URL: "https://example.com/docs"}},
		),
	})
	if err != nil {
		t.Fatalf("SendMessage: %v", err)
	}
	if sent.ID != 1 || sent.Chat.ID != alice.ID() || sent.From == nil || !sent.From.IsBot || sent.ReplyMarkup == nil {
		t.Fatalf("sent message = %+v", sent)
	}

	qid, err := alice.Press(sent.ID, "Veo")
	if err != nil {
		t.Fatalf("Press: %v", err)
	}
	ups := mustGetUpdates(t, ctx, srv, map[string]any{})
	if len(ups) != 1 || ups[0].CallbackQuery == nil {
		t.Fatalf("updates = %+v, want one callback_query", ups)
	}
	cq := ups[0].CallbackQuery
	if cq.ID != qid || cq.Data != "model:veo" || cq.From.ID != alice.ID() || cq.Message.Message == nil || cq.Message.Message.ID != sent.ID {
		t.Errorf("callback query = %+v", cq)
	}
	if _, err := alice.Press(sent.ID, "Docs"); err == nil {
		t.Error("pressing a URL button succeeded, want an error")
	}

	if _, err := b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: qid, Text: "Veo it is"}); err != nil {
		t.Fatalf("AnswerCallbackQuery: %v", err)
	}
	ans, err := tg.WaitCallbackAnswer(ctx, qid)
	if err != nil || ans.Text != "Veo it is" || ans.Data != "model:veo" || ans.MessageID != sent.ID {
		t.Errorf("callback answer = %+v, %v", ans, err)
	}
	_, err = b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: qid})
	if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), "query is too old") {
		t.Errorf("second answer: %v, want 400 query is too old", err)
	}

	// Edit the text and keep a keyboard.
	edited, err := b.EditMessageText(ctx, &bot.EditMessageTextParams{
		ChatID: alice.ID(), MessageID: sent.ID, Text: "Veo: confirm?",
		ReplyMarkup: keyboard([]models.InlineKeyboardButton{{Text: "Confirm", CallbackData: "confirm"}}),
	})
	if err != nil || edited.Text != "Veo: confirm?" || edited.EditDate == 0 {
		t.Fatalf("EditMessageText: %+v, %v", edited, err)
	}
	// The same content again is refused, as by Telegram.
	_, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{
		ChatID: alice.ID(), MessageID: sent.ID, Text: "Veo: confirm?",
		ReplyMarkup: keyboard([]models.InlineKeyboardButton{{Text: "Confirm", CallbackData: "confirm"}}),
	})
	if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), "message is not modified") {
		t.Errorf("identical edit: %v, want message is not modified", err)
	}
	// Pressing the old button no longer works: the keyboard changed.
	if _, err := alice.Press(sent.ID, "Veo"); err == nil {
		t.Error("pressing a button of the replaced keyboard succeeded")
	}
	// Editing the text without reply_markup drops the keyboard.
	if _, err := b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: alice.ID(), MessageID: sent.ID, Text: "Done"}); err != nil {
		t.Fatal(err)
	}
	msg, _ := tg.Message(alice.ID(), sent.ID)
	if msg.Text != "Done" || msg.ReplyMarkup != nil || len(msg.Edits) != 2 {
		t.Fatalf("after edits: text %q markup %v edits %d", msg.Text, msg.ReplyMarkup, len(msg.Edits))
	}
	if msg.Edits[0].Text != "Pick a model" || len(msg.Edits[0].ReplyMarkup.InlineKeyboard) != 2 || msg.Edits[1].Text != "Veo: confirm?" {
		t.Errorf("edit history = %+v", msg.Edits)
	}

	// editMessageReplyMarkup adds a keyboard back; the same one again is not a change.
	kb := keyboard([]models.InlineKeyboardButton{{Text: "Again", CallbackData: "again"}})
	if _, err := b.EditMessageReplyMarkup(ctx, &bot.EditMessageReplyMarkupParams{ChatID: alice.ID(), MessageID: sent.ID, ReplyMarkup: kb}); err != nil {
		t.Fatal(err)
	}
	_, err = b.EditMessageReplyMarkup(ctx, &bot.EditMessageReplyMarkupParams{ChatID: alice.ID(), MessageID: sent.ID, ReplyMarkup: kb})
	if !errors.Is(err, bot.ErrorBadRequest) {
		t.Errorf("identical markup edit: %v, want 400", err)
	}
	if got, _ := tg.Message(alice.ID(), sent.ID); len(got.Buttons()) != 1 || got.Buttons()[0].CallbackData != "again" {
		t.Errorf("buttons after markup edit = %+v", got.Buttons())
	}
	// Users' messages are not the bot's to edit.
	userMsg := alice.SendText("mine")
	_, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: alice.ID(), MessageID: userMsg.ID, Text: "yours"})
	if !errors.Is(err, bot.ErrorBadRequest) || !strings.Contains(err.Error(), "message can't be edited") {
		t.Errorf("editing the user's message: %v", err)
	}
	if n := tg.Calls("editMessageText"); n != 4 {
		t.Errorf("editMessageText calls = %d, want 4", n)
	}
}

func TestSendMessageValidation(t *testing.T) {
	t.Parallel()
	srv, tg, alice := setup(t)
	blocked := tg.AddUser(userConfig(7))
	blocked.Block()
	ctx := testCtx(t)
	b := newClient(t, srv, testToken)

	tests := []struct {
		name    string
		params  bot.SendMessageParams
		wantErr error
		want    string
	}{
		{"empty text", bot.SendMessageParams{ChatID: alice.ID(), Text: ""}, bot.ErrorBadRequest, "Bad Request: message text is empty"},
		{"only tags", bot.SendMessageParams{ChatID: alice.ID(), Text: "<b> </b>", ParseMode: models.ParseModeHTML}, bot.ErrorBadRequest, "message text is empty"},
		{"too long", bot.SendMessageParams{ChatID: alice.ID(), Text: strings.Repeat("я", 4097)}, bot.ErrorBadRequest, "Bad Request: message is too long"},
		{"too long in UTF-16", bot.SendMessageParams{ChatID: alice.ID(), Text: strings.Repeat("😀", 2049)}, bot.ErrorBadRequest, "message is too long"},
		{"unknown chat", bot.SendMessageParams{ChatID: 999, Text: "hi"}, bot.ErrorBadRequest, "Bad Request: chat not found"},
		{"blocked", bot.SendMessageParams{ChatID: blocked.ID(), Text: "hi"}, bot.ErrorForbidden, "Forbidden: bot was blocked by the user"},
		{"unclosed tag", bot.SendMessageParams{ChatID: alice.ID(), Text: "<b>bold", ParseMode: models.ParseModeHTML}, bot.ErrorBadRequest, "Can't find end tag corresponding to start tag \"b\""},
		{"mismatched tag", bot.SendMessageParams{ChatID: alice.ID(), Text: "<b><i>x</b></i>", ParseMode: models.ParseModeHTML}, bot.ErrorBadRequest, "Unmatched end tag"},
		{"unsupported tag", bot.SendMessageParams{ChatID: alice.ID(), Text: "<div>x</div>", ParseMode: models.ParseModeHTML}, bot.ErrorBadRequest, "Unsupported start tag \"div\""},
		{"callback data over 64 bytes", bot.SendMessageParams{ChatID: alice.ID(), Text: "hi",
			ReplyMarkup: keyboard([]models.InlineKeyboardButton{{Text: "x", CallbackData: strings.Repeat("d", 65)}})}, bot.ErrorBadRequest, "BUTTON_DATA_INVALID"},
		{"button without action", bot.SendMessageParams{ChatID: alice.ID(), Text: "hi",
			ReplyMarkup: keyboard([]models.InlineKeyboardButton{{Text: "x"}})}, bot.ErrorBadRequest, "Text buttons are unallowed"},
		{"bad button url", bot.SendMessageParams{ChatID: alice.ID(), Text: "hi",
			ReplyMarkup: keyboard([]models.InlineKeyboardButton{{Text: "x", URL: "not a url"}})}, bot.ErrorBadRequest, "BUTTON_URL_INVALID"},
		{"4096 characters is fine", bot.SendMessageParams{ChatID: alice.ID(), Text: strings.Repeat("я", 4096)}, nil, ""},
		{"64-byte callback data is fine", bot.SendMessageParams{ChatID: alice.ID(), Text: "hi",
			ReplyMarkup: keyboard([]models.InlineKeyboardButton{{Text: "x", CallbackData: strings.Repeat("d", 64)}})}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := b.SendMessage(ctx, &tt.params)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("SendMessage: %v", err)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("SendMessage error = %v, want %v containing %q", err, tt.wantErr, tt.want)
			}
		})
	}
	if n := len(tg.Sent(alice.ID())); n != 2 {
		t.Errorf("recorded %d sent messages, want only the 2 valid ones", n)
	}
}

func TestHTMLParseModeProducesEntities(t *testing.T) {
	t.Parallel()
	srv, tg, alice := setup(t)
	ctx := testCtx(t)
	b := newClient(t, srv, testToken)

	src := `😀 <b>Баланс</b>: <code>100 ₽</code> &amp; <a href="https://t.me/x?a=1&amp;b=2">link</a><pre><code class="language-go">x</code></pre>`
	m, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: alice.ID(), Text: src, ParseMode: models.ParseModeHTML})
	if err != nil {
		t.Fatal(err)
	}
	if want := "😀 Баланс: 100 ₽ & linkx"; m.Text != want {
		t.Errorf("text = %q, want %q", m.Text, want)
	}
	// Offsets count UTF-16 code units: the emoji is two.
	want := []models.MessageEntity{
		{Type: "bold", Offset: 3, Length: 6},
		{Type: "code", Offset: 11, Length: 5},
		{Type: "text_link", Offset: 19, Length: 4, URL: "https://t.me/x?a=1&b=2"},
		{Type: "pre", Offset: 23, Length: 1, Language: "go"},
	}
	if len(m.Entities) != len(want) {
		t.Fatalf("entities = %+v, want %+v", m.Entities, want)
	}
	for i := range want {
		if m.Entities[i] != want[i] {
			t.Errorf("entity %d = %+v, want %+v", i, m.Entities[i], want[i])
		}
	}
	rec, _ := tg.LastSent(alice.ID())
	if rec.Source != src || rec.ParseMode != "HTML" {
		t.Errorf("recorded source %q / %q", rec.Source, rec.ParseMode)
	}
}

func TestChatActionsAndCommands(t *testing.T) {
	t.Parallel()
	srv, tg, alice := setup(t)
	ctx := testCtx(t)
	b := newClient(t, srv, testToken)

	if _, err := b.SendChatAction(ctx, &bot.SendChatActionParams{ChatID: alice.ID(), Action: models.ChatActionUploadVideo}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.SendChatAction(ctx, &bot.SendChatActionParams{ChatID: alice.ID(), Action: "dancing"}); !errors.Is(err, bot.ErrorBadRequest) {
		t.Errorf("unknown action: %v, want 400", err)
	}
	if acts := tg.ChatActions(alice.ID()); len(acts) != 1 || acts[0].Action != "upload_video" {
		t.Errorf("chat actions = %+v", acts)
	}

	m := alice.SendCommand("start", "ref42")
	if m.Text != "/start ref42" || len(m.Entities) != 1 || m.Entities[0].Type != models.MessageEntityTypeBotCommand || m.Entities[0].Length != 6 {
		t.Errorf("command message = %q %+v", m.Text, m.Entities)
	}
	if _, err := b.SetMyCommands(ctx, &bot.SetMyCommandsParams{Commands: []models.BotCommand{{Command: "start", Description: "Start"}}}); err != nil {
		t.Fatal(err)
	}
	if cmds := tg.Commands(); len(cmds) != 1 || cmds[0].Command != "start" {
		t.Errorf("commands = %+v", cmds)
	}
	if ok, err := b.DeleteMessage(ctx, &bot.DeleteMessageParams{ChatID: alice.ID(), MessageID: m.ID}); err != nil || !ok {
		t.Fatalf("DeleteMessage: %v", err)
	}
	if got, _ := tg.Message(alice.ID(), m.ID); !got.Deleted {
		t.Error("deleted message not flagged")
	}
	if _, err := b.DeleteMessage(ctx, &bot.DeleteMessageParams{ChatID: alice.ID(), MessageID: m.ID}); !errors.Is(err, bot.ErrorBadRequest) {
		t.Errorf("second delete: %v, want 400", err)
	}
}
