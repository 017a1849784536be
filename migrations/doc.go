// Package migrations embeds kiebot's numbered SQL migrations and checks them
// at load: files are named NNNN_name.sql, numbered from 1 without gaps or
// duplicates, and each carries a SHA-256 checksum so that a file changed
// after it was applied is caught at start-up. store.Migrate applies them.
//
// Rules for writing one: never edit a migration that has been released (add
// a new one); every table carries bot_id so bots can share a database; a
// migration runs in one transaction with its version row.
package migrations
