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
	mu sync.Mutex
	s  Status
}

// Set publishes s.
func (b *StatusBoard) Set(s Status) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.s = s
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
