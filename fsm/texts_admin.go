package fsm

// Texts of the operator console, and of what its changes tell users.

// sectionLabel is the admin menu's label of a section; "" for a section
// this package has no screens for (the menu leaves it out).
func sectionLabel(s AdminSection) Key {
	switch s {
	case SectionStats:
		return KeySectionStats
	case SectionUsers:
		return KeySectionUsers
	case SectionJobs:
		return KeySectionJobs
	case SectionModels:
		return KeySectionModels
	case SectionAudit:
		return KeySectionAudit
	}
	return ""
}

const (
	KeyAdminTitle          Key = "admin.title"
	KeySectionStats        Key = "admin.section.stats"
	KeySectionUsers        Key = "admin.section.users"
	KeySectionJobs         Key = "admin.section.jobs"
	KeySectionModels       Key = "admin.section.models"
	KeySectionAudit        Key = "admin.section.audit"
	KeyBtnAdmin            Key = "admin.btn.admin"
	KeyBtnAdjust           Key = "admin.btn.adjust"
	KeyBtnBan              Key = "admin.btn.ban"
	KeyBtnUnban            Key = "admin.btn.unban"
	KeyBtnMessage          Key = "admin.btn.message"
	KeyBtnAudit            Key = "admin.btn.audit"
	KeyBtnRefund           Key = "admin.btn.refund"
	KeyBtnUser             Key = "admin.btn.user"
	KeyBtnOrder            Key = "admin.btn.order"
	KeyBtnModels           Key = "admin.btn.models"
	KeyBtnModelOff         Key = "admin.btn.model_off"
	KeyBtnModelOn          Key = "admin.btn.model_on"
	KeyBtnNewer            Key = "admin.btn.newer"
	KeyBtnOlder            Key = "admin.btn.older"
	KeyBtnAuditMine        Key = "admin.btn.audit_mine"
	KeyBtnAuditAll         Key = "admin.btn.audit_all"
	KeyBtnApply            Key = "admin.btn.apply"
	KeyPeriodToday         Key = "admin.period.today"
	KeyPeriodWeek          Key = "admin.period.week"
	KeyPeriodMonth         Key = "admin.period.month"
	KeyMethodStars         Key = "admin.method.stars"
	KeyStatsTitle          Key = "admin.stats.title"
	KeyStatsUsers          Key = "admin.stats.users"
	KeyStatsTopUpsNone     Key = "admin.stats.topups_none"
	KeyStatsTopUp          Key = "admin.stats.topup"
	KeyStatsRevenue        Key = "admin.stats.revenue"
	KeyStatsKie            Key = "admin.stats.kie"
	KeyStatsKieNoRate      Key = "admin.stats.kie_no_rate"
	KeyStatsMargin         Key = "admin.stats.margin"
	KeyStatsRefunds        Key = "admin.stats.refunds"
	KeyStatsAdjustments    Key = "admin.stats.adjustments"
	KeyStatsJobs           Key = "admin.stats.jobs"
	KeyStatsModels         Key = "admin.stats.models"
	KeyStatsModelLine      Key = "admin.stats.model_line"
	KeyStatsKieBalance     Key = "admin.stats.kie_balance"
	KeyStatsDaysLeft       Key = "admin.stats.days_left"
	KeyStatsNoSpend        Key = "admin.stats.no_spend"
	KeyStatsKieUnknown     Key = "admin.stats.kie_unknown"
	KeyJobSubmitting       Key = "admin.job.submitting"
	KeyJobUnknown          Key = "admin.job.unknown"
	KeyAskUser             Key = "admin.ask.user"
	KeyAskOrder            Key = "admin.ask.order"
	KeyAskAmount           Key = "admin.ask.amount"
	KeyAskReason           Key = "admin.ask.reason"
	KeyAskMessage          Key = "admin.ask.message"
	KeyAdminBadUserQuery   Key = "admin.bad_user_query"
	KeyAdminNoUser         Key = "admin.no_user"
	KeyAdminHiddenUser     Key = "admin.hidden_user"
	KeyAdminForwardNotUser Key = "admin.forward_not_user"
	KeyAdminBadOrder       Key = "admin.bad_order"
	KeyAdminNoOrder        Key = "admin.no_order"
	KeyAmountBad           Key = "admin.amount.bad"
	KeyAmountZero          Key = "admin.amount.zero"
	KeyAmountBig           Key = "admin.amount.big"
	KeyReasonEmpty         Key = "admin.reason.empty"
	KeyReasonLong          Key = "admin.reason.long"
	KeyMessageEmpty        Key = "admin.message.empty"
	KeyMessageLong         Key = "admin.message.long"
	KeyCardLine            Key = "admin.card.line"
	KeyCardAdmin           Key = "admin.card.admin"
	KeyCardBanned          Key = "admin.card.banned"
	KeyCardEntries         Key = "admin.card.entries"
	KeyCardJobs            Key = "admin.card.jobs"
	KeyCardTopUps          Key = "admin.card.topups"
	KeyCardTopUp           Key = "admin.card.topup"
	KeyTopUpPending        Key = "admin.topup.pending"
	KeyTopUpPaid           Key = "admin.topup.paid"
	KeyTopUpRefunded       Key = "admin.topup.refunded"
	KeyOrderTitle          Key = "admin.order.title"
	KeyOrderUser           Key = "admin.order.user"
	KeyOrderState          Key = "admin.order.state"
	KeyOrderPrice          Key = "admin.order.price"
	KeyOrderKie            Key = "admin.order.kie"
	KeyOrderTimeline       Key = "admin.order.timeline"
	KeyOrderCreated        Key = "admin.order.created"
	KeyOrderSubmitted      Key = "admin.order.submitted"
	KeyOrderRunning        Key = "admin.order.running"
	KeyOrderFinished       Key = "admin.order.finished"
	KeyOrderDelivered      Key = "admin.order.delivered"
	KeyOrderNotDelivered   Key = "admin.order.not_delivered"
	KeyOrderInputs         Key = "admin.order.inputs"
	KeyOrderResults        Key = "admin.order.results"
	KeyOrderFailure        Key = "admin.order.failure"
	KeyOrderRefunded       Key = "admin.order.refunded"
	KeyModelsTitle         Key = "admin.models.title"
	KeyModelShippedOff     Key = "admin.models.shipped_off"
	KeyModelSwitchedOff    Key = "admin.models.switched_off"
	KeyAuditTitle          Key = "admin.audit.title"
	KeyAuditMine           Key = "admin.audit.mine"
	KeyAuditByAdmin        Key = "admin.audit.by_admin"
	KeyAuditAbout          Key = "admin.audit.about"
	KeyAuditMineAbout      Key = "admin.audit.mine_about"
	KeyAuditEmpty          Key = "admin.audit.empty"
	KeyAuditHead           Key = "admin.audit.head"
	KeyAuditReason         Key = "admin.audit.reason"
	KeyAuditAdjust         Key = "admin.audit.adjust"
	KeyAuditRefundJob      Key = "admin.audit.refund_job"
	KeyAuditRefundTopUp    Key = "admin.audit.refund_topup"
	KeyAuditBan            Key = "admin.audit.ban"
	KeyAuditUnban          Key = "admin.audit.unban"
	KeyAuditMessage        Key = "admin.audit.message"
	KeyAuditModelOff       Key = "admin.audit.model_off"
	KeyAuditModelOn        Key = "admin.audit.model_on"
	KeyActAdjust           Key = "admin.act.adjust"
	KeyActBan              Key = "admin.act.ban"
	KeyActUnban            Key = "admin.act.unban"
	KeyActMessage          Key = "admin.act.message"
	KeyActRefund           Key = "admin.act.refund"
	KeyActModelOff         Key = "admin.act.model_off"
	KeyActModelOn          Key = "admin.act.model_on"
	KeyConfirmAdjust       Key = "admin.confirm.adjust"
	KeyConfirmBan          Key = "admin.confirm.ban"
	KeyConfirmUnban        Key = "admin.confirm.unban"
	KeyConfirmMessage      Key = "admin.confirm.message"
	KeyConfirmRefund       Key = "admin.confirm.refund"
	KeyConfirmModelOff     Key = "admin.confirm.model_off"
	KeyConfirmModelOn      Key = "admin.confirm.model_on"
	KeyBelowZeroNow        Key = "admin.below_zero"
	KeyCannotBanAdmin      Key = "admin.cannot_ban_admin"
	KeyNotRefundable       Key = "admin.not_refundable"
	KeyShippedOffShort     Key = "admin.shipped_off"
	KeyApplying            Key = "admin.applying"
	KeyAdminAlreadyDone    Key = "admin.already_done"
	KeyNotDone             Key = "admin.not_done"
	KeyDoneAdjust          Key = "admin.done.adjust"
	KeyDoneBan             Key = "admin.done.ban"
	KeyDoneUnban           Key = "admin.done.unban"
	KeyDoneMessage         Key = "admin.done.message"
	KeyDoneRefund          Key = "admin.done.refund"
	KeyDoneModelOff        Key = "admin.done.model_off"
	KeyDoneModelOn         Key = "admin.done.model_on"
	KeyRefusedBanned       Key = "admin.refused.banned"
	KeyRefusedNotBanned    Key = "admin.refused.not_banned"
	KeyRefusedRefunded     Key = "admin.refused.refunded"
	KeyRefusedUnknownUser  Key = "admin.refused.unknown_user"
	KeyRefusedUnknownJob   Key = "admin.refused.unknown_job"
	KeyRefusedUnchanged    Key = "admin.refused.unchanged"
	KeyRefusedForbidden    Key = "admin.refused.forbidden"
	KeySupportMessage      Key = "notice.support_message"
	KeyNoticeAdjusted      Key = "notice.adjusted"
	KeyNoticeRefunded      Key = "notice.refunded"
	KeySuspended           Key = "notice.suspended"
	KeyRefuseSuspended     Key = "refuse.suspended"
	KeyNothingCharged      Key = "notice.nothing_charged"
	KeyLedgerJobRefund     Key = "ledger.job_refund"
)

var adminTexts = map[Key][2]string{ // [RU, EN]
	KeyAdminTitle:    {"🛠 <b>Панель оператора</b>\nВыберите раздел:", "🛠 <b>Operator console</b>\nChoose a section:"},
	KeySectionStats:  {"📊 Статистика", "📊 Statistics"},
	KeySectionUsers:  {"👤 Пользователи", "👤 Users"},
	KeySectionJobs:   {"🧾 Заказы", "🧾 Orders"},
	KeySectionModels: {"🧩 Модели", "🧩 Models"},
	KeySectionAudit:  {"📜 Журнал действий", "📜 Audit log"},
	KeyBtnAdmin:      {"🛠 Панель", "🛠 Console"},
	KeyBtnAdjust:     {"± Баланс", "± Balance"},
	KeyBtnBan:        {"🚫 Заблокировать", "🚫 Ban"},
	KeyBtnUnban:      {"✅ Разблокировать", "✅ Unban"},
	KeyBtnMessage:    {"✉️ Написать", "✉️ Message"},
	KeyBtnAudit:      {"📜 Журнал", "📜 Audit"},
	KeyBtnRefund:     {"↩️ Вернуть %s", "↩️ Refund %s"},
	KeyBtnUser:       {"👤 Пользователь", "👤 User"},
	KeyBtnOrder:      {"🧾 Заказ", "🧾 Order"},
	KeyBtnModels:     {"🧩 Модели", "🧩 Models"},
	KeyBtnModelOff:   {"⛔ Выключить: %s", "⛔ Switch off: %s"},
	KeyBtnModelOn:    {"✅ Включить: %s", "✅ Switch on: %s"},
	KeyBtnNewer:      {"◀️ Новее", "◀️ Newer"},
	KeyBtnOlder:      {"Старше ▶️", "Older ▶️"},
	KeyBtnAuditMine:  {"👤 Только мои", "👤 Mine only"},
	KeyBtnAuditAll:   {"👥 Все администраторы", "👥 All admins"},
	KeyBtnApply:      {"✅ Подтвердить", "✅ Confirm"},
	KeyPeriodToday:   {"Сегодня", "Today"},
	KeyPeriodWeek:    {"7 дней", "7 days"},
	KeyPeriodMonth:   {"30 дней", "30 days"},
	KeyMethodStars:   {"⭐ Звёзды", "⭐ Stars"},
	KeyStatsTitle:    {"📊 <b>Статистика · %s</b>\nс %s по московскому времени", "📊 <b>Statistics · %s</b>\nsince %s Moscow time"},
	KeyStatsUsers: {
		"👥 Пользователи: новых %d · активных %d · заплативших %d",
		"👥 Users: %d new · %d active · %d paying",
	},
	KeyStatsTopUpsNone: {"💳 Пополнений нет", "💳 No top-ups"},
	KeyStatsTopUp:      {"💳 Пополнения, %s: %d на %s", "💳 Top-ups, %s: %d for %s"},
	KeyStatsRevenue:    {"💰 Выручка (списано за заказы): %s · заказов %d", "💰 Revenue (orders paid): %s · %d orders"},
	KeyStatsKie: {
		"🤖 Kie: %s кредитов = %s (платные %s · бесплатные %s · неудачные %s)",
		"🤖 Kie: %s credits = %s (paid %s · free %s · failed %s)",
	},
	KeyStatsKieNoRate: {
		"🤖 Kie: %s кредитов (курс USD_RUB_RATE не задан — в рублях не посчитать)",
		"🤖 Kie: %s credits (USD_RUB_RATE is not set, so no rouble cost)",
	},
	KeyStatsMargin: {
		"📈 Маржа: %s (выручка − возвраты заказов − расходы Kie)",
		"📈 Margin: %s (revenue − order refunds − Kie costs)",
	},
	KeyStatsRefunds: {
		"↩️ Возвраты: звёзд %d на %s · заказов %d на %s",
		"↩️ Refunds: Stars %d for %s · orders %d for %s",
	},
	KeyStatsAdjustments: {"✏️ Корректировки: %d, итого %s", "✏️ Adjustments: %d, %s net"},
	KeyStatsJobs:        {"🧾 Заказы: %s", "🧾 Orders: %s"},
	KeyStatsModels:      {"🏷 <b>Модели</b> (завершено, успешно):", "🏷 <b>Models</b> (finished, success rate):"},
	KeyStatsModelLine:   {"%d, %d%%", "%d, %d%%"},
	KeyStatsKieBalance:  {"🔋 Баланс Kie: %s кредитов (на %s).", "🔋 Kie balance: %s credits (at %s)."},
	KeyStatsDaysLeft: {
		"При расходе последних 7 дней хватит примерно на %d дн.",
		"At the last 7 days' pace it lasts about %d days.",
	},
	KeyStatsNoSpend:    {"За 7 дней расходов не было.", "Nothing was spent in the last 7 days."},
	KeyStatsKieUnknown: {"🔋 Баланс Kie сейчас недоступен.", "🔋 Kie's balance is not available right now."},
	KeyJobSubmitting:   {"отправляется в Kie", "being submitted"},
	KeyJobUnknown:      {"исход отправки неизвестен", "submission outcome unknown"},
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
	KeyAdminBadUserQuery: {
		"Это не похоже на id или @username. Id — только цифры, username — латиница, цифры и «_», от 4 символов.",
		"That is neither an id nor a @username. An id is digits only; a username is letters, digits and “_”, at least 4 long.",
	},
	KeyAdminNoUser: {"Пользователь %s боту не писал.", "User %s has never written to this bot."},
	KeyAdminHiddenUser: {
		"Отправитель (%s) скрыл свой аккаунт в пересылаемых сообщениях, поэтому Telegram не сообщает его id. Попросите у него @username или id — или найдите заказ по номеру.",
		"The sender (%s) hides their account in forwarded messages, so Telegram does not tell us who they are. Ask them for their @username or id, or look up one of their orders by number.",
	},
	KeyAdminForwardNotUser: {
		"Это сообщение переслано не от пользователя (из чата или канала). Перешлите сообщение самого пользователя.",
		"That message was forwarded from a chat or a channel, not from a user. Forward one of the user's own messages.",
	},
	KeyAdminBadOrder: {"Номер заказа — это цифры, например 1234.", "An order number is digits, for example 1234."},
	KeyAdminNoOrder:  {"Заказа #%d нет.", "There is no order #%d."},
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
	KeyCardLine: {
		"Язык: %s · с нами с %s · был(а) %s (МСК)",
		"Language: %s · joined %s · last seen %s (Moscow time)",
	},
	KeyCardAdmin:         {"🛡 Администратор", "🛡 Admin"},
	KeyCardBanned:        {"🚫 Заблокирован(а) %s администратором %d: «%s»", "🚫 Banned %s by admin %d: “%s”"},
	KeyCardEntries:       {"<b>Последние операции:</b>", "<b>Recent operations:</b>"},
	KeyCardJobs:          {"<b>Последние заказы:</b>", "<b>Recent orders:</b>"},
	KeyCardTopUps:        {"<b>Пополнения:</b>", "<b>Top-ups:</b>"},
	KeyCardTopUp:         {"%s %d → %s", "%s %d → %s"},
	KeyTopUpPending:      {"счёт не оплачен", "invoice unpaid"},
	KeyTopUpPaid:         {"оплачено", "paid"},
	KeyTopUpRefunded:     {"возвращено", "refunded"},
	KeyOrderTitle:        {"🧾 <b>Заказ #%d</b> · %s (<code>%s</code>)", "🧾 <b>Order #%d</b> · %s (<code>%s</code>)"},
	KeyOrderUser:         {"Пользователь: %s", "User: %s"},
	KeyOrderState:        {"Состояние: %s", "State: %s"},
	KeyOrderPrice:        {"Цена: %s (по прайсу Kie %s кредитов)", "Price: %s (Kie's price list: %s credits)"},
	KeyOrderKie:          {"Kie списал: %s кредитов · задача Kie: <code>%s</code>", "Kie charged: %s credits · Kie task: <code>%s</code>"},
	KeyOrderTimeline:     {"<b>Хронология</b> (МСК):", "<b>Timeline</b> (Moscow time):"},
	KeyOrderCreated:      {"создан", "created"},
	KeyOrderSubmitted:    {"отправлен в Kie", "submitted to Kie"},
	KeyOrderRunning:      {"принят Kie", "accepted by Kie"},
	KeyOrderFinished:     {"завершён", "finished"},
	KeyOrderDelivered:    {"доставлен", "delivered"},
	KeyOrderNotDelivered: {"не доставлен", "not delivered"},
	KeyOrderInputs:       {"<b>Входные данные:</b>", "<b>Inputs:</b>"},
	KeyOrderResults:      {"<b>Результаты:</b> %s", "<b>Results:</b> %s"},
	KeyOrderFailure:      {"<b>Ошибка:</b> %s · %s", "<b>Failure:</b> %s · %s"},
	KeyOrderRefunded:     {"↩️ Возвращён %s администратором %d", "↩️ Refunded %s by admin %d"},
	KeyModelsTitle: {
		"🧩 <b>Модели</b>: в продаже %d, не продаются %d.\nВыключенная модель сразу пропадает из меню на всех экземплярах бота, а её подтверждения отклоняются. Модель, которую реестр поставляет выключенной, здесь не включить: сначала нужно подтвердить её цену.",
		"🧩 <b>Models</b>: %d on sale, %d not.\nA model switched off disappears from the menus on every instance at once, and its confirmations are refused. A model the registry ships disabled cannot be switched on here: its price must be confirmed first.",
	},
	KeyModelShippedOff:  {"не продаётся по реестру: %s", "not for sale in the registry: %s"},
	KeyModelSwitchedOff: {"выключена %s администратором %d: «%s»", "switched off %s by admin %d: “%s”"},
	KeyAuditTitle:       {"📜 <b>Журнал действий</b> (МСК)", "📜 <b>Audit log</b> (Moscow time)"},
	KeyAuditMine:        {"Только ваши действия.", "Your actions only."},
	KeyAuditByAdmin:     {"Действия администратора <code>%d</code>.", "Actions of admin <code>%d</code>."},
	KeyAuditAbout:       {"Действия с пользователем <code>%d</code>.", "Actions about user <code>%d</code>."},
	KeyAuditMineAbout:   {"Ваши действия с пользователем <code>%d</code>.", "Your actions about user <code>%d</code>."},
	KeyAuditEmpty:       {"Пока пусто.", "Nothing yet."},
	KeyAuditHead:        {"<b>#%d</b> · %s · администратор %d", "<b>#%d</b> · %s · admin %d"},
	KeyAuditReason:      {"Причина: «%s»", "Reason: “%s”"},
	KeyAuditAdjust:      {"± баланс пользователя %s: %s → %s", "± balance of user %s: %s → %s"},
	KeyAuditRefundJob:   {"↩️ возврат заказа #%s пользователю %s: %s → %s", "↩️ order #%s refunded to user %s: %s → %s"},
	KeyAuditRefundTopUp: {"↩️ возврат звёзд (платёж %s) пользователю %s: %s → %s", "↩️ Stars refunded (charge %s) to user %s: %s → %s"},
	KeyAuditBan:         {"🚫 пользователь %s заблокирован", "🚫 user %s banned"},
	KeyAuditUnban:       {"✅ пользователь %s разблокирован", "✅ user %s unbanned"},
	KeyAuditMessage:     {"✉️ сообщение пользователю %s: «%s»", "✉️ message to user %s: “%s”"},
	KeyAuditModelOff:    {"⛔ модель <code>%s</code> выключена", "⛔ model <code>%s</code> switched off"},
	KeyAuditModelOn:     {"✅ модель <code>%s</code> включена", "✅ model <code>%s</code> switched on"},
	KeyActAdjust:        {"изменение баланса", "balance adjustment"},
	KeyActBan:           {"блокировка", "ban"},
	KeyActUnban:         {"разблокировка", "unban"},
	KeyActMessage:       {"сообщение", "message"},
	KeyActRefund:        {"возврат заказа", "order refund"},
	KeyActModelOff:      {"выключение модели", "switching the model off"},
	KeyActModelOn:       {"включение модели", "switching the model on"},
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
	KeyNothingCharged:  {"Ничего не списано.", "Nothing was charged."},
	KeyLedgerJobRefund: {"возврат за заказ", "order refunded"},
}
