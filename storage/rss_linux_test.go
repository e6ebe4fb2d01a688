package storage

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// maxRSS returns the process's peak resident set size in bytes: VmHWM, not getrusage's
// maxrss, which after an exec still counts the parent that started the process.
func maxRSS() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb * 1024
		}
	}
	return 0
}
