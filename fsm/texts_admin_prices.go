package fsm

// Texts of price confirmations in the console.

const (
	KeyPriceUsage        Key = "admin.price.usage"
	KeyConfirmPrice      Key = "admin.confirm.price"
	KeyConfirmNarrow     Key = "admin.confirm.narrow"
	KeyDonePrice         Key = "admin.done.price"
	KeyDoneNarrow        Key = "admin.done.narrow"
	KeyActPrice          Key = "admin.act.price"
	KeyModelPrices       Key = "admin.models.prices"
	KeyModelPriceable    Key = "admin.models.priceable"
	KeyAuditPrice        Key = "admin.audit.price"
	KeyAuditNarrow       Key = "admin.audit.narrow"
	KeyAlertCostOverrun  Key = "alert.cost_overrun"
	KeyAlertCostOff      Key = "alert.cost_off"
	KeyStatsQuotedBilled Key = "admin.stats.quoted_billed"
	KeyAlertKieGap       Key = "alert.kie_gap"
	KeySyncTitle         Key = "sync.title"
	KeySyncNew           Key = "sync.new"
	KeySyncRemoved       Key = "sync.removed"
	KeySyncSchema        Key = "sync.schema"
	KeySyncPrices        Key = "sync.prices"
	KeySyncNothing       Key = "sync.nothing"
)

var adminPriceTexts = map[Key][2]string{ // [RU, EN]
	KeySyncTitle:   {"🔄 Сверка каталога Kie #%d: у Kie %d моделей.", "🔄 Kie catalogue sync #%d: Kie lists %d models."},
	KeySyncNew:     {"🆕 Новые (%d; не продаются, пока их не добавят):", "🆕 New (%d; not on sale until someone adds them):"},
	KeySyncRemoved: {"🗑 Пропали у Kie (%d; сняты с продажи):", "🗑 Gone from Kie (%d; taken off sale):"},
	KeySyncSchema:  {"🧩 Изменились входы (%d; сняты с продажи до проверки):", "🧩 Inputs changed (%d; off sale until reviewed):"},
	KeySyncPrices:  {"💬 Изменилось описание цены у Kie (%d; цены у нас не менялись):", "💬 Kie's prose price changed (%d; our prices are unchanged):"},
	KeySyncNothing: {"Ничего не изменилось.", "Nothing changed."},
	KeyAlertKieGap: {
		"🔎 Баланс Kie с прошлой проверки уменьшился на %s кредитов, а завершённые за это время заказы объясняют только %s: %s кредитов не учтены (другое использование ключа? списание за неудачные задачи?).",
		"🔎 Kie's balance fell by %s credits since the last reading, but the orders finished meanwhile account for only %s: %s credits unaccounted for (another use of the API key? failed tasks billed?)."},
	KeyStatsQuotedBilled: {"Kie: по цене %s · списано %s кредитов", "Kie: quoted %s · billed %s credits"},
	KeyAlertCostOverrun: {
		"💸 Kie списал за заказ #%d (<code>%s</code>) больше, чем мы насчитали: %s кредитов по цене, %s списано, разница %s (+%d%%).",
		"💸 Kie billed order #%d (<code>%s</code>) more than we quoted: %s credits quoted, %s billed, %s more (+%d%%)."},
	KeyAlertCostOff: {
		"⛔ Модель <code>%s</code> снята с продажи: Kie списал больше цены в %d заказе(ах) более чем на %d%%. Проверьте цену и включите её снова в /models.",
		"⛔ Model <code>%s</code> is off sale: Kie billed %d order(s) more than %d%% over the quote. Review its price, then switch it back on in /models."},
	KeyPriceUsage: {
		"Цена подтверждается одной строкой:\n<code>/confirmprice &lt;модель&gt; [вход=значение …] &lt;кредиты&gt; &lt;единица&gt;[:вход] [ГГГГ-ММ-ДД] &lt;источник&gt;</code>\nЕдиницы: task, input-second, output-second, 1000-characters. Источник обязателен: ссылка на страницу цен Kie или заметка.\nСнять опцию с продажи: <code>/confirmprice &lt;модель&gt; [вход=значение] off &lt;почему&gt;</code>",
		"A price is confirmed in one line:\n<code>/confirmprice &lt;model&gt; [input=value …] &lt;credits&gt; &lt;unit&gt;[:input] [YYYY-MM-DD] &lt;source&gt;</code>\nUnits: task, input-second, output-second, 1000-characters. The source is required: the URL of Kie's pricing page, or a note.\nTo take an option off sale: <code>/confirmprice &lt;model&gt; [input=value] off &lt;why&gt;</code>"},
	KeyConfirmPrice: {
		"Подтвердить цену модели %s (%s)?\n\n%s кредитов %s%s\nИсточник: %s\nДата: %s\n\nМодель сразу поступит в продажу на всех экземплярах.",
		"Confirm the price of %s (%s)?\n\n%s credits %s%s\nSource: %s\nDate: %s\n\nThe model goes on sale at once on every instance."},
	KeyConfirmNarrow: {
		"Снять с продажи %s (%s)?\nПричина: %s",
		"Take %s (%s) off sale?\nWhy: %s"},
	KeyDonePrice:      {"✅ Цена %s подтверждена: модель в продаже на всех экземплярах.", "✅ The price of %s is confirmed: the model is on sale on every instance."},
	KeyDoneNarrow:     {"✅ %s снята с продажи на всех экземплярах.", "✅ %s is off sale on every instance."},
	KeyActPrice:       {"подтверждение цены", "price confirmation"},
	KeyModelPrices:    {"цены: %d из таблицы Kie, %d подтверждены оператором", "prices: %d from Kie's table, %d confirmed by an operator"},
	KeyModelPriceable: {"цену можно подтвердить: /confirmprice", "its price can be confirmed: /confirmprice"},
	KeyAuditPrice:     {"✍️ цена <code>%s</code> подтверждена", "✍️ price of <code>%s</code> confirmed"},
	KeyAuditNarrow:    {"⛔ <code>%s</code> снята с продажи", "⛔ <code>%s</code> taken off sale"},
}
