package actors

import "sync"

// Role is what this instance currently is for its bot.
type Role string

const (
	RoleStarting Role = "starting" // not yet competing for leadership
	RoleStandby  Role = "standby"  // competing; another instance (or nobody) leads
	RoleLeader   Role = "leader"   // holds the lock and the lease; polls and dispatches
	RoleStopping Role = "stopping" // shutting down
)

// Status is the instance's role as /readyz reports it.
type Status struct {
	Role  Role  `json:"role"`
	Epoch int64 `json:"epoch"` // the leadership term last held or seen; 0 before any
}

// StatusBoard is the single place the leader actor publishes the role and
// the HTTP server reads it. The zero value reports RoleStarting.
type StatusBoard struct {
	// OnSet, if set before use, is called with every new status, in order,
	// while the board is locked (tests observe role changes with it; it
	// must not call back into the board).
	OnSet func(Status)

	mu sync.Mutex
	s  Status
}

// Set publishes s.
func (b *StatusBoard) Set(s Status) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.s = s
	if b.OnSet != nil {
		b.OnSet(s)
	}
}

// Get returns the current status.
func (b *StatusBoard) Get() Status {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.s.Role == "" {
		return Status{Role: RoleStarting, Epoch: b.s.Epoch}
	}
	return b.s
}
