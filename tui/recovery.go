package tui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// TEMPORARY: replaced by the real screen.
type recoveryScreen struct{ ctx *Context }

func newRecoveryScreen(ctx *Context) *recoveryScreen { return &recoveryScreen{ctx: ctx} }

func (s *recoveryScreen) Title() string                        { return "Recovery" }
func (s *recoveryScreen) Init() tea.Cmd                        { return nil }
func (s *recoveryScreen) SetSize(w, h int)                     {}
func (s *recoveryScreen) Capturing() bool                      { return false }
func (s *recoveryScreen) Back() bool                           { return false }
func (s *recoveryScreen) Keys() []key.Binding                  { return nil }
func (s *recoveryScreen) Update(msg tea.Msg) (Screen, tea.Cmd) { return s, nil }
func (s *recoveryScreen) View() string                         { return "Recovery" }
