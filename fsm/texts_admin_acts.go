package fsm

// Texts of the console's changes (prompts, confirmations, outcomes) and of
// what they tell users.

const (
	KeyAskUser            Key = "admin.ask.user"
	KeyAskOrder           Key = "admin.ask.order"
	KeyAskAmount          Key = "admin.ask.amount"
	KeyAskReason          Key = "admin.ask.reason"
	KeyAskMessage         Key = "admin.ask.message"
	KeyAmountBad          Key = "admin.amount.bad"
	KeyAmountZero         Key = "admin.amount.zero"
	KeyAmountBig          Key = "admin.amount.big"
	KeyReasonEmpty        Key = "admin.reason.empty"
	KeyReasonLong         Key = "admin.reason.long"
	KeyMessageEmpty       Key = "admin.message.empty"
	KeyMessageLong        Key = "admin.message.long"
	KeyActAdjust          Key = "admin.act.adjust"
	KeyActBan             Key = "admin.act.ban"
	KeyActUnban           Key = "admin.act.unban"
	KeyActMessage         Key = "admin.act.message"
	KeyActRefund          Key = "admin.act.refund"
	KeyActModelOff        Key = "admin.act.model_off"
	KeyActModelOn         Key = "admin.act.model_on"
	KeyConfirmAdjust      Key = "admin.confirm.adjust"
	KeyConfirmBan         Key = "admin.confirm.ban"
	KeyConfirmUnban       Key = "admin.confirm.unban"
	KeyConfirmMessage     Key = "admin.confirm.message"
	KeyConfirmRefund      Key = "admin.confirm.refund"
	KeyConfirmModelOff    Key = "admin.confirm.model_off"
	KeyConfirmModelOn     Key = "admin.confirm.model_on"
	KeyBelowZeroNow       Key = "admin.below_zero"
	KeyCannotBanAdmin     Key = "admin.cannot_ban_admin"
	KeyNotRefundable      Key = "admin.not_refundable"
	KeyShippedOffShort    Key = "admin.shipped_off"
	KeyApplying           Key = "admin.applying"
	KeyAdminAlreadyDone   Key = "admin.already_done"
	KeyNotDone            Key = "admin.not_done"
	KeyDoneAdjust         Key = "admin.done.adjust"
	KeyDoneBan            Key = "admin.done.ban"
	KeyDoneUnban          Key = "admin.done.unban"
	KeyDoneMessage        Key = "admin.done.message"
	KeyDoneRefund         Key = "admin.done.refund"
	KeyDoneModelOff       Key = "admin.done.model_off"
	KeyDoneModelOn        Key = "admin.done.model_on"
	KeyRefusedBanned      Key = "admin.refused.banned"
	KeyRefusedNotBanned   Key = "admin.refused.not_banned"
	KeyRefusedRefunded    Key = "admin.refused.refunded"
	KeyRefusedUnknownUser Key = "admin.refused.unknown_user"
	KeyRefusedUnknownJob  Key = "admin.refused.unknown_job"
	KeyRefusedUnchanged   Key = "admin.refused.unchanged"
	KeyRefusedForbidden   Key = "admin.refused.forbidden"
	KeySupportMessage     Key = "notice.support_message"
	KeyNoticeAdjusted     Key = "notice.adjusted"
	KeyNoticeRefunded     Key = "notice.refunded"
	KeySuspended          Key = "notice.suspended"
	KeyRefuseSuspended    Key = "refuse.suspended"
	KeyNothingCharged     Key = "notice.nothing_charged"
)

var adminActTexts = map[Key][2]string{ // [RU, EN]
	KeyAskUser: {
		"👤 Пришлите Telegram id пользователя, его @username или перешлите сюда любое его сообщение.",
		"👤 Send the user's Telegram id, their @username, or forward any of their messages here.",
	},
	KeyAskOrder: {"🧾 Пришлите номер заказа (например, 1234 или #1234).", "🧾 Send the order number (for example 1234 or #1234)."},
	KeyAskAmount: {
		"± Сколько добавить пользователю <code>%d</code>? Сумма в рублях: <code>150</code>, <code>-99.50</code>, <code>+10,5</code>. Минус списывает.",
		"± How much to add for user <code>%d</code>? An amount in roubles: <code>150</code>, <code>-99.50</code>, <code>+10,5</code>. A minus takes money away.",
	},
	KeyAskReason: {
		"✍️ Причина (%s)? Она попадёт в журнал действий.",
		"✍️ The reason (%s)? It goes into the audit log.",
	},
	KeyAskMessage: {
		"✉️ Текст для пользователя <code>%d</code> — до %d символов. Его увидят как сообщение от поддержки.",
		"✉️ The text for user <code>%d</code>, up to %d characters. They will see it as a message from support.",
	},
	KeyAmountBad: {
		"Не понял сумму. Пишите рубли и до двух знаков копеек: 150, -99.50, +10,5.",
		"I could not read that amount. Write roubles with up to two decimals: 150, -99.50, +10,5.",
	},
	KeyAmountZero:   {"Сумма не может быть нулевой.", "The amount cannot be zero."},
	KeyAmountBig:    {"Слишком много: за раз не больше %s в любую сторону.", "Too much: at most %s either way at once."},
	KeyReasonEmpty:  {"Без причины нельзя — напишите пару слов.", "A reason is required — a few words will do."},
	KeyReasonLong:   {"Причина длинновата: до %d символов (сейчас %d).", "That reason is too long: up to %d characters (it has %d)."},
	KeyMessageEmpty: {"Сообщение пустое.", "The message is empty."},
	KeyMessageLong:  {"Сообщение длинновато: до %d символов (сейчас %d).", "That message is too long: up to %d characters (it has %d)."},
	KeyActAdjust:    {"изменение баланса", "balance adjustment"},
	KeyActBan:       {"блокировка", "ban"},
	KeyActUnban:     {"разблокировка", "unban"},
	KeyActMessage:   {"сообщение", "message"},
	KeyActRefund:    {"возврат заказа", "order refund"},
	KeyActModelOff:  {"выключение модели", "switching the model off"},
	KeyActModelOn:   {"включение модели", "switching the model on"},
	KeyConfirmAdjust: {
		"<b>Проверьте:</b> %s на баланс %s.\nБаланс сейчас %s → станет %s.",
		"<b>Please check:</b> %s to the balance of %s.\nThe balance is %s now → %s after.",
	},
	KeyConfirmBan: {
		"<b>Заблокировать</b> %s?\nНа любое сообщение он(а) получит одно вежливое сообщение о приостановке доступа; заказы и счета отклоняются, уже оплаченное зачисляется.",
		"<b>Ban</b> %s?\nWhatever they send, they get one polite message saying their access is suspended; orders and invoices are refused, payments already made are still credited.",
	},
	KeyConfirmUnban:   {"<b>Разблокировать</b> %s?", "<b>Unban</b> %s?"},
	KeyConfirmMessage: {"<b>Отправить</b> %s вот это:", "<b>Send</b> %s this:"},
	KeyConfirmRefund: {
		"<b>Вернуть заказ #%d</b>: %s на баланс %s.\nБаланс сейчас %s → станет %s. Пользователь получит уведомление.",
		"<b>Refund order #%d</b>: %s back to %s.\nTheir balance is %s now → %s after. They will be told.",
	},
	KeyConfirmModelOff: {
		"<b>Выключить</b> %s (<code>%s</code>)?\nОна пропадёт из меню, её подтверждения будут отклонены; уже принятые заказы доработают.",
		"<b>Switch off</b> %s (<code>%s</code>)?\nIt disappears from the menus and its confirmations are refused; orders already accepted run on.",
	},
	KeyConfirmModelOn:     {"<b>Включить</b> %s (<code>%s</code>)? Она снова появится в меню.", "<b>Switch on</b> %s (<code>%s</code>)? It comes back to the menus."},
	KeyBelowZeroNow:       {"Баланс ушёл бы в минус: сейчас на нём %s.", "The balance would go below zero: it holds %s now."},
	KeyCannotBanAdmin:     {"Администратора заблокировать нельзя (и себя тоже).", "Admins cannot be banned (yourself included)."},
	KeyNotRefundable:      {"Этот заказ вернуть нельзя: возвращают только оплаченный успешный заказ, и один раз.", "This order cannot be refunded: only a paid, successful order can be, and once."},
	KeyShippedOffShort:    {"Реестр поставляет эту модель выключенной: сначала нужно подтвердить её цену.", "The registry ships this model disabled: its price must be confirmed first."},
	KeyApplying:           {"Выполняю…", "Applying…"},
	KeyAdminAlreadyDone:   {"Это уже выполнено.", "This is done already."},
	KeyNotDone:            {"Не выполнено: %s", "Not done: %s"},
	KeyDoneAdjust:         {"✅ Баланс изменён: %s\n%s: %s → %s", "✅ Balance adjusted: %s\n%s: %s → %s"},
	KeyDoneBan:            {"✅ %s заблокирован(а).", "✅ %s is banned."},
	KeyDoneUnban:          {"✅ %s разблокирован(а).", "✅ %s is unbanned."},
	KeyDoneMessage:        {"✅ Сообщение для %s отправлено.", "✅ Message sent to %s."},
	KeyDoneRefund:         {"↩️ Заказ #%d возвращён: %s для %s (баланс %s → %s). Пользователь уведомлён.", "↩️ Order #%d refunded: %s to %s (balance %s → %s). They have been told."},
	KeyDoneModelOff:       {"✅ Модель %s выключена на всех экземплярах.", "✅ Model %s is switched off on every instance."},
	KeyDoneModelOn:        {"✅ Модель %s снова в продаже.", "✅ Model %s is on sale again."},
	KeyRefusedBanned:      {"пользователь уже заблокирован.", "the user is banned already."},
	KeyRefusedNotBanned:   {"пользователь не заблокирован.", "the user is not banned."},
	KeyRefusedRefunded:    {"этот заказ уже возвращён.", "this order has been refunded already."},
	KeyRefusedUnknownUser: {"такого пользователя нет.", "there is no such user."},
	KeyRefusedUnknownJob:  {"такого заказа нет.", "there is no such order."},
	KeyRefusedUnchanged:   {"модель уже в этом состоянии.", "the model is in that state already."},
	KeyRefusedForbidden:   {"это могут только администраторы.", "only admins can do that."},
	KeySupportMessage:     {"✉️ <b>Сообщение от поддержки</b>", "✉️ <b>A message from support</b>"},
	KeyNoticeAdjusted:     {"💰 Поддержка скорректировала ваш баланс: %s. Баланс: <b>%s</b>.", "💰 Support adjusted your balance: %s. Balance: <b>%s</b>."},
	KeyNoticeRefunded:     {"↩️ Заказ %s: %s возвращено на баланс. Баланс: <b>%s</b>.", "↩️ Order %s: %s returned to your balance. Balance: <b>%s</b>."},
	KeySuspended: {
		"Ваш доступ к боту приостановлен. Если вы считаете это ошибкой, напишите в поддержку: %s.",
		"Your access to this bot is suspended. If you think this is a mistake, please contact support: %s.",
	},
	KeyRefuseSuspended: {
		"Ваш доступ к боту приостановлен, оплата не принимается. Напишите в поддержку.",
		"Your access to this bot is suspended, so no payment is taken. Please contact support.",
	},
	KeyNothingCharged: {"Ничего не списано.", "Nothing was charged."},
}
