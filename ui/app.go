// Package ui is yeok's full-screen Bubble Tea app: a scrollback of translations streaming in,
// an input box, a status bar, a language picker and a list of earlier sessions.
//
// It talks to the engine and the store through the Translator and Store interfaces it
// declares, so that cmd/yeok (local terminal) and the SSH server can wire concrete types
// and tests can use fakes. All state changes happen in Update; every store call and every
// stream runs inside a tea.Cmd that derives from Config.Ctx.
package ui

import (
	"context"
	"os"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/yeok/yeok/model"
)

// Translator carries out one translation end to end: it logs the entry, streams it
// (calling emit with each event, on its own goroutine) and returns the stored entry,
// finishing it even when ctx ends. *llm.Engine implements it.
type Translator interface {
	Translate(ctx context.Context, req model.Request, emit func(model.Event)) (model.Entry, error)
	Model() string
}

// Store is what the app reads and curates of the log. *storage.Store implements it. The app
// never writes an entry itself: the Translator does.
type Store interface {
	NewSession(ctx context.Context, owner model.Owner, sess model.Session) (model.Session, error)
	// LastSession returns model.ErrNotFound when the owner has none.
	LastSession(ctx context.Context, owner model.Owner) (model.Session, error)
	Sessions(ctx context.Context, owner model.Owner, limit int) ([]model.Session, error)
	Scripts(ctx context.Context, owner model.Owner) ([]model.Script, error)
	Entries(ctx context.Context, owner model.Owner, q model.EntryQuery) ([]model.Entry, error)
	RecentLanguages(ctx context.Context, owner model.Owner) ([]model.Language, error)
	TouchLanguage(ctx context.Context, owner model.Owner, l model.Language) error
	RecentInputs(ctx context.Context, owner model.Owner, n int) ([]string, error)
	// DeleteSession and DeleteScript remove a session or a script with its entries.
	DeleteSession(ctx context.Context, owner model.Owner, id uint64) error
	DeleteScript(ctx context.Context, owner model.Owner, id string) error
	// Script returns model.ErrNotFound when the script has no record yet.
	Script(ctx context.Context, owner model.Owner, id string) (model.Script, error)
	// PutScript creates or updates a script's settings; sc.Owner must be set.
	PutScript(ctx context.Context, sc model.Script) error
	// Approve stores text as entry id's approved translation (empty: as it is).
	Approve(ctx context.Context, owner model.Owner, id uint64, text string) (model.Entry, error)
}

// Config is everything the app needs from the front door that starts it.
type Config struct {
	// Ctx is the session's context: every stream and store call derives from it.
	Ctx   context.Context
	Owner model.Owner
	// Session is the template of the session created on the first send: Origin ("tui",
	// "ssh") and, when set, ScriptID, to which every entry is then attached.
	Session model.Session
	// From and To are the starting languages; From's zero value is auto.
	From, To model.Language
	// More are further targets each line goes into with To, side by side (--to ko,ja).
	More []model.Language
	// MaxTargets caps how many targets the picker lets a person mark; 0 means
	// model.DefaultMaxTargets.
	MaxTargets int
	// ToIsDefault says To came from the locale or a built-in default rather than from the
	// person: the owner's most recent target, once read, replaces it.
	ToIsDefault bool
	// MaxInput caps one source text in bytes; 0 means model.DefaultMaxInput.
	MaxInput int
	// Renderer draws every style; over SSH it is the client's. Nil means one for os.Stdout.
	Renderer *lipgloss.Renderer
	// Clipboard copies text (an OSC 52 writer); nil means copying is not available.
	Clipboard func(text string) error
	// ProviderError, when set, says in one line that no provider is configured and what
	// to set; the app opens but does not call the translator.
	ProviderError string
	// Notice, when set, is shown in the status bar as the app opens: how the provider was
	// found, for one.
	Notice string
	// Theme replaces palette colours by name; nil keeps the built-in light and dark ones.
	Theme Theme
	// Models lists the server's models for the model picker; nil means no picker.
	Models func(ctx context.Context) ([]string, error)
	// ModelSet says the model was named by a flag or the config file: the model the owner
	// last picked does not replace it.
	ModelSet bool
	// Keys remaps keys; the zero value means DefaultKeyMap().
	Keys KeyMap
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Export writes a script (scriptID set) or a session of owner to a file in the
	// current folder and returns its path; the history browser's export key calls it.
	// Nil means exporting is not available over this front door (over SSH the file would
	// land on the server).
	Export func(ctx context.Context, owner model.Owner, scriptID string, sessionID uint64) (path string, err error)
	// Follow delivers lines to translate in order (cmd tails the file); nil = no follow
	// mode. The channel closes when following ends.
	Follow <-chan string
	// FollowName names what is followed, for the progress line.
	FollowName string
}

// historyLimit bounds how many earlier entries are shown at start and on reopening.
const historyLimit = 200

// panel is what occupies the main pane.
type panel int

const (
	panelChat     panel = iota // the scrollback
	panelPicker                // the language picker
	panelHistory               // earlier sessions and scripts
	panelGlossary              // the attached script's glossary
	panelModels                // the model picker
)

// Model is the app. It implements tea.Model.
//
// Bubble Tea copies the model on every message, so what does not change after New (the
// configuration, the keys, the styles) is held by pointer, keeping the copy small.
type Model struct {
	cfg    *Config
	tr     Translator
	st     Store
	keys   *KeyMap
	styles *Styles
	now    func() time.Time

	width, height int
	mainHeight    int // rows of the main pane
	inputHeight   int // text rows of the input box
	helpHeight    int // rows of the help
	flashHeight   int // rows of a status message too long for the status bar
	panelHeight   int // rows of a panel (picker, history, glossary)
	panel         panel
	picker        pickerModel
	history       historyModel

	input   editor
	helpAll bool // the full help shows
	spin    spinState
	sb      *scrollback

	from, to  model.Language
	more      []model.Language // further targets a line goes into with to
	focus     int              // the target of the newest line that Copy copies
	fix       *correction      // the translation the input box corrects, if any
	scriptID  string
	session   model.Session
	modelName string
	recents   []model.Language
	inputs    []string
	recall    int // index into inputs while recalling, else -1

	flight *flight
	nextID uint64
	clock  time.Time // the time at the last update, for the status bar

	flash flash
	// models is the model picker; modelChoice the model picked there, "" for the
	// translator's own.
	models      modelsModel
	modelChoice string
	writes      int  // translations the engine has not returned yet
	quitting    bool // quit once writes reach zero
	// quitAsked: Quit was pressed with unsent text in the box, and the next key was not
	// pressed yet; Quit again leaves.
	quitAsked bool

	follow followState   // follow mode's queue and counts
	gloss  glossaryModel // the glossary panel
	late   *lateWrites   // store writes in progress, for Wait
	vc     *viewCache    // drawn parts of the screen, kept between frames
}

// New builds the app. tr may be nil when cfg.ProviderError says why.
func New(cfg Config, tr Translator, st Store) Model {
	if cfg.Ctx == nil {
		panic("ui.New: Config.Ctx is nil")
	}
	if cfg.Renderer == nil {
		cfg.Renderer = lipgloss.NewRenderer(os.Stdout)
	}
	// Resolve the background colour now, before the program reads the terminal: asked
	// later (on the first adaptive colour drawn), the terminal's answer would arrive as
	// keystrokes and the first frame would wait for the query to time out.
	cfg.Renderer.HasDarkBackground()
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxInput <= 0 {
		cfg.MaxInput = model.DefaultMaxInput
	}
	keys := cfg.Keys
	if keys.isZero() {
		keys = DefaultKeyMap()
	}
	if len(keys.Edit.Left.Keys()) == 0 {
		keys.Edit = DefaultEditKeyMap()
	}
	keys.defaultBrowserKeys()
	if len(keys.Glossary.Keys()) == 0 {
		keys.Glossary = DefaultKeyMap().Glossary
	}
	if len(keys.Focus.Keys()) == 0 {
		keys.Focus = DefaultKeyMap().Focus
	}
	if len(keys.Mark.Keys()) == 0 {
		keys.Mark = DefaultKeyMap().Mark
	}
	if len(keys.Approve.Keys()) == 0 {
		keys.Approve, keys.Correct = DefaultKeyMap().Approve, DefaultKeyMap().Correct
	}
	if cfg.To.IsAuto() {
		cfg.To = "en"
	}
	styles := ThemedStyles(cfg.Renderer, cfg.Theme)
	m := Model{
		cfg: &cfg, tr: tr, st: st, keys: &keys, styles: &styles, now: cfg.Now,
		from: cfg.From, to: cfg.To, more: cfg.More, scriptID: cfg.Session.ScriptID,
		recall: -1, clock: cfg.Now(), late: &lateWrites{}, vc: newViewCache(),
	}
	m.modelName = "no model"
	if tr != nil {
		if name := model.SanitizeLine(tr.Model()); name != "" {
			m.modelName = name
		}
	}
	m.sb = newScrollback(m.look())
	m.input = newInput(&keys, &styles)
	return m
}

func (m Model) look() look { return look{st: m.styles, keys: m.keys} }

// Init loads the transcript to show, the recent languages and earlier inputs, and starts
// taking followed lines.
func (m Model) Init() tea.Cmd {
	ctx, owner := m.cfg.Ctx, m.cfg.Owner
	return tea.Batch(
		loadTranscriptCmd(ctx, m.st, owner, m.scriptID),
		loadRecentsCmd(ctx, m.st, owner),
		loadInputsCmd(ctx, m.st, owner),
		readFollowCmd(ctx, m.cfg.Follow),
		noticeCmd(m.cfg.Notice),
		m.loadPickedModelCmd(),
	)
}

// Update handles one message.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	m.clock = m.now()
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
		return m, nil
	case tea.KeyMsg:
		return m.handleKey(msg)
	case tea.MouseMsg:
		return m.handleMouse(msg), nil
	case noticeMsg:
		return m, m.setFlash(string(msg), false)
	case modelsLoadedMsg:
		return m.applyModelsLoaded(msg), nil
	case pickedModelMsg:
		return m.applyPickedModel(msg)
	case spinTickMsg:
		return m.applySpinTick(msg)
	}
	next, cmd, _ := m.handleResult(msg)
	return next, cmd
}

// handleResult applies the messages the app's own commands return.
func (m Model) handleResult(msg tea.Msg) (Model, tea.Cmd, bool) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case transcriptMsg:
		m, cmd = m.applyTranscript(msg)
	case recentsMsg:
		m, cmd = m.applyRecents(msg)
	case inputsMsg:
		m, cmd = m.applyInputs(msg)
	case frameMsg:
		m, cmd = m.applyFrame(msg)
	case sessionMsg:
		m, cmd = m.applySession(msg)
	case translatedMsg:
		m, cmd = m.applyTranslated(msg)
	case copiedMsg:
		m, cmd = m.applyCopied(msg)
	case approvedMsg:
		m, cmd = m.applyApproved(msg)
	case touchedMsg:
		if msg.err != nil {
			cmd = m.setFlash("could not save recent languages: "+msg.err.Error(), true)
		}
	case flashClearMsg:
		if msg.seq == m.flash.seq {
			m.flash.text = ""
			m.layout()
		}
	case browserMsg:
		m, cmd = m.applyBrowser(msg)
	case quitNowMsg:
		return m, tea.Quit, true
	default:
		return m.handleMoreResults(msg)
	}
	return m, cmd, true
}

// layout sizes every part for the terminal and the input's height.
func (m *Model) layout() {
	if m.width <= 0 || m.height <= 0 {
		return
	}
	// One cell short of the box: a row of text of uncertain width narrows the box by one.
	m.input.width = max(m.width-5, 1)
	fixed := 2 + 1 // the input's border and the status bar
	if m.cfg.ProviderError != "" {
		fixed++
	}
	// The follow progress line gives way first on a terminal too short for it.
	m.follow.shown = m.following() && m.height-fixed >= 3
	if m.follow.shown {
		fixed++
	}
	// A long status message takes rows of its own while the terminal has them to spare.
	m.flashHeight = min(len(m.flashLines()), maxFlashRows, max(m.height-fixed-3, 0))
	fixed += m.flashHeight
	// The help and the input shrink before the layout can overflow a short terminal.
	m.helpHeight = min(len(m.helpLines()), max(m.height-fixed-1, 1))
	m.inputHeight = min(m.input.rowCount(), maxInputRows, max(m.height-fixed-m.helpHeight, 1))
	m.mainHeight = max(m.height-fixed-m.helpHeight-m.inputHeight, 0)
	// A panel has its own filter line; on a short terminal it takes the input box's rows
	// too, so that its list keeps some.
	m.panelHeight = m.mainHeight
	if m.mainHeight < roomyPanel {
		m.panelHeight += m.inputHeight + 2
	}
	m.sb.setSize(m.width, m.mainHeight)
	m.picker.setSize(m.width, m.panelHeight)
	m.history.setSize(m.width, m.panelHeight)
	m.gloss.setSize(m.width, m.panelHeight)
}

// roomyPanel is the height from which a panel leaves the input box on screen below it.
const roomyPanel = 10

// tooSmall reports a terminal in which the layout cannot be drawn.
func (m Model) tooSmall() bool { return m.width < minWidth || m.height < minHeight }

// The smallest terminal the layout is drawn in; below it a one-line notice shows.
const (
	minWidth  = 20
	minHeight = 8
)
