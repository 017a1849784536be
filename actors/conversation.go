package actors

import (
	"strings"

	"github.com/go-telegram/bot/models"

	"github.com/kiebot/kiebot/store"
)

func seenUser(u *models.User, chatID int64) store.SeenUser {
	return store.SeenUser{ID: u.ID, ChatID: chatID, FirstName: u.FirstName, Username: u.Username, LanguageCode: u.LanguageCode}
}

// command splits "/start@kiebot payload" into ("start", "payload"); it
// returns "" for text that is not a command.
func command(text string) (name, arg string) {
	if !strings.HasPrefix(text, "/") {
		return "", ""
	}
	head, arg, _ := strings.Cut(text[1:], " ")
	head, _, _ = strings.Cut(head, "@")
	return strings.ToLower(head), strings.TrimSpace(arg)
}
