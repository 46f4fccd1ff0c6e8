package engine

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// restic copy (0.19) has no JSON progress. With -v it prints, per
// snapshot, the disk size of the blobs it will copy, and "snapshot … saved"
// when it has saved a copied snapshot (at the end of a batch):
//
//	copy 12 blobs with disk size 11.999 MiB in 3 packfiles
//
// Its "packs copied" counter counts packs read from the source, which runs
// far ahead of the upload (restic holds several packs), so it is no rate.
// The rate is measured instead from the packs the standby has taken
// (packGauge): it is known once two packs have arrived.
var copySizeLine = regexp.MustCompile(`^\s*copy \d+ blobs with disk size ([0-9.]+) (B|KiB|MiB|GiB|TiB) in (\d+) packfiles`)

// meterEvery is how often a running copy's upload is measured and shown.
const meterEvery = 250 * time.Millisecond

// rateWindow is how far back the rate looks: long enough to span a few
// packs, short enough to follow a link that changes.
const rateWindow = 60 * time.Second

// rateSpan is the least time between the packs a rate is taken from: a
// small tree pack lands just after a data pack, and two packs sent side by
// side land together; neither says how fast the link is.
const rateSpan = 2 * time.Second

// copyMeter turns what restic copy prints and what it has sent into
// Progress. It is fed from restic's output and from a sampler; emit is
// called with the mutex held, so events go out one at a time.
type copyMeter struct {
	mu     sync.Mutex
	emit   func(Progress)
	cancel context.CancelFunc
	start  time.Time
	total  uint64 // snapshots to copy
	saved  uint64 // snapshots restic says it saved

	began uint64 // snapshots whose copy began (their size is known)
	size  uint64 // disk size of what those copy

	gauge   *packGauge
	full    uint64 // the pack size restic sends at
	stopped bool
	samples []meterSample // bytes delivered when it changed, oldest first
}

type meterSample struct {
	at   time.Time
	sent uint64
}

func newCopyMeter(total int, full uint64, now time.Time, emit func(Progress)) *copyMeter {
	return &copyMeter{start: now, total: uint64(total), full: full, emit: emit}
}

// defaultPackMiB is restic's pack size when RESTIC_PACK_SIZE is not set.
const defaultPackMiB = 16

// packSize is the pack size (bytes) a restic run with env fills before it
// sends a pack: RESTIC_PACK_SIZE (MiB) of the first env that sets it.
func packSize(envs ...map[string]string) uint64 {
	for _, env := range envs {
		if v, ok := env["RESTIC_PACK_SIZE"]; ok {
			if n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 32); err == nil && n > 0 {
				return n << 20
			}
		}
	}
	return defaultPackMiB << 20
}

// line takes one line of restic's standard output.
func (m *copyMeter) line(raw []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case copiedLine.Match(raw):
		m.saved++
	case copySizeLine.Match(raw):
		s := copySizeLine.FindSubmatch(raw)
		m.size += parseSize(string(s[1]), string(s[2]))
		m.began++
	default:
		return
	}
	m.emit(m.progress(time.Now()))
}

// watch measures restic (pid) until stop.
func (m *copyMeter) watch(ctx context.Context, pid int) {
	m.mu.Lock()
	m.gauge = newPackGauge(pid, m.full)
	ctx, m.cancel = context.WithCancel(ctx)
	m.mu.Unlock()
	go func() {
		t := time.NewTicker(meterEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				m.sample(now)
			}
		}
	}()
}

// stop ends the measuring: once it returns, the meter emits nothing more.
func (m *copyMeter) stop() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.stopped = true
	if m.cancel != nil {
		m.cancel()
	}
}

func (m *copyMeter) sample(now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stopped {
		return
	}
	sent, ok := m.gauge.delivered()
	if !ok {
		return
	}
	if n := len(m.samples); sent > 0 && (n == 0 || sent != m.samples[n-1].sent) {
		m.samples = append(m.samples, meterSample{now, sent})
		// Keep one sample older than the window: the rate spans it.
		for len(m.samples) > 2 && now.Sub(m.samples[1].at) > rateWindow {
			m.samples = m.samples[1:]
		}
	}
	m.emit(m.progress(now))
}

// rate is bytes per second delivered between the first pack seen arrive
// in the window and the last, or 0 (unknown) before two have arrived
// rateSpan apart. The first one's own bytes are not in it: when it began
// is not known.
func (m *copyMeter) rate() float64 {
	n := len(m.samples)
	if n < 2 {
		return 0
	}
	a, b := m.samples[0], m.samples[n-1]
	if b.at.Sub(a.at) < rateSpan {
		return 0
	}
	return float64(b.sent-a.sent) / b.at.Sub(a.at).Seconds()
}

// progress is what the meter knows now. Bytes are those delivered; the
// total is known once the last snapshot's copy began. The ETA is given
// only when both the rest and the rate are known, counted from the last
// pack's arrival.
func (m *copyMeter) progress(now time.Time) Progress {
	p := Progress{Items: m.saved, TotalItems: m.total, Elapsed: now.Sub(m.start), Rate: m.rate()}
	if n := len(m.samples); n > 0 {
		p.Bytes = m.samples[n-1].sent
	}
	if m.began == m.total && m.total > 0 {
		p.TotalBytes = m.size
		p.Bytes = min(p.Bytes, p.TotalBytes) // pack headers and a merged pack are not in restic's size
	}
	switch {
	case m.total > 0 && m.saved == m.total:
		p.Percent = 1
	case p.TotalBytes > 0:
		p.Percent = float64(p.Bytes) / float64(p.TotalBytes)
	case m.total > 0:
		p.Percent = float64(m.saved) / float64(m.total)
	}
	if p.Rate > 0 && p.TotalBytes > p.Bytes {
		eta := time.Duration(float64(p.TotalBytes-p.Bytes) / p.Rate * float64(time.Second))
		p.ETA = max(time.Second, eta-now.Sub(m.samples[len(m.samples)-1].at))
	}
	return p
}

// RateText renders a measured rate ("1.0 MiB/s"), or says it is unknown.
func RateText(bytesPerSecond float64) string {
	if bytesPerSecond <= 0 {
		return "rate unknown"
	}
	return Bytes(uint64(bytesPerSecond)) + "/s"
}

func parseSize(num, unit string) uint64 {
	f, _ := strconv.ParseFloat(num, 64)
	shift := map[string]uint{"B": 0, "KiB": 10, "MiB": 20, "GiB": 30, "TiB": 40}[unit]
	return uint64(f * float64(uint64(1)<<shift))
}
