package tui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// TEMPORARY: replaced by the real screen.
type catalogScreen struct{ ctx *Context }

func newCatalogScreen(ctx *Context) *catalogScreen { return &catalogScreen{ctx: ctx} }

func (s *catalogScreen) Title() string                        { return "Catalog" }
func (s *catalogScreen) Init() tea.Cmd                        { return nil }
func (s *catalogScreen) SetSize(w, h int)                     {}
func (s *catalogScreen) Capturing() bool                      { return false }
func (s *catalogScreen) Back() bool                           { return false }
func (s *catalogScreen) Keys() []key.Binding                  { return nil }
func (s *catalogScreen) Update(msg tea.Msg) (Screen, tea.Cmd) { return s, nil }
func (s *catalogScreen) View() string                         { return "Catalog" }
