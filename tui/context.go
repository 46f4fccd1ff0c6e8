package tui

import (
	"io"
	"time"
)

// Context is shared by every screen and component: size, styles, the
// backend, the read-only flag and the operations in flight. It is passed by
// pointer so that a resize or a new operation is seen everywhere.
type Context struct {
	Backend  Backend
	Theme    Theme
	Width    int // of the content area
	Height   int
	ReadOnly bool
	Ops      *Ops
	Now      func() time.Time
	// RefreshEvery is the background refresh period of live data.
	RefreshEvery time.Duration
	// Terminal receives escape sequences the renderer does not send (the
	// OSC 52 of a copy); nil is stdout.
	Terminal io.Writer
}
