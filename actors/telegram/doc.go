// Package telegram is kiebot's Telegram adapter: the Bot API client
// (github.com/go-telegram/bot for sends and its typed models, plus our own
// getUpdates, which the library does not expose safely), the Op — one Bot
// API call, stored in the outbox as JSON until it is made — and the
// classification of Bot API errors into retryable and permanent ones.
//
// It imports nothing of kiebot's: the engine (package actors) sends the ops
// a handler decided through it, and the shop builds those ops from its
// screens. Its fake, telegramtest, sits beside it, as kie/kietest sits
// beside kie.
package telegram
