// Package migrations embeds kiebot's numbered SQL migrations.
package migrations
