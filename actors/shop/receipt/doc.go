// Package receipt pre-checks a bank-transfer receipt before an admin
// decides on a manual top-up. It imports nothing of kiebot's: the shop
// calls it and owns the conversation, the database and the money.
//
// # The flow
//
// A user who tops up by card or SBP transfer picks an amount; the shop
// gives them the operator's payment details and a reference from
// NewReference (e.g. "KB-7F3K23") to type into the transfer comment, and
// remembers when it did (Expected.IssuedAt). The user sends the receipt,
// a photo, a screenshot or a PDF. The shop downloads it and calls
// Checker.Check with what it expects; the report goes to the admins with
// the receipt, as Report.HTML lines such as
//
//	🔎 Чек: проверьте внимательно
//	⚠️ Сумма: 1 000,00 ₽ («1 000,00 Р») — ожидалось 1 500,00 ₽
//	Дата: 04.12.2026 13:45:10
//	Ссылка KB-7F3K23 найдена
//
// The admins approve or reject with their buttons. Nothing here credits
// money or decides anything: a report that says everything matches is
// only a hint, since a doctored picture fools OCR as easily as the eye.
//
// The report also carries a Fingerprint (SHA-256 of the file, a 64-bit
// dHash of the picture, the amount and date read), which the store keeps
// per receipt; Compare tells whether an earlier receipt is the same file,
// the same picture re-encoded or resized, or only a similar one (the same
// bank's template, or an edited copy). Looking the earlier ones up, and by
// Telegram's file_unique_id, is the store's job.
//
// # What is read
//
// Parse reads the OCR text: the amount, preferring figures with a
// currency sign or next to Сумма/Итого/Amount/Total over card, phone and
// account numbers and over fees and balances; the date and time in dotted,
// ISO or word form ("4 декабря 2026 13:45"); and references, tolerating
// case, Cyrillic look-alikes and stray spaces. A bank app prints the
// payer's local time without its zone, so the date flags (before the
// details were given, older than Expected.MaxAge, in the future) are
// raised only when they hold for every Russian zone, UTC+2 to UTC+12, with
// five minutes of clock skew.
//
// # Limits
//
//   - File size: Config.MaxInputBytes, default 10 MiB; the reader is not
//     read past it. Pictures: at most 40 Mpx, checked from the header
//     before decoding; at least 16 px a side.
//   - Formats: PNG, JPEG and WebP, told by their first bytes and decoded
//     in Go; PDF, whose first page pdftoppm (poppler-utils) renders to at
//     most 2000 px on the long side. Without pdftoppm a PDF is reported
//     as unreadable, not lost.
//   - Tesseract (tesseract-ocr with -rus and -eng data; rus+eng, --psm 4)
//     gets only a grayscale PNG the package encodes itself: dark themes
//     inverted, pictures under 1000 px wide doubled, over 4000 px shrunk.
//     Its C decoders never see the user's file.
//   - Every subprocess runs under Config.Timeout (default 20 s; a receipt
//     screen takes about a second, see docs/BENCHMARKS.md) and is killed
//     when its output passes a bound (Config.MaxTextBytes, default 256
//     KiB, for tesseract; 32 MiB for the rendered PDF page), with OpenMP
//     held to one thread.
//   - At most Config.Concurrency receipts (default 2) are decoded and
//     read at once; the others wait for a slot as long as their ctx
//     allows. Reading a file and hashing its bytes happen before the slot.
//   - Parse looks at 64 Ki characters, 1000 lines, 300 characters a line.
//
// Detect (run by New) reports whether tesseract and its languages and
// pdftoppm are installed; Capabilities.StartupNotice is the line to log
// or tell the admins at start when receipts will go to them unchecked.
// Without tesseract, Check still fingerprints the receipt: the SHA-256
// always, the dHash of a picture (not of a PDF, which is not rendered).
package receipt
