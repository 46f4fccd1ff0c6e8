package tui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// TEMPORARY: replaced by the real screen.
type sitesScreen struct{ ctx *Context }

func newSitesScreen(ctx *Context) *sitesScreen { return &sitesScreen{ctx: ctx} }

func (s *sitesScreen) Title() string                        { return "Sites" }
func (s *sitesScreen) Init() tea.Cmd                        { return nil }
func (s *sitesScreen) SetSize(w, h int)                     {}
func (s *sitesScreen) Capturing() bool                      { return false }
func (s *sitesScreen) Back() bool                           { return false }
func (s *sitesScreen) Keys() []key.Binding                  { return nil }
func (s *sitesScreen) Update(msg tea.Msg) (Screen, tea.Cmd) { return s, nil }
func (s *sitesScreen) View() string                         { return "Sites" }
