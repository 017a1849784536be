package shop

import (
	"context"
	"errors"

	"github.com/kiebot/kiebot/fsm"
	"github.com/kiebot/kiebot/store"
)

// language is the one rule for the language the shop speaks to a user in:
// the one recorded for them (chosen with /language, or taken from Telegram
// at first contact); for a user the database does not know yet, the one
// their Telegram client reports (telegramCode, "" when unknown); Russian
// when nothing says otherwise. It also returns the user's row and whether
// there is one; err is a failure to read it (the language then follows
// telegramCode).
func language(ctx context.Context, st *store.Store, userID int64, telegramCode string) (fsm.Lang, store.User, bool, error) {
	u, err := st.User(ctx, userID)
	switch {
	case err == nil:
		return fsm.LangOf(u.Language), u, true, nil
	case errors.Is(err, store.ErrNotFound):
		err = nil
	}
	return fsm.LangOf(store.LanguageFor(telegramCode)), store.User{}, false, err
}
