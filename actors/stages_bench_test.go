package actors_test

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors"
)

// stageLog records, per update id, when it was queued at the fake Bot API
// (slot 0) and when it passed each engine stage (slot stage+1).
type stageLog struct {
	mu sync.Mutex
	at map[int64]*[int(actors.StageSent) + 2]time.Time
}

func newStageLog() *stageLog {
	return &stageLog{at: map[int64]*[int(actors.StageSent) + 2]time.Time{}}
}

func (l *stageLog) slot(id int64, i int, t time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.at[id]
	if s == nil {
		s = new([int(actors.StageSent) + 2]time.Time)
		l.at[id] = s
	}
	if s[i].IsZero() {
		s[i] = t
	}
}

// Queued records the fake's EventUpdate time of id.
func (l *stageLog) Queued(id int64, t time.Time) { l.slot(id, 0, t) }

// Trace is the engine's TraceFunc.
func (l *stageLog) Trace(st actors.Stage, id int64, t time.Time) { l.slot(id, int(st)+1, t) }

// stageNames are the gaps between consecutive slots.
var stageNames = []string{"pickup", "inbox", "queue", "step", "send"}

// report adds, for the slowest 1 % of complete updates (queued → sent),
// the mean time spent in each gap: pickup (queued at the fake → returned
// by getUpdates), inbox (→ the inbox commit), queue (→ its actor began),
// step (→ the step committed: handler and commit), send (→ the reply made).
// It returns a one-line summary for the log.
func (l *stageLog) report(b *testing.B) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	type row struct {
		total time.Duration
		gaps  [5]time.Duration
	}
	var rows []row
	for _, s := range l.at {
		ok := true
		for _, t := range s {
			ok = ok && !t.IsZero()
		}
		if !ok {
			continue
		}
		var r row
		r.total = s[len(s)-1].Sub(s[0])
		for i := range r.gaps {
			r.gaps[i] = s[i+1].Sub(s[i])
		}
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		return "no complete traces"
	}
	if path := os.Getenv("KIEBOT_BENCH_TRACE"); path != "" {
		l.dump(b, path)
	}
	slices.SortFunc(rows, func(a, b row) int { return int(b.total - a.total) })
	slow := rows[:max(1, len(rows)/100)]
	var sum [5]time.Duration
	for _, r := range slow {
		for i, g := range r.gaps {
			sum[i] += g
		}
	}
	var parts []string
	for i, name := range stageNames {
		ms := float64(sum[i].Microseconds()) / 1000 / float64(len(slow))
		b.ReportMetric(ms, "slow1%-"+name+"-ms")
		parts = append(parts, fmt.Sprintf("%s %.1f ms", name, ms))
	}
	return fmt.Sprintf("slowest %d of %d updates (≥ %v), mean per stage: %s", len(slow), len(rows), slow[len(slow)-1].total, strings.Join(parts, ", "))
}

// dump writes every update's stage times (Unix microseconds, queued first)
// to path, one update a line, for correlating slow updates with other
// traces (KIEBOT_BENCH_TRACE=path).
func (l *stageLog) dump(b *testing.B, path string) {
	var sb strings.Builder
	for id, s := range l.at {
		fmt.Fprintf(&sb, "%d", id)
		for _, t := range s {
			if t.IsZero() {
				sb.WriteString(" 0")
			} else {
				fmt.Fprintf(&sb, " %d", t.UnixMicro())
			}
		}
		sb.WriteByte('\n')
	}
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		b.Error(err)
	}
}
