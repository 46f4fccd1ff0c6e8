package bench

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"
)

// Run is one timed process: wall time and its peak resident set.
type Run struct {
	Wall   time.Duration
	MaxRSS int64 // bytes
	Code   int
	Out    []byte
	Err    []byte
}

// Exec runs name with args and env, timing it from start to exit.
func Exec(env []string, name string, args ...string) Run {
	var out bytes.Buffer
	r := ExecTo(&out, env, name, args...)
	r.Out = out.Bytes()
	return r
}

// ExecTo is Exec with stdout going to w: a huge output is not held.
func ExecTo(w io.Writer, env []string, name string, args ...string) Run {
	cmd := exec.Command(name, args...)
	cmd.Env = env
	var errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = w, &errb
	start := time.Now()
	err := cmd.Run()
	r := Run{Wall: time.Since(start), Err: errb.Bytes()}
	if cmd.ProcessState != nil {
		r.Code = cmd.ProcessState.ExitCode()
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			r.MaxRSS = ru.Maxrss * 1024 // KiB on Linux
		}
	} else if err != nil {
		r.Code = -1
		r.Err = append(r.Err, err.Error()...)
	}
	return r
}

// Median of durations or byte counts (the mean of the middle two for an
// even count).
func Median[T ~int64](xs []T) T {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Kind says how a row compares Lifeboat with raw restic against its target.
type Kind int

const (
	// Ratio: lifeboat / raw must be ≤ Limit.
	Ratio Kind = iota
	// Overhead: lifeboat − raw must be ≤ LimitD.
	Overhead
	// Absolute: lifeboat alone must be ≤ LimitBytes (memory).
	Absolute
	// Info: no target; shown for context.
	Info
	// Within: lifeboat alone must take ≤ LimitD (no restic to compare).
	Within
)

// Row is one line of the result table.
type Row struct {
	Measure  string
	Kind     Kind
	LB, Raw  time.Duration
	LBBytes  int64 // for Absolute rows: the measured bytes
	RawBytes int64
	Limit    float64
	LimitD   time.Duration
	LimitB   int64
	Runs     int
	Note     string // e.g. throughput
}

// Met says whether the row meets its target (true for Info rows).
func (r Row) Met() bool {
	switch r.Kind {
	case Ratio:
		return r.Raw > 0 && float64(r.LB)/float64(r.Raw) <= r.Limit
	case Overhead:
		return r.LB-r.Raw <= r.LimitD
	case Absolute:
		return r.LBBytes <= r.LimitB
	case Within:
		return r.LB <= r.LimitD
	}
	return true
}

func (r Row) cells() []string {
	lb, raw := fmtDur(r.LB), fmtDur(r.Raw)
	var cmp, target, met string
	switch r.Kind {
	case Ratio:
		cmp, target = fmt.Sprintf("%.2f×", float64(r.LB)/float64(max(r.Raw, 1))), fmt.Sprintf("≤ %.2f×", r.Limit)
	case Overhead:
		d := r.LB - r.Raw
		sign := "+"
		if d < 0 {
			sign, d = "−", -d
		}
		cmp, target = sign+fmtDur(d), "≤ +"+fmtDur(r.LimitD)
	case Absolute:
		lb, raw = fmtBytes(r.LBBytes), fmtBytes(r.RawBytes)
		if r.RawBytes == 0 {
			raw = "—"
		}
		cmp, target = fmt.Sprintf("%.2f×", float64(r.LBBytes)/float64(max(r.RawBytes, 1))), "≤ "+fmtBytes(r.LimitB)
		if r.RawBytes == 0 {
			cmp = "—"
		}
	case Within:
		raw, cmp, target = "—", lb, "≤ "+fmtDur(r.LimitD)
	case Info:
		if r.Raw > 0 {
			cmp = fmt.Sprintf("%.2f×", float64(r.LB)/float64(r.Raw))
		}
		target = "—"
	}
	met = "yes"
	if !r.Met() {
		met = "NO"
	}
	if r.Kind == Info {
		met = "—"
	}
	return []string{r.Measure, lb, raw, cmp, target, met, fmt.Sprint(r.Runs), r.Note}
}

// PrintTable writes rows as a Markdown table (readable in a terminal too).
func PrintTable(w io.Writer, rows []Row) {
	head := []string{"measure", "lifeboat", "raw restic", "ratio / overhead", "target", "met?", "runs", "notes"}
	all := [][]string{head}
	for _, r := range rows {
		all = append(all, r.cells())
	}
	width := make([]int, len(head))
	for _, c := range all {
		for i, s := range c {
			width[i] = max(width[i], len([]rune(s)))
		}
	}
	line := func(c []string) {
		var b strings.Builder
		b.WriteString("|")
		for i, s := range c {
			b.WriteString(" " + s + strings.Repeat(" ", width[i]-len([]rune(s))) + " |")
		}
		fmt.Fprintln(w, b.String())
	}
	line(all[0])
	sep := make([]string, len(head))
	for i := range sep {
		sep[i] = strings.Repeat("-", width[i])
	}
	line(sep)
	for _, c := range all[1:] {
		line(c)
	}
}

func fmtDur(d time.Duration) string {
	switch {
	case d == 0:
		return "—"
	case d < time.Second:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	default:
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
}

func fmtBytes(n int64) string {
	return fmt.Sprintf("%.0f MB", float64(n)/1e6)
}

// MiBps is a throughput for n bytes in d.
func MiBps(n int64, d time.Duration) string {
	if d <= 0 {
		return ""
	}
	return fmt.Sprintf("%.0f MiB/s", float64(n)/(1<<20)/d.Seconds())
}

// Machine describes where the figures were measured.
func Machine(resticBin string) string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "MemTotal:") {
				var kb int64
				fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(l, "MemTotal:")), "%d", &kb)
				mem = fmt.Sprintf("%.1f GiB RAM", float64(kb)/(1<<20))
			}
		}
	}
	kernel := ""
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = "Linux " + strings.TrimSpace(string(b))
	}
	rv := "restic ?"
	if out, err := exec.Command(resticBin, "version").Output(); err == nil {
		rv = strings.TrimSpace(string(out))
	}
	return fmt.Sprintf("%s, %d cores, %s, %s, %s %s/%s, %s", cpu, runtime.NumCPU(), mem, kernel,
		runtime.Version(), runtime.GOOS, runtime.GOARCH, rv)
}

// VmHWM is the peak resident set of a running process, from /proc.
func VmHWM(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(l, "VmHWM:")), "%d", &kb)
			return kb * 1024
		}
	}
	return 0
}

// LineCounter counts the lines written to it and keeps nothing; it notes
// when line Mark arrived, counted from Start.
type LineCounter struct {
	Lines  int
	Mark   int
	Start  time.Time
	MarkAt time.Duration
}

func (c *LineCounter) Write(p []byte) (int, error) {
	c.Lines += bytes.Count(p, []byte{'\n'})
	if c.MarkAt == 0 && c.Mark > 0 && c.Lines >= c.Mark {
		c.MarkAt = time.Since(c.Start)
	}
	return len(p), nil
}
