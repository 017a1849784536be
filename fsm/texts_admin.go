package fsm

// Texts of the operator console's screens (texts_admin_acts.go has its
// changes').

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
	case SectionBroadcasts:
		return KeySectionBroadcasts
	case SectionManual:
		return KeySectionManual
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
	KeyAdminBadUserQuery   Key = "admin.bad_user_query"
	KeyAdminNoUser         Key = "admin.no_user"
	KeyAdminHiddenUser     Key = "admin.hidden_user"
	KeyAdminForwardNotUser Key = "admin.forward_not_user"
	KeyAdminBadOrder       Key = "admin.bad_order"
	KeyAdminNoOrder        Key = "admin.no_order"
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
	KeyTopUpExpired        Key = "admin.topup.expired"
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
	KeyTopUpExpired:      {"счёт истёк", "invoice expired"},
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
	KeyLedgerJobRefund:  {"возврат за заказ", "order refunded"},
}
