package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// DefaultConnections is how many connections to one PostgreSQL server the
// tests of all packages running on this machine hold at once, unless
// KIEBOT_TEST_PG_CONNECTIONS says otherwise. PostgreSQL's default
// max_connections is 100; 40 leaves room for a second test run and for
// whatever else uses the server.
const DefaultConnections = 40

// budgetWait bounds how long a connection waits for a slot. A test that
// holds connections while it asks for one more could, on a machine running
// many packages at once, wait for slots held by others doing the same; past
// this wait it connects over budget rather than hang (the connect retry on
// SQLSTATE 53300 is the next line of defence).
const budgetWait = 30 * time.Second

// connBudget is a counting semaphore of connections shared by every test
// process on the machine: slot i is an exclusive flock on file i in dir.
// The kernel drops a process's locks when it exits, however it exits, so a
// crashed test binary never leaks slots.
type connBudget struct {
	dir   string // "" disables the budget
	slots int
}

// budgetFor is the budget of connections to the server at host:port, sized
// by KIEBOT_TEST_PG_CONNECTIONS (0 turns it off).
func budgetFor(host string, port uint16) (connBudget, error) {
	slots := DefaultConnections
	if v := os.Getenv("KIEBOT_TEST_PG_CONNECTIONS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return connBudget{}, fmt.Errorf("KIEBOT_TEST_PG_CONNECTIONS %q: want a whole number of connections (0: no budget)", v)
		}
		slots = n
	}
	if slots == 0 {
		return connBudget{}, nil
	}
	sum := sha256.Sum256([]byte(host + ":" + strconv.Itoa(int(port))))
	return connBudget{dir: filepath.Join(os.TempDir(), "kiebot-storetest-"+hex.EncodeToString(sum[:6])), slots: slots}, nil
}

// acquire takes a slot, waiting (with backoff) while all are taken, and
// returns its release. Past budgetWait it returns a release that does
// nothing: over budget beats a deadlock.
func (b connBudget) acquire(ctx context.Context) (release func(), err error) {
	if b.dir == "" {
		return func() {}, nil
	}
	deadline := time.Now().Add(budgetWait)
	pause := 5 * time.Millisecond
	for {
		release, ok, err := b.tryAcquire()
		if err != nil || ok {
			return release, err
		}
		if time.Now().After(deadline) {
			return func() {}, nil
		}
		t := time.NewTimer(pause/2 + rand.N(pause)) // jitter, so waiters do not retry in step
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("wait for one of %d test connection slots: %w", b.slots, context.Cause(ctx))
		case <-t.C:
		}
		pause = min(2*pause, 200*time.Millisecond)
	}
}

// tryAcquire takes a free slot if there is one, starting at a random one
// so that processes do not all contend for slot 0.
func (b connBudget) tryAcquire() (release func(), ok bool, err error) {
	if err := os.MkdirAll(b.dir, 0o777); err != nil {
		return nil, false, fmt.Errorf("test connection budget: %w", err)
	}
	_ = os.Chmod(b.dir, 0o777) // other users' test runs share the server, and so the budget
	first := rand.N(b.slots)
	for i := range b.slots {
		name := filepath.Join(b.dir, "slot-"+strconv.Itoa((first+i)%b.slots))
		f, err := os.OpenFile(name, os.O_RDONLY|os.O_CREATE, 0o666)
		if err != nil {
			return nil, false, fmt.Errorf("test connection budget: %w", err)
		}
		locked, err := tryLockFile(f)
		if err != nil {
			f.Close()
			return nil, false, fmt.Errorf("test connection budget: lock %s: %w", name, err)
		}
		if locked {
			var once sync.Once
			return func() { once.Do(func() { f.Close() }) }, true, nil // closing drops the lock
		}
		f.Close()
	}
	return nil, false, nil
}

// dialer wraps dial so that every connection holds a slot from its dial
// to its Close.
func (b connBudget) dialer(dial pgconn.DialFunc) pgconn.DialFunc {
	if b.dir == "" {
		return dial
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		release, err := b.acquire(ctx)
		if err != nil {
			return nil, err
		}
		c, err := dial(ctx, network, addr)
		if err != nil {
			release()
			return nil, err
		}
		return &budgetedConn{Conn: c, release: release}, nil
	}
}

type budgetedConn struct {
	net.Conn
	release func()
}

func (c *budgetedConn) Close() error {
	err := c.Conn.Close()
	c.release()
	return err
}
