package fsm

// Growth texts: invitations, referral rewards, promo codes, campaign
// sources, and their console commands.
const (
	KeyBtnInvite       Key = "btn.invite"
	KeyBtnPromo        Key = "btn.promo"
	KeyBtnShare        Key = "btn.share"
	KeyInviteTitle     Key = "invite.title"
	KeyInviteLink      Key = "invite.link"
	KeyInviteNoLink    Key = "invite.no_link"
	KeyInviteNoTerms   Key = "invite.no_terms"
	KeyInviteBonus     Key = "invite.bonus"
	KeyInviteShare     Key = "invite.share"
	KeyInviteShareDays Key = "invite.share_days"
	KeyInviteRealMoney Key = "invite.real_money"
	KeyInviteStats     Key = "invite.stats"
	KeyInviteShareText Key = "invite.share_text"

	KeyReferralJoined    Key = "referral.joined"     // to the referee, at binding
	KeyReferralNewFriend Key = "referral.new_friend" // to the referrer, at binding
	KeyReferralSelf      Key = "referral.self"
	KeyReferralNotNew    Key = "referral.not_new"
	KeyReferralLoop      Key = "referral.loop"
	KeyReferralUnknown   Key = "referral.unknown"
	KeyReferralReward    Key = "referral.reward"    // to the referrer
	KeyReferralBonusOf   Key = "referral.bonus_of"  // to the referee: your friend was rewarded
	KeyReferralTakeBack  Key = "referral.take_back" // to the referrer
	KeyReferralShortfall Key = "referral.shortfall" // to the referrer, with the take-back

	KeyLedgerReferral     Key = "ledger.referral"
	KeyLedgerReferralBack Key = "ledger.referral_back"
	KeyLedgerPromo        Key = "ledger.promo"
	KeyLedgerPromoBack    Key = "ledger.promo_back"

	KeyPromoAsk         Key = "promo.ask"
	KeyPromoCredited    Key = "promo.credited"
	KeyPromoPending     Key = "promo.pending"
	KeyPromoApplied     Key = "promo.applied"
	KeyPromoTakenBack   Key = "promo.taken_back"
	KeyPromoUnknown     Key = "promo.unknown"
	KeyPromoExpired     Key = "promo.expired"
	KeyPromoDisabled    Key = "promo.disabled"
	KeyPromoUsedUp      Key = "promo.used_up"
	KeyPromoAlreadyUsed Key = "promo.already_used"
	KeyPromoRateLimited Key = "promo.rate_limited"

	KeyAdminPromoHelp     Key = "admin.promo.help"
	KeyAdminPromoBad      Key = "admin.promo.bad"
	KeyAdminPromoCreated  Key = "admin.promo.created"
	KeyAdminPromoExists   Key = "admin.promo.exists"
	KeyAdminPromoNotFound Key = "admin.promo.not_found"
	KeyAdminPromoListHead Key = "admin.promo.list_head"
	KeyAdminPromoNone     Key = "admin.promo.none"
	KeyAdminPromoLine     Key = "admin.promo.line"
	KeyAdminPromoCredit   Key = "admin.promo.credit"
	KeyAdminPromoBonus    Key = "admin.promo.bonus"
	KeyAdminPromoForever  Key = "admin.promo.forever"
	KeyAdminPromoUntil    Key = "admin.promo.until"
	KeyAdminPromoOff      Key = "admin.promo.off"
	KeyAdminPromoOn       Key = "admin.promo.on"
	KeyAdminPromoExpired  Key = "admin.promo.expired"
	KeyAdminPromoDisabled Key = "admin.promo.disabled"
	KeyAdminPromoWasOff   Key = "admin.promo.was_off"
	KeyAdminPromoRedHead  Key = "admin.promo.red_head"
	KeyAdminPromoRedLine  Key = "admin.promo.red_line"
	KeyAdminPromoRedNone  Key = "admin.promo.red_none"
	KeyAdminSourcesHead   Key = "admin.sources.head"
	KeyAdminSourcesLine   Key = "admin.sources.line"
	KeyAdminSourcesNone   Key = "admin.sources.none"
	KeyStatsSources       Key = "admin.stats.sources"
)

// maxStatsSources bounds the campaign tags the statistics list.
const maxStatsSources = 10

var growthTexts = map[Key][2]string{ // [RU, EN]
	KeyBtnInvite:       {"🤝 Пригласить друзей", "🤝 Invite friends"},
	KeyBtnPromo:        {"🏷 Промокод", "🏷 Promo code"},
	KeyBtnShare:        {"📤 Поделиться ссылкой", "📤 Share the link"},
	KeyInviteTitle:     {"🤝 <b>Пригласите друзей</b>", "🤝 <b>Invite friends</b>"},
	KeyInviteLink:      {"Ваша ссылка:\n%s", "Your link:\n%s"},
	KeyInviteNoLink:    {"Ссылка сейчас недоступна, попробуйте позже.", "The link is not available right now; please try again later."},
	KeyInviteNoTerms:   {"Сейчас за приглашения ничего не начисляется.", "Invitations earn nothing at the moment."},
	KeyInviteBonus:     {"• %s за первое пополнение друга", "• %s for a friend's first top-up"},
	KeyInviteShare:     {"• %d%% от каждого пополнения друга", "• %d%% of each of a friend's top-ups"},
	KeyInviteShareDays: {"• %d%% от каждого пополнения друга в первые %d дн.", "• %d%% of each of a friend's top-ups for their first %d days"},
	KeyInviteRealMoney: {"Награда начисляется только за оплаченные пополнения.", "Only paid top-ups earn rewards."},
	KeyInviteStats: {"Пришли по ссылке: <b>%d</b>\nПополнили баланс: <b>%d</b>\nЗаработано: <b>%s</b>",
		"Friends joined: <b>%d</b>\nFriends who paid: <b>%d</b>\nEarned: <b>%s</b>"},
	KeyInviteShareText: {"Генерирую картинки, видео и музыку нейросетями — попробуй:", "I make pictures, video and music with AI here — try it:"},

	KeyReferralJoined:    {"🤝 Вы пришли по приглашению друга — добро пожаловать!", "🤝 You came by a friend's invitation — welcome!"},
	KeyReferralNewFriend: {"🎉 По вашей ссылке пришёл новый пользователь: %s. Награда придёт, когда он пополнит баланс.", "🎉 %s joined by your link. Your reward comes when they top up."},
	KeyReferralSelf:      {"Это ваша собственная ссылка-приглашение — отправьте её друзьям.", "This is your own invite link — send it to your friends."},
	KeyReferralNotNew:    {"Приглашения действуют только для тех, кто впервые открывает бота.", "Invitations work only for people new to this bot."},
	KeyReferralLoop:      {"Этот пользователь сам пришёл по вашему приглашению.", "This user came by your own invitation."},
	KeyReferralUnknown:   {"Ссылка-приглашение недействительна.", "This invite link is not valid."},
	KeyReferralReward:    {"💸 Награда за приглашённого друга: +%s. Баланс: %s", "💸 Reward for a friend you invited: +%s. Balance: %s"},
	KeyReferralBonusOf:   {"Пригласивший вас друг получил награду за ваше пополнение. Спасибо!", "The friend who invited you was rewarded for your top-up. Thank you!"},
	KeyReferralTakeBack:  {"↩️ Пополнение приглашённого друга возвращено — награда −%s списана. Баланс: %s", "↩️ A top-up of a friend you invited was refunded — its reward −%s was taken back. Balance: %s"},
	KeyReferralShortfall: {"Часть награды (%s) уже была потрачена и не списана.", "Part of the reward (%s) had been spent and was not taken back."},

	KeyLedgerReferral:     {"награда за друга", "referral reward"},
	KeyLedgerReferralBack: {"возврат награды за друга", "referral reward taken back"},
	KeyLedgerPromo:        {"промокод", "promo code"},
	KeyLedgerPromoBack:    {"возврат бонуса по промокоду", "promo bonus taken back"},

	KeyPromoAsk:         {"🎁 Отправьте промокод сообщением.", "🎁 Send the promo code as a message."},
	KeyPromoCredited:    {"🎁 Промокод <b>%s</b> активирован: +%s. Баланс: %s", "🎁 Promo code <b>%s</b> redeemed: +%s. Balance: %s"},
	KeyPromoPending:     {"🎁 Промокод <b>%s</b> активирован: +%d%% к следующему пополнению.", "🎁 Promo code <b>%s</b> redeemed: +%d%% on your next top-up."},
	KeyPromoApplied:     {"🎁 Бонус по промокоду <b>%s</b>: +%s (%d%% от пополнения). Баланс: %s", "🎁 Promo code <b>%s</b> bonus: +%s (%d%% of the top-up). Balance: %s"},
	KeyPromoTakenBack:   {"↩️ Бонус по промокоду за возвращённое пополнение списан: −%s.", "↩️ The promo bonus of the refunded top-up was taken back: −%s."},
	KeyPromoUnknown:     {"❌ Такого промокода нет. Проверьте, как он написан.", "❌ There is no such promo code. Check how it is spelt."},
	KeyPromoExpired:     {"⌛ Срок действия этого промокода истёк.", "⌛ This promo code has expired."},
	KeyPromoDisabled:    {"⛔ Этот промокод больше не действует.", "⛔ This promo code has been withdrawn."},
	KeyPromoUsedUp:      {"😔 Этот промокод уже израсходован: все активации заняты.", "😔 This promo code is used up: no redemptions are left."},
	KeyPromoAlreadyUsed: {"Вы уже активировали этот промокод.", "You have already redeemed this promo code."},
	KeyPromoRateLimited: {"⏳ Слишком много неверных промокодов. Попробуйте снова через час.", "⏳ Too many wrong promo codes. Please try again in an hour."},

	KeyAdminPromoHelp: {"Промокоды:\n" +
		"<code>/promonew КОД СУММА ИСПОЛЬЗОВАНИЙ [ДНЕЙ]</code> — начисление, напр. <code>/promonew SPRING 100 50 30</code> (100 ₽, 50 активаций, 30 дней)\n" +
		"<code>/promonew КОД 20% 100 [ДНЕЙ]</code> — бонус к следующему пополнению, напр. <code>/promonew BONUS20 20% 100</code>\n" +
		"<code>/promos</code> — список, <code>/promoinfo КОД</code> — активации, <code>/promooff КОД</code> — отключить\n" +
		"<code>/sources</code> — пользователи, плательщики и выручка по меткам ссылок ?start=src_…",
		"Promo codes:\n" +
			"<code>/promonew CODE AMOUNT USES [DAYS]</code> — a credit, e.g. <code>/promonew SPRING 100 50 30</code> (100 ₽, 50 uses, 30 days)\n" +
			"<code>/promonew CODE 20% 100 [DAYS]</code> — a bonus on the next top-up, e.g. <code>/promonew BONUS20 20% 100</code>\n" +
			"<code>/promos</code> — the list, <code>/promoinfo CODE</code> — redemptions, <code>/promooff CODE</code> — withdraw\n" +
			"<code>/sources</code> — users, payers and revenue per ?start=src_… link tag"},
	KeyAdminPromoBad:      {"Не получилось: %s", "Not done: %s"},
	KeyAdminPromoCreated:  {"✅ Промокод создан:\n%s", "✅ Promo code created:\n%s"},
	KeyAdminPromoExists:   {"Промокод <b>%s</b> уже существует.", "Promo code <b>%s</b> exists already."},
	KeyAdminPromoNotFound: {"Промокода <b>%s</b> нет.", "There is no promo code <b>%s</b>."},
	KeyAdminPromoListHead: {"🎁 <b>Промокоды</b> (новые сверху):", "🎁 <b>Promo codes</b> (newest first):"},
	KeyAdminPromoNone:     {"Промокодов пока нет.", "No promo codes yet."},
	KeyAdminPromoLine:     {"<code>%s</code> — %s, %d/%d, %s, %s", "<code>%s</code> — %s, %d/%d, %s, %s"},
	KeyAdminPromoCredit:   {"+%s", "+%s"},
	KeyAdminPromoBonus:    {"+%d%% к пополнению", "+%d%% on a top-up"},
	KeyAdminPromoForever:  {"бессрочно", "no expiry"},
	KeyAdminPromoUntil:    {"до %s", "until %s"},
	KeyAdminPromoOff:      {"⛔ отключён", "⛔ withdrawn"},
	KeyAdminPromoOn:       {"действует", "active"},
	KeyAdminPromoExpired:  {"⌛ истёк", "⌛ expired"},
	KeyAdminPromoDisabled: {"⛔ Промокод отключён:\n%s", "⛔ Promo code withdrawn:\n%s"},
	KeyAdminPromoWasOff:   {"Промокод уже был отключён:\n%s", "The promo code was withdrawn before:\n%s"},
	KeyAdminPromoRedHead:  {"Активации (новые сверху):", "Redemptions (newest first):"},
	KeyAdminPromoRedLine:  {"%s — <code>%d</code> %s — %s", "%s — <code>%d</code> %s — %s"},
	KeyAdminPromoRedNone:  {"Активаций нет.", "No redemptions."},
	KeyAdminSourcesHead:   {"📣 <b>Источники</b> (метка — пользователи, плательщики, выручка):", "📣 <b>Sources</b> (tag — users, payers, revenue):"},
	KeyAdminSourcesLine:   {"<code>%s</code> — %d, %d, %s", "<code>%s</code> — %d, %d, %s"},
	KeyStatsSources:       {"📣 Источники (метка — новые, плательщики, выручка):", "📣 Sources (tag — new users, payers, revenue):"},
	KeyAdminSourcesNone:   {"Пока никто не пришёл по ссылке с меткой (<code>?start=src_метка</code>).", "Nobody has come by a tagged link (<code>?start=src_tag</code>) yet."},
}
