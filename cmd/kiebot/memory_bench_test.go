package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kiebot/kiebot/actors/telegram/telegramtest"
	"github.com/kiebot/kiebot/store/storetest"
)

// BenchmarkMemory10kUsers runs the real binary as its own process, lets
// 10,000 users send one message each within a minute, waits for every
// reply, and reports the process's resident memory: peak (VmHWM) and at
// the end (VmRSS). Goal: ≤ 200 MB. Run with -benchtime=1x.
func BenchmarkMemory10kUsers(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "kiebot")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	tg := telegramtest.NewServer()
	defer tg.Close()
	bot := tg.AddBot(testToken)
	env := testEnv(tg, storetest.NewDatabase(b), "LOG_LEVEL", "warn")
	cmd := exec.Command(bin, "serve")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()

	const users = 10000
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	b.ResetTimer()
	start := time.Now()
	for i := range users {
		u := bot.AddUser(telegramtest.UserConfig{FirstName: fmt.Sprintf("user%d", i)})
		u.SendText("hello")
	}
	if err := tg.WaitFor(ctx, func() bool { return bot.Calls("sendMessage") >= users }); err != nil {
		b.Fatalf("%d of %d answered: %v", bot.Calls("sendMessage"), users, err)
	}
	took := time.Since(start)
	b.StopTimer()
	hwm, rss := procMemory(b, cmd.Process.Pid)
	b.ReportMetric(float64(hwm)/1024, "peak-RSS-MB")
	b.ReportMetric(float64(rss)/1024, "RSS-MB")
	b.ReportMetric(took.Seconds(), "seconds-for-10k")
}

// procMemory reads VmHWM and VmRSS (kB) of pid.
func procMemory(b *testing.B, pid int) (hwm, rss int64) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmHWM":
			hwm = n
		case "VmRSS":
			rss = n
		}
	}
	return hwm, rss
}
