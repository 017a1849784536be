//go:build unix

package receipt

import (
	"syscall"
	"time"
)

// childCPU is the CPU time of this process's finished children: the
// tesseract and pdftoppm runs, measured apart from the box's other load.
func childCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
