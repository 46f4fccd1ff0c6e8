package tui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// TEMPORARY: replaced by the real screen.
type operationsScreen struct{ ctx *Context }

func newOperationsScreen(ctx *Context) *operationsScreen { return &operationsScreen{ctx: ctx} }

func (s *operationsScreen) Title() string                        { return "Operations" }
func (s *operationsScreen) Init() tea.Cmd                        { return nil }
func (s *operationsScreen) SetSize(w, h int)                     {}
func (s *operationsScreen) Capturing() bool                      { return false }
func (s *operationsScreen) Back() bool                           { return false }
func (s *operationsScreen) Keys() []key.Binding                  { return nil }
func (s *operationsScreen) Update(msg tea.Msg) (Screen, tea.Cmd) { return s, nil }
func (s *operationsScreen) View() string                         { return "Operations" }
