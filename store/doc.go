// Package store is kiebot's only door to PostgreSQL (pgx/v5). Every table is
// scoped by the bot's numeric id, so several bots can share one database.
package store
