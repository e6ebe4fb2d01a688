package ui

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// Styles holds every style the app draws with. Build it with DefaultStyles from the
// renderer of the terminal being drawn on (over SSH, the client's), never from the global
// lipgloss renderer.
type Styles struct {
	// Scrollback.
	SourceMark  lipgloss.Style
	Source      lipgloss.Style
	Translation lipgloss.Style
	Refusal     lipgloss.Style
	Waiting     lipgloss.Style
	Caret       lipgloss.Style
	Meta        lipgloss.Style
	MetaTag     lipgloss.Style
	MetaOK      lipgloss.Style
	MetaWarn    lipgloss.Style
	MetaErr     lipgloss.Style
	ErrorText   lipgloss.Style
	Marker      lipgloss.Style
	EmptyTitle  lipgloss.Style
	EmptyText   lipgloss.Style
	EmptyKey    lipgloss.Style

	// Input.
	InputFocused lipgloss.Style
	InputBlurred lipgloss.Style
	InputText    lipgloss.Style
	InputCursor  lipgloss.Style
	Placeholder  lipgloss.Style
	Banner       lipgloss.Style

	// Status bar.
	Brand       lipgloss.Style
	StatusBar   lipgloss.Style
	StatusModel lipgloss.Style
	StatusLangs lipgloss.Style
	StatusIdle  lipgloss.Style
	StatusBusy  lipgloss.Style
	StatusInfo  lipgloss.Style
	StatusError lipgloss.Style
	Spinner     lipgloss.Style

	// Panels (language picker, history).
	PanelTitle    lipgloss.Style
	PanelSubtitle lipgloss.Style
	PanelItem     lipgloss.Style
	PanelSelected lipgloss.Style
	PanelDim      lipgloss.Style
	PanelBadge    lipgloss.Style
	PanelError    lipgloss.Style
	Match         lipgloss.Style // the text a search matched

	Help   help.Styles
	Notice lipgloss.Style
}

// DefaultStyles builds yeok's styles on r. Under NO_COLOR (which forbids colour, not
// faint or italic) the renderer keeps its attributes and the styles drop their colours:
// what colour set apart is then faint, so the placeholder never looks like typed text.
func DefaultStyles(r *lipgloss.Renderer) Styles {
	return ThemedStyles(r, nil)
}

// ThemedStyles is DefaultStyles with the palette colours theme names replaced.
func ThemedStyles(r *lipgloss.Renderer, theme Theme) Styles {
	noColor := r.ColorProfile() != termenv.Ascii && r.Output().EnvNoColor()
	c := func(name, light, dark string) lipgloss.TerminalColor {
		if noColor {
			return lipgloss.NoColor{}
		}
		return adaptive(theme.pick(name, light, dark))
	}
	// dim is the look of secondary text: a grey, or faint without colour.
	dim := func(st lipgloss.Style) lipgloss.Style { return st.Faint(noColor) }
	var (
		accent = c("accent", "#7D56F4", "#A58BFF")
		pink   = c("pink", "#EE6FF8", "#F25D94")
		green  = c("green", "#02A367", "#04B575")
		yellow = c("yellow", "#B8860B", "#DBBD70")
		red    = c("red", "#D2304A", "#FF5F87")
		text   = c("text", "#1A1A1A", "#EEEEEE")
		subtle = c("subtle", "#8A8A8A", "#777777")
		faint  = c("faint", "#C2C2C2", "#444444")
		cream  = c("cream", "#FFFDF5", "#FFFDF5")
		// The bar's grey has no 16-colour equivalent: the nearest, black or white, is
		// drawn by each terminal theme in a grey of its own, blocks across the bar.
		barBg lipgloss.TerminalColor = backgroundOnly256(theme.pick("bar", "#EDEDED", "#262626"))
	)
	if noColor {
		barBg = lipgloss.NoColor{}
	}
	s := Styles{}
	s.SourceMark = r.NewStyle().Foreground(pink).Bold(true)
	s.Source = dim(r.NewStyle().Foreground(subtle))
	s.Translation = r.NewStyle().Foreground(text)
	s.Refusal = r.NewStyle().Foreground(yellow).Italic(true)
	s.Waiting = dim(r.NewStyle().Foreground(faint))
	s.Caret = r.NewStyle().Foreground(accent)
	s.Meta = dim(r.NewStyle().Foreground(subtle))
	s.MetaTag = r.NewStyle().Foreground(accent)
	s.MetaOK = r.NewStyle().Foreground(green)
	s.MetaWarn = r.NewStyle().Foreground(yellow)
	s.MetaErr = r.NewStyle().Foreground(red)
	s.ErrorText = r.NewStyle().Foreground(red)
	s.Marker = dim(r.NewStyle().Foreground(faint))
	s.EmptyTitle = r.NewStyle().Foreground(pink).Bold(true)
	s.EmptyText = dim(r.NewStyle().Foreground(subtle))
	s.EmptyKey = r.NewStyle().Foreground(accent)

	s.InputFocused = r.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(accent).Padding(0, 1)
	s.InputBlurred = s.InputFocused.BorderForeground(faint)
	s.Placeholder = dim(r.NewStyle().Foreground(subtle)).Italic(noColor)
	s.InputText = r.NewStyle().Foreground(text)
	s.InputCursor = r.NewStyle().Reverse(true)
	s.Banner = r.NewStyle().Foreground(yellow).Padding(0, 1)

	s.Brand = r.NewStyle().Foreground(cream).Background(pink).Bold(true).Padding(0, 1)
	s.StatusBar = r.NewStyle().Foreground(subtle).Background(barBg)
	s.StatusModel = s.StatusBar.Padding(0, 1)
	s.StatusLangs = s.StatusBar.Foreground(accent).Bold(true).Padding(0, 1)
	s.StatusIdle = s.StatusBar.Padding(0, 1)
	s.StatusBusy = s.StatusBar.Foreground(green).Padding(0, 1)
	s.StatusInfo = s.StatusBar.Foreground(green).Padding(0, 1)
	s.StatusError = s.StatusBar.Foreground(red).Padding(0, 1)
	s.Spinner = r.NewStyle().Foreground(green).Background(barBg)

	s.PanelTitle = r.NewStyle().Foreground(cream).Background(accent).Bold(true).Padding(0, 1)
	s.PanelSubtitle = dim(r.NewStyle().Foreground(subtle))
	s.PanelItem = r.NewStyle().Foreground(text)
	s.PanelSelected = r.NewStyle().Foreground(pink).Bold(true)
	s.PanelDim = dim(r.NewStyle().Foreground(subtle)).Italic(noColor)
	s.PanelBadge = r.NewStyle().Foreground(accent)
	s.PanelError = r.NewStyle().Foreground(red)
	s.Match = matchStyle(r)

	s.Help = help.Styles{
		Ellipsis:       dim(r.NewStyle().Foreground(faint)),
		ShortKey:       r.NewStyle().Foreground(subtle),
		ShortDesc:      dim(r.NewStyle().Foreground(faint)),
		ShortSeparator: dim(r.NewStyle().Foreground(faint)),
		FullKey:        r.NewStyle().Foreground(subtle),
		FullDesc:       dim(r.NewStyle().Foreground(faint)),
		FullSeparator:  dim(r.NewStyle().Foreground(faint)),
	}
	s.Notice = r.NewStyle().Foreground(yellow)
	return s
}

// adaptive is a colour for light and dark backgrounds given in hex, with its nearest
// 256-colour and 16-colour codes worked out once, here: lipgloss would otherwise convert
// the hex to the terminal's palette on every Render, which costs more than drawing the
// text itself. The codes are the ones lipgloss would pick, so the output is the same.
func adaptive(light, dark string) lipgloss.CompleteAdaptiveColor {
	return lipgloss.CompleteAdaptiveColor{Light: complete(light), Dark: complete(dark)}
}

// backgroundOnly256 is a background colour for light and dark that only 256-colour and
// true-colour terminals get; a 16-colour terminal draws no background there.
func backgroundOnly256(light, dark string) lipgloss.CompleteAdaptiveColor {
	a := adaptive(light, dark)
	a.Light.ANSI, a.Dark.ANSI = "", ""
	return a
}

// complete is hex with its codes in every colour profile.
func complete(hex string) lipgloss.CompleteColor {
	return lipgloss.CompleteColor{TrueColor: hex, ANSI256: colorCode(termenv.ANSI256.Color(hex)), ANSI: colorCode(termenv.ANSI.Color(hex))}
}

// colorCode is the palette index of a converted colour, as lipgloss.Color takes it.
func colorCode(c termenv.Color) string {
	switch c := c.(type) {
	case termenv.ANSI256Color:
		return strconv.Itoa(int(c))
	case termenv.ANSIColor:
		return strconv.Itoa(int(c))
	}
	return ""
}

// ink is a style with no layout (only colours and attributes) drawn without lipgloss:
// the escape sequences it puts before and after one line of text, found once. lipgloss
// works a style's colours out again on every Render, which is most of what drawing the
// line a stream grows costs each frame. A style ink cannot match draws through lipgloss.
type ink struct {
	style          lipgloss.Style
	before, after  string
	sequencesFound bool
}

// newInk finds the sequences style draws around a line, and checks them on a few lines.
func newInk(style lipgloss.Style) ink {
	k := ink{style: style}
	out := style.Render("x")
	i := strings.Index(out, "x")
	if i < 0 {
		return k
	}
	k.before, k.after = out[:i], out[i+1:]
	for _, probe := range []string{"", "a b", "  padded  ", "한국어 · 文字"} {
		if style.Render(probe) != k.before+probe+k.after {
			return k
		}
	}
	k.sequencesFound = true
	return k
}

// Render draws line as style.Render does.
func (k *ink) Render(line string) string {
	if !k.sequencesFound || strings.ContainsAny(line, "\n\r\t") {
		return k.style.Render(line)
	}
	return k.before + line + k.after
}

// indented draws line as indent+style.Render(line), in one allocation.
func (k *ink) indented(indent, line string) string {
	if !k.sequencesFound || strings.ContainsAny(line, "\n\r\t") {
		return indent + k.style.Render(line)
	}
	return indent + k.before + line + k.after
}
