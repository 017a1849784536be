package fsm

import (
	"net/url"
	"strings"

	"github.com/kiebot/kiebot/pricing"
)

// Growth: the "Invite friends" screen and promo codes. The invite screen
// needs the user's code and counts, which the actor reads (ShowInvite);
// a promo code is redeemed by the actor in the update's transaction
// (RedeemPromo), which also says how it went.

// ShowInvite asks the actor for the "Invite friends" screen (InviteScreen):
// the user's invite link, made on first use, and their referral counts.
type ShowInvite struct{}

// RedeemPromo asks the actor to redeem a promo code the user sent (raw,
// as typed) and tell them the outcome.
type RedeemPromo struct{ Code string }

func (ShowInvite) isCommand()  {}
func (RedeemPromo) isCommand() {}

// Growth actions in callback data (also global).
const (
	aInvite = "inv"   // the "Invite friends" screen
	aPromo  = "promo" // ask for a promo code
)

// invite asks the actor for the invite screen; the state stays.
func (t *turn) invite() error {
	t.cmd = ShowInvite{}
	return nil
}

// promoPrompt asks for a promo code; the next text is the code.
func (t *turn) promoPrompt() error {
	if !t.fire(EventPromo) {
		return t.stale()
	}
	t.rotate()
	t.show(Screen{Text: T(t.lang, KeyPromoAsk), Buttons: [][]Button{{t.b(T(t.lang, KeyBtnMenu), aMenu, "")}}})
	return nil
}

// promoText is the code typed at the prompt.
func (t *turn) promoText() error {
	code := strings.TrimSpace(t.in.Text)
	if code == "" {
		return t.promoPrompt()
	}
	t.fire(EventMenu)
	t.cmd = RedeemPromo{Code: code}
	return nil
}

// promoCommand is /promo [CODE].
func (t *turn) promoCommand() error {
	if t.in.Arg == "" {
		return t.promoPrompt()
	}
	t.cmd = RedeemPromo{Code: t.in.Arg}
	return nil
}

// InviteView is what the "Invite friends" screen shows.
type InviteView struct {
	Link           string // "" when the bot's username is unknown
	Joined, Paid   int    // friends who came by the link; of them, who paid
	Earned         int64  // kopecks, net of refunds
	Bonus          int64  // REFERRAL_BONUS, kopecks
	Percent, Days  int    // REFERRAL_PERCENT, REFERRAL_DAYS (0: forever)
	WelcomeKopecks int64  // what a new friend gets on arrival (WELCOME_BALANCE)
}

// InviteScreen is the "Invite friends" screen: the link, what inviting
// earns, the counts, a share button and the menu.
func InviteScreen(lang Lang, v InviteView) Screen {
	var b strings.Builder
	b.WriteString(T(lang, KeyInviteTitle))
	b.WriteString("\n\n")
	if v.Link == "" {
		b.WriteString(T(lang, KeyInviteNoLink))
	} else {
		b.WriteString(T(lang, KeyInviteLink, Escape(v.Link)))
	}
	b.WriteString("\n\n")
	switch {
	case v.Bonus <= 0 && v.Percent <= 0:
		b.WriteString(T(lang, KeyInviteNoTerms))
	default:
		if v.Bonus > 0 {
			b.WriteString(T(lang, KeyInviteBonus, pricing.FormatRUB(v.Bonus)) + "\n")
		}
		if v.Percent > 0 && v.Days > 0 {
			b.WriteString(T(lang, KeyInviteShareDays, v.Percent, v.Days) + "\n")
		} else if v.Percent > 0 {
			b.WriteString(T(lang, KeyInviteShare, v.Percent) + "\n")
		}
		b.WriteString(T(lang, KeyInviteRealMoney))
	}
	b.WriteString("\n\n")
	b.WriteString(T(lang, KeyInviteStats, v.Joined, v.Paid, pricing.FormatRUB(v.Earned)))
	var rows [][]Button
	if v.Link != "" {
		share := "https://t.me/share/url?url=" + url.QueryEscape(v.Link) + "&text=" + url.QueryEscape(T(lang, KeyInviteShareText))
		rows = append(rows, []Button{{Text: T(lang, KeyBtnShare), URL: share}})
	}
	rows = append(rows, []Button{menuButton(lang)})
	return Screen{Text: b.String(), Buttons: rows}
}

// PromoButton opens the promo code prompt from any message.
func PromoButton(lang Lang) Button {
	return Button{Text: T(lang, KeyBtnPromo), Data: callbackData(globalNonce, aPromo, "")}
}

// InviteButton opens the invite screen from any message.
func InviteButton(lang Lang) Button {
	return Button{Text: T(lang, KeyBtnInvite), Data: callbackData(globalNonce, aInvite, "")}
}

// GrowthNote is a catalogue text with the menu button under it, for the
// outcomes of invitations and promo codes the actor reports.
func GrowthNote(lang Lang, key Key, args ...any) Screen {
	return Screen{Text: T(lang, key, args...), Buttons: [][]Button{{menuButton(lang)}}}
}

// ParseAmount reads a rouble amount ("150", "99.50", "10,5") as kopecks,
// as the console's balance corrections do; problem names the text that
// says what is wrong with it ("" when nothing is).
func ParseAmount(s string) (kopecks int64, problem Key) { return parseAmount(s) }
