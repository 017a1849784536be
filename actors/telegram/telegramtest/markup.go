package telegramtest

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"unicode/utf16"

	"github.com/go-telegram/bot/models"
)

// Text limits of the Bot API, counted in UTF-16 code units like entity
// offsets.
const (
	maxTextLen        = 4096
	maxCaptionLen     = 1024
	maxCallbackData   = 64 // bytes
	maxCallbackAnswer = 200
	maxInlineButtons  = 100
	maxInvoiceTitle   = 32
	maxInvoiceDesc    = 255
	maxInvoicePayload = 128 // bytes
)

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// replyMarkup is a parsed reply_markup parameter: an inline keyboard, or any
// other markup (reply keyboard, removal, force reply) kept as sent.
type replyMarkup struct {
	present bool
	inline  *models.InlineKeyboardMarkup
	other   json.RawMessage
}

func parseReplyMarkup(p *params) (replyMarkup, *apiError) {
	s := strings.TrimSpace(p.str("reply_markup"))
	if s == "" {
		return replyMarkup{}, nil
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &probe); err != nil {
		return replyMarkup{}, badRequest("can't parse reply keyboard markup JSON object")
	}
	if rows, ok := probe["inline_keyboard"]; ok {
		var kb [][]models.InlineKeyboardButton
		if err := json.Unmarshal(rows, &kb); err != nil {
			return replyMarkup{}, badRequest("can't parse inline keyboard button: %v", err)
		}
		if err := validateInlineKeyboard(kb); err != nil {
			return replyMarkup{}, err
		}
		return replyMarkup{present: true, inline: &models.InlineKeyboardMarkup{InlineKeyboard: kb}}, nil
	}
	for _, k := range []string{"keyboard", "remove_keyboard", "force_reply"} {
		if _, ok := probe[k]; ok {
			return replyMarkup{present: true, other: json.RawMessage(s)}, nil
		}
	}
	return replyMarkup{}, badRequest("can't parse reply keyboard markup JSON object")
}

func validateInlineKeyboard(rows [][]models.InlineKeyboardButton) *apiError {
	total := 0
	for _, row := range rows {
		for _, btn := range row {
			total++
			if strings.TrimSpace(btn.Text) == "" {
				return badRequest("BUTTON_TEXT_INVALID")
			}
			actions := 0
			if btn.CallbackData != "" {
				actions++
				if len(btn.CallbackData) > maxCallbackData {
					return badRequest("BUTTON_DATA_INVALID")
				}
			}
			if btn.URL != "" {
				actions++
				u, err := url.Parse(btn.URL)
				if err != nil || u.Scheme == "" || (u.Scheme != "tg" && u.Host == "") {
					return badRequest("BUTTON_URL_INVALID")
				}
			}
			// go-telegram/bot always sends "copy_text":{"text":""}; only a
			// non-empty text makes it a copy button.
			for _, set := range []bool{
				btn.WebApp != nil, btn.LoginURL != nil, btn.SwitchInlineQuery != "",
				btn.SwitchInlineQueryCurrentChat != "", btn.SwitchInlineQueryChosenChat != nil,
				btn.CopyText.Text != "", btn.CallbackGame != nil, btn.Pay,
			} {
				if set {
					actions++
				}
			}
			if actions == 0 {
				return badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
			}
		}
	}
	if total > maxInlineButtons {
		return badRequest("BUTTONS_TOO_MUCH")
	}
	return nil
}

// sameMarkup compares keyboards as Telegram would for "message is not
// modified": by content.
func sameMarkup(a, b *models.InlineKeyboardMarkup) bool {
	if a == nil || len(a.InlineKeyboard) == 0 {
		return b == nil || len(b.InlineKeyboard) == 0
	}
	if b == nil {
		return false
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

func sameEntities(a, b []models.MessageEntity) bool {
	if len(a) != len(b) {
		return false
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

func cloneMarkup(m *models.InlineKeyboardMarkup) *models.InlineKeyboardMarkup {
	if m == nil {
		return nil
	}
	rows := make([][]models.InlineKeyboardButton, len(m.InlineKeyboard))
	for i, r := range m.InlineKeyboard {
		rows[i] = append([]models.InlineKeyboardButton(nil), r...)
	}
	return &models.InlineKeyboardMarkup{InlineKeyboard: rows}
}

// formatText applies parse_mode (or explicit entities) to a text or caption.
// HTML is parsed into plain text and entities as Telegram does; Markdown
// modes are passed through unparsed (a known gap of the fake).
func formatText(src, parseMode, entitiesParam string, p *params) (string, []models.MessageEntity, *apiError) {
	if p.has(entitiesParam) {
		var ents []models.MessageEntity
		if _, err := p.json(entitiesParam, &ents); err != nil {
			return "", nil, badRequest("can't parse entities JSON object")
		}
		return src, ents, nil
	}
	switch parseMode {
	case "":
		return src, nil, nil
	case string(models.ParseModeHTML):
		return parseHTML(src)
	case string(models.ParseModeMarkdown), string(models.ParseModeMarkdownV1):
		return src, nil, nil
	}
	return "", nil, badRequest("unsupported parse_mode")
}
