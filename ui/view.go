package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/yeok/yeok/model"
)

// View draws the app. It costs O(visible lines): the scrollback walks back from the bottom
// only as far as the pane is tall. The frame is put together line by line in a buffer the
// view cache keeps, and joined once.
func (m Model) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	if m.tooSmall() {
		return m.noticeView()
	}
	return strings.Join(m.frameLines(), "\n")
}

// ViewLines is the view's lines, strings.Split(m.View(), "\n"), without joining them:
// a screen that compares a frame with the last row by row takes them as they are. The
// slice is the view cache's: the caller must not change it or keep it past the next View.
func (m Model) ViewLines() []string {
	if m.width <= 0 || m.height <= 0 || m.tooSmall() {
		return strings.Split(m.View(), "\n")
	}
	return m.frameLines()
}

// frameLines draws the layout's lines, each fitted to the width.
func (m Model) frameLines() []string {
	lines := m.vc.frameBuffer()
	panelOnly := m.panel != panelChat && m.panelHeight > m.mainHeight
	if m.mainHeight > 0 || panelOnly {
		lines = m.appendMain(lines)
	}
	if m.cfg.ProviderError != "" {
		lines = appendLines(lines, m.bannerView())
	}
	if m.follow.shown {
		lines = appendLines(lines, m.followView())
	}
	if !panelOnly {
		lines = appendLines(lines, m.inputView())
	}
	if m.flashHeight > 0 {
		lines = appendLines(lines, m.flashView())
	}
	lines = appendLines(lines, m.statusView())
	lines = append(lines, m.helpRows()...)
	// Every panel measures its own lines; this is the last guard that none is wider on
	// the screen than the pane, whichever script it shows.
	return m.vc.fitLines(lines, m.width)
}

// appendLines appends the lines of s to dst, as strings.Split(s, "\n") cuts them.
func appendLines(dst []string, s string) []string {
	for {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			return append(dst, s)
		}
		dst, s = append(dst, s[:i]), s[i+1:]
	}
}

// appendMain appends the lines of the main pane: the scrollback's rows, or a panel's.
func (m Model) appendMain(dst []string) []string {
	if m.panel == panelChat && !m.sb.empty() {
		return m.sb.appendRows(dst)
	}
	return appendLines(dst, m.mainView())
}

func (m Model) mainView() string {
	switch m.panel {
	case panelPicker:
		return m.picker.view()
	case panelHistory:
		return m.history.view()
	case panelGlossary:
		return m.gloss.view()
	case panelModels:
		return m.models.view(m.width, m.panelHeight)
	}
	if m.sb.empty() {
		return m.emptyView()
	}
	return m.sb.view()
}

// emptyView greets a first run: what to do and into which language.
func (m Model) emptyView() string {
	st, w := m.styles, max(m.width-4, 4)
	lines := []string{st.EmptyTitle.Render("역  yeok"), ""}
	for _, l := range wrapText("Type below and press "+m.keys.Send.Help().Key+" to translate into", w) {
		lines = append(lines, st.EmptyText.Render(l))
	}
	for _, l := range wrapText(m.to.Label(), w) {
		lines = append(lines, st.EmptyKey.Render(l))
	}
	lines = append(lines, "")
	hint := m.keys.Target.Help().Key + " another language · " + m.keys.History.Help().Key + " history"
	for _, l := range wrapText(hint, w) {
		lines = append(lines, st.EmptyText.Render(l))
	}
	if len(lines) > m.mainHeight {
		lines = lines[len(lines)-m.mainHeight:]
	}
	block := strings.Join(lines, "\n")
	return m.cfg.Renderer.Place(m.width, m.mainHeight, lipgloss.Center, lipgloss.Center, block)
}

// bannerView is the one line saying no provider is configured.
func (m Model) bannerView() string {
	text := "! " + model.SanitizeLine(m.cfg.ProviderError)
	return m.styles.Banner.Render(ansi.Truncate(text, m.width-2, "…"))
}

// helpKeys is the help of whatever has the focus; each part contributes its own.
func (m Model) helpKeys() help.KeyMap {
	switch m.panel {
	case panelPicker:
		return pickerHelp{keys: m.keys, mode: m.picker.mode}
	case panelHistory:
		return m.history.help()
	case panelGlossary:
		return glossaryHelp{keys: m.keys}
	case panelModels:
		return modelsHelp{keys: m.keys}
	}
	return chatHelp{keys: m.keys, streaming: m.flight != nil, typed: !m.input.empty()}
}

// helpModel is bubbles' help in yeok's styles, with no width: shortHelpView and
// fullHelpView fit the help to helpWidth themselves.
func (m Model) helpModel() help.Model {
	h := help.New()
	h.Styles = m.styles.Help
	return h
}

// helpWidth is how wide the help may be.
func (m Model) helpWidth() int { return m.width - 2 }

// helpRows is the help's rows, cut to the rows the layout gave it. The full help keeps
// its last rows, where the way out (quit, close help) is. The caller must not change the
// slice.
func (m Model) helpRows() []string {
	lines := m.helpLines()
	rows := min(max(m.helpHeight, 1), len(lines))
	if m.helpAll {
		return lines[len(lines)-rows:]
	}
	return lines[:rows]
}

// drawHelpLines draws the help of keys, one string a row, cut to the width.
func (m Model) drawHelpLines(keys help.KeyMap) []string {
	view := m.shortHelpView(keys.ShortHelp())
	if m.helpAll {
		view = m.fullHelpView(keys.FullHelp())
	}
	lines := strings.Split(view, "\n")
	for i, l := range lines {
		lines[i] = ansi.Truncate(" "+l, m.width, "")
	}
	return lines
}

// shortHelpView keeps as many bindings as fit, then an ellipsis and the last binding, which
// is always the way out (esc close, or the key to the full help with quit in it). bubbles'
// help would draw an item that does not fit when the ellipsis does not fit either.
func (m Model) shortHelpView(bindings []key.Binding) string {
	h := m.helpModel()
	if view := h.ShortHelpView(bindings); lipgloss.Width(view) <= m.helpWidth() {
		return view
	}
	last := bindings[len(bindings)-1:]
	for n := len(bindings) - 1; n >= 0; n-- {
		view := h.ShortHelpView(bindings[:n])
		if n > 0 {
			view += " " + h.Styles.Ellipsis.Render(h.Ellipsis) + " "
		}
		view += h.ShortHelpView(last)
		if lipgloss.Width(view) <= m.helpWidth() {
			return view
		}
	}
	return ""
}

// fullHelpView lays the help columns out in as many rows as the width needs (bubbles'
// help would draw a column that does not fit past the edge).
func (m Model) fullHelpView(groups [][]key.Binding) string {
	h := m.helpModel()
	var blocks []string
	for len(groups) > 0 {
		n := 1
		for n < len(groups) && lipgloss.Width(h.FullHelpView(groups[:n+1])) <= m.helpWidth() {
			n++
		}
		blocks = append(blocks, h.FullHelpView(groups[:n]))
		groups = groups[n:]
	}
	return strings.Join(blocks, "\n")
}

// noticeView replaces the layout on a terminal too small for it.
func (m Model) noticeView() string {
	text := fmt.Sprintf("yeok needs a %d×%d window (this is %d×%d)", minWidth, minHeight, m.width, m.height)
	if ansi.StringWidth(text) > m.width {
		text = fmt.Sprintf("need a %d×%d window", minWidth, minHeight)
	}
	if ansi.StringWidth(text) > m.width {
		text = "too small"
	}
	return m.styles.Notice.Render(ansi.Truncate(text, m.width, "…"))
}
