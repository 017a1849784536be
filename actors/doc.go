// Package actors holds kiebot's long-lived goroutines: leader, heartbeat,
// poller, webhook receiver, dispatcher with per-user conversation actors,
// jobs, the shutdown listener and the HTTP server. Each actor is built with
// its dependencies passed in and runs as an execute/interrupt pair inside one
// oklog/run group owned by cmd/kiebot.
package actors
