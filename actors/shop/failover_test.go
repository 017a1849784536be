package shop

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors/actorstest"

	"github.com/kiebot/kiebot/kie/kietest"
	"github.com/kiebot/kiebot/store"
)

// The leader goes away while a job is generating on Kie — stopped, its lock
// connection killed, or its heartbeat frozen — and the next leader reloads
// the job: the result is delivered once and paid once, createTask is never
// repeated, and the language the user chose survives too.
func TestShopFailoverMidGeneration(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"stopped", "lock connection killed", "heartbeat frozen", "stopped during createTask"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			const welcome = 10_00
			duringCreate := how == "stopped during createTask"
			s := newShop(t, shopOptions{welcome: welcome, ttl: actorstest.TTL, callbacks: how == "stopped" || duringCreate})
			ctx := actorstest.Context(t, 90*time.Second)
			s.kie.SetScript("z-image", kietest.Script{Generating: time.Hour})
			live := map[string]*actorstest.Instance{"a": s.startShop("a", shopOptions{})}
			leader := s.waitLeader(ctx, live)
			live["b"] = s.startShop("b", shopOptions{})
			c := s.newClient(ctx, "Ann", "en")

			confirmation := c.mustOrder("z-image")
			if duringCreate { // Kie creates the task, and its answer hangs
				s.kie.Inject(kietest.Fault{Route: kietest.RouteCreateTask, Kind: kietest.FaultDelay, AfterHandling: true})
			}
			since := c.mark()
			c.confirm(confirmation)
			var job shopJob
			if duringCreate {
				job = s.waitJobState(ctx, store.JobSubmitting)
				if _, err := s.kie.WaitTasks(ctx, 1); err != nil {
					t.Fatal(err)
				}
				job.TaskID = s.kie.Tasks()[0].ID
				how = "stopped"
			} else {
				job = s.waitJobState(ctx, store.JobRunning)
				if err := waitUntil(ctx, func() (bool, error) { return s.kie.Count(kietest.RouteRecordInfo) > 2, nil }); err != nil {
					t.Fatal(err)
				}
			}
			epoch := actorstest.LastEpoch(s.Events.Snapshot(), leader)

			switch how {
			case "stopped":
				live[leader].Stop(t)
				delete(live, leader)
			case "lock connection killed":
				if pid := s.LockBackendPID(ctx); pid != 0 {
					if _, err := store.TerminateBackend(ctx, s.Admin, pid); err != nil {
						t.Fatal(err)
					}
				}
			case "heartbeat frozen":
				live[leader].Stall.Freeze()
				err := s.Events.WaitFor(ctx, func(ev []string) bool {
					return slices.Contains(ev, leader+" standby "+epoch) && actorstest.LastTermStarter(ev) != leader
				})
				live[leader].Stall.Thaw()
				if err != nil {
					t.Fatal(err)
				}
			}
			// A term newer than the one that submitted the job.
			err := s.Events.WaitFor(ctx, func(ev []string) bool {
				name := actorstest.LastTermStarter(ev)
				now, _ := strconv.Atoi(actorstest.LastEpoch(ev, name))
				before, _ := strconv.Atoi(epoch)
				return name != "" && live[name] != nil && now > before
			})
			if err != nil {
				t.Fatal(err)
			}
			s.kie.CompleteTask(job.TaskID)
			c.waitResult(since)
			js := s.waitSettled(ctx)
			if len(js) != 1 || js[0].State != string(store.JobSucceeded) {
				t.Fatalf("jobs %+v", js)
			}
			if s.entries(ctx, js[0].ID, "capture") != 1 || s.entries(ctx, js[0].ID, "") != 2 {
				t.Fatalf("job %d has %d entries", js[0].ID, s.entries(ctx, js[0].ID, ""))
			}
			if n := c.countSent(isMedia); n != 1 {
				t.Fatalf("%d results delivered\n%s", n, c.transcript())
			}
			if n := s.kie.Count(kietest.RouteCreateTask); n != 1 {
				t.Fatalf("createTask sent %d times", n)
			}
			if avail, held := c.balance(); avail != welcome-js[0].Price || held != 0 {
				t.Fatalf("balance %d held %d", avail, held)
			}

			if how == "stopped" { // the language survives the new leader
				since := c.mark()
				c.u.SendCommand("language")
				lang := c.mustScreen(since)
				if _, err := c.tapOn(lang, "Русский"); err != nil {
					t.Fatal(err)
				}
				for name, inst := range live {
					inst.Stop(t)
					delete(live, name)
				}
				live["c"] = s.startShop("c", shopOptions{})
				since = c.mark()
				c.u.SendCommand("start")
				if menu := c.mustScreen(since); !strings.Contains(menu.Text, "Что создадим") && !strings.Contains(menu.Text, "Привет") {
					t.Fatalf("after a failover the menu is %q", menu.Text)
				}
			}
			s.checkBooks(ctx)
		})
	}
}

// waitLeader waits until one of live leads and returns its name.
func (s *shop) waitLeader(ctx context.Context, live map[string]*actorstest.Instance) string {
	s.T.Helper()
	var name string
	err := s.Events.WaitFor(ctx, func(ev []string) bool {
		name = actorstest.LastTermStarter(ev)
		return name != "" && live[name] != nil
	})
	if err != nil {
		s.T.Fatal(err)
	}
	return name
}

// While no leader ran, the task finished at Kie and the job's deadline
// passed. The next leader looks at the task before giving up on it: the
// result is delivered and paid for, not thrown away with the hold
// released (Kie billed the task all the same).
func TestShopResultReadyAfterTheDeadlineIsDelivered(t *testing.T) {
	t.Parallel()
	s := newShop(t, shopOptions{welcome: 10_00})
	ctx := actorstest.Context(t, 60*time.Second)
	s.kie.SetScript("z-image", kietest.Script{Generating: time.Hour})
	a := s.startShop("a", shopOptions{})
	c := s.newClient(ctx, "Ann", "en")
	confirmation := c.mustOrder("z-image")
	since := c.mark()
	c.confirm(confirmation)
	job := s.waitJobState(ctx, store.JobRunning)
	a.Stop(t)

	s.kie.CompleteTask(job.TaskID)
	if _, err := s.st.Pool().Exec(ctx, `UPDATE jobs SET deadline = now() - interval '1 minute' WHERE id = $1`, job.ID); err != nil {
		t.Fatal(err)
	}
	s.startShop("b", shopOptions{})
	c.waitResult(since)
	js := s.waitSettled(ctx)
	if len(js) != 1 || js[0].State != string(store.JobSucceeded) || s.entries(ctx, job.ID, "capture") != 1 {
		t.Fatalf("jobs %+v", js)
	}
	s.checkBooks(ctx)
}

// A result that vanished at Kie's file host before it could be delivered
// (delivery delayed past retention) is not retried forever: the user is
// told and gets the price back, once.
func TestShopLostResultIsCreditedBack(t *testing.T) {
	t.Parallel()
	s := newShop(t, shopOptions{welcome: 10_00})
	ctx := actorstest.Context(t, 60*time.Second)
	s.kie.SetScript("z-image", kietest.Script{Generating: time.Hour})
	s.kie.SetFileTTL(0, time.Minute)
	a := s.startShop("a", shopOptions{})
	c := s.newClient(ctx, "Ann", "en")
	confirmation := c.mustOrder("z-image")
	c.confirm(confirmation)
	job := s.waitJobState(ctx, store.JobRunning)
	a.Stop(t)

	s.kie.CompleteTask(job.TaskID)
	s.kie.Advance(2 * time.Minute) // the result expires on Kie's host
	s.startShop("b", shopOptions{})
	c.waitText("vanished at Kie")
	js := s.waitSettled(ctx)
	if len(js) != 1 || js[0].State != string(store.JobSucceeded) {
		t.Fatalf("jobs %+v", js)
	}
	avail, held, err := s.st.Balance(ctx, c.u.ID())
	if err != nil || avail != 10_00 || held != 0 {
		t.Fatalf("balance %d held %d (%v): want the welcome credit back whole", avail, held, err)
	}
	s.checkBooks(ctx)
}
