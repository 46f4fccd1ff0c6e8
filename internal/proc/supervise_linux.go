package proc

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// supervisorName is argv[0] of a supervisor: Run re-executes lifeboat (or
// the test binary) under this name, and init recognises it before anything
// else of the program runs.
const supervisorName = "lifeboat-supervise"

const prSetChildSubreaper = 36 // PR_SET_CHILD_SUBREAPER, linux/prctl.h

func init() {
	if len(os.Args) == 4 && os.Args[0] == supervisorName {
		parent, err := strconv.Atoi(os.Args[2])
		if err != nil {
			fmt.Fprintf(os.Stderr, "lifeboat supervisor: bad parent pid %q\n", os.Args[2])
			os.Exit(127)
		}
		os.Exit(supervise(os.Args[1], parent, os.Args[3]))
	}
}

// supervise runs `sh -c command` and makes sure nothing it starts outlives
// it or lifeboat. It is a child subreaper, so every orphaned descendant (a
// double fork, a setsid'd daemon) is reparented to it and found by a walk
// of /proc; sh runs in its own process group. It stops everything:
//   - when sh exits: what is left would act after lifeboat recorded the end;
//   - on SIGTERM from Run (cancel, timeout): SIGTERM to the group, SIGKILL to
//     all after grace;
//   - when lifeboat dies (parent-death SIGTERM, or EOF on fd 3): SIGKILL to
//     all at once, since no record will say what a hook went on to do.
//
// It exits as sh did: the same code, or the same signal.
// parent is lifeboat's pid as lifeboat gave it: a supervisor whose parent
// is no longer that process was orphaned (lifeboat may itself be pid 1, in
// a container, so pid 1 as the parent proves nothing).
func supervise(graceArg string, parent int, command string) int {
	grace, err := time.ParseDuration(graceArg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "lifeboat supervisor: bad grace %q: %v\n", graceArg, err)
		return 127
	}
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGINT)
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
		fmt.Fprintf(os.Stderr, "lifeboat supervisor: cannot become a subreaper: %v\n", errno)
		return 127
	}
	syscall.CloseOnExec(3) // the lifeline is ours, not the command's
	parentGone := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.NewFile(3, "lifeline"))
		close(parentGone)
	}()
	if parentDead(parent) {
		fmt.Fprintln(os.Stderr, "lifeboat supervisor: lifeboat is gone; the command was not started")
		return 127
	}

	sh := exec.Command("sh", "-c", command)
	sh.Stdin, sh.Stdout, sh.Stderr = os.Stdin, os.Stdout, os.Stderr
	// SIGKILL with the supervisor, should it be killed outright itself.
	sh.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := sh.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "lifeboat supervisor: %v\n", err)
		return 127
	}
	done := make(chan error, 1)
	go func() { done <- sh.Wait() }()
	pgid := sh.Process.Pid

	var shErr error
	select {
	case shErr = <-done:
	case <-parentGone:
		killAll(pgid)
		shErr = <-done
	case <-signals:
		if parentDead(parent) {
			killAll(pgid)
			shErr = <-done
			break
		}
		_ = syscall.Kill(-pgid, syscall.SIGTERM)
		select {
		case shErr = <-done:
		case <-time.After(grace):
			killAll(pgid)
			shErr = <-done
		case <-parentGone:
			killAll(pgid)
			shErr = <-done
		}
	}
	killAll(pgid)
	var ee *exec.ExitError
	if errors.As(shErr, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			signal.Reset(ws.Signal())
			_ = syscall.Kill(os.Getpid(), ws.Signal())
			return 128 + int(ws.Signal())
		}
		return ee.ExitCode()
	}
	if shErr != nil {
		fmt.Fprintf(os.Stderr, "lifeboat supervisor: %v\n", shErr)
		return 127
	}
	return 0
}

// parentDead says whether the process that started the supervisor is gone:
// then the supervisor has been reparented.
func parentDead(parent int) bool { return os.Getppid() != parent }

// killAll SIGKILLs the command's group and every live descendant of the
// supervisor until none is left; killed processes cannot fork, so the walk
// ends.
// A process it may not signal (one a hook started under another user, with
// sudo) is named on stderr, in the command's output: lifeboat cannot stop it
// and says so rather than claim it did.
func killAll(pgid int) {
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	denied := map[int]bool{}
	for i := 0; i < 500; i++ {
		pids := descendants(os.Getpid())
		left := 0
		for _, pid := range pids {
			if denied[pid] {
				continue
			}
			left++
			if err := syscall.Kill(pid, syscall.SIGKILL); errors.Is(err, syscall.EPERM) {
				denied[pid] = true
				fmt.Fprintf(os.Stderr, "lifeboat supervisor: cannot stop pid %d (%s): it runs as another user and may still act\n", pid, procName(pid))
			}
		}
		if left == 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// procName is a process's command name, for messages.
func procName(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(b))
}

// descendants lists the live (not zombie) processes whose parent chain
// leads to root.
func descendants(root int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	children := map[int][]int{}
	live := map[int]bool{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		raw, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue // it ended meanwhile
		}
		// pid (comm) state ppid ...; comm may hold spaces and parentheses.
		s := string(raw)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		children[ppid] = append(children[ppid], pid)
		live[pid] = f[0] != "Z"
	}
	var out []int
	queue := []int{root}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			if live[c] {
				out = append(out, c)
			}
			queue = append(queue, c)
		}
	}
	return out
}
