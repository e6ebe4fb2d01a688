package storage

import (
	"encoding/binary"
	"os"
	"strconv"
	"strings"
	"sync"
)

// A pending entry records the process that is streaming it: its pid and the time the
// process started (in clock ticks since boot, as /proc gives it), 16 bytes in the pending
// index. Another process decides from them whether the entry's process is still alive; the
// start time tells a live process from a later one that got the same pid. An empty value
// (written before this record existed) counts as a dead process's.
type processMark struct {
	pid   uint64
	start uint64
}

// selfMark is this process's mark, read once.
var selfMark = sync.OnceValue(func() processMark {
	pid := os.Getpid()
	return processMark{pid: uint64(pid), start: processStart(pid)}
})

func (p processMark) bytes() []byte {
	b := make([]byte, 16)
	binary.BigEndian.PutUint64(b, p.pid)
	binary.BigEndian.PutUint64(b[8:], p.start)
	return b
}

func parseMark(b []byte) (processMark, bool) {
	if len(b) != 16 {
		return processMark{}, false
	}
	return processMark{pid: binary.BigEndian.Uint64(b), start: binary.BigEndian.Uint64(b[8:])}, true
}

// alive reports whether the process p names still runs: this process, or a process with
// that pid that started at the same time.
func (p processMark) alive() bool {
	if p == selfMark() {
		return true
	}
	if p.pid == 0 || p.pid > 1<<31 || !processAlive(int(p.pid)) {
		return false
	}
	if start := processStart(int(p.pid)); start != 0 && p.start != 0 {
		return start == p.start
	}
	return true // no start times on this system: a live pid is taken at its word
}

// processStart returns a process's start time from /proc/PID/stat (field 22), or 0 where
// there is no /proc.
func processStart(pid int) uint64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The command name (field 2) is in parentheses and may hold spaces: count fields
	// after its closing one.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	fields := strings.Fields(s[i+1:])
	const startField = 22 - 3 // fields 3 onwards follow the name
	if len(fields) <= startField {
		return 0
	}
	n, err := strconv.ParseUint(fields[startField], 10, 64)
	if err != nil {
		return 0
	}
	return n
}
