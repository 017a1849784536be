// Package fsm holds kiebot's pure conversation and job state machines
// (github.com/looplab/fsm) and the platform-neutral screens they render.
// It performs no I/O.
package fsm
