package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/yeok/yeok/model"
	"github.com/yeok/yeok/ui"
)

const tuiSynopsis = "yeok [flags]   (the TUI; commands: translate, history, export, db, serve)"

func runTUI(ctx context.Context, args []string, io stdio, getenv env) error {
	var f commonFlags
	fs := newFlagSet("yeok")
	f.bind(fs)
	pos, err := parseInterspersed(fs, args)
	if err == errHelp {
		printUsage(io.out, fs, tuiSynopsis)
		fmt.Fprintln(io.out, "\ncommands:")
		for _, c := range commands() {
			fmt.Fprintf(io.out, "  yeok %s\n", c.synopsis)
		}
		return err
	}
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("unknown command %q (commands: %s)", pos[0], commandNames())
	}
	c, err := resolveConfig(&f, getenv)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer st.Close()

	var tr ui.Translator
	problem := providerProblem(c)
	if problem == "" {
		eng, err := newEngine(c, nil)
		if err != nil {
			return err
		}
		tr = eng
	}
	m := ui.New(ui.Config{
		Ctx:           ctx,
		Owner:         model.LocalOwner,
		Session:       model.Session{Origin: "tui", ScriptID: c.ScriptID},
		From:          c.From,
		To:            c.To,
		MaxInput:      c.MaxInput,
		Renderer:      newRenderer(io.out, getenv),
		Clipboard:     osc52Writer(io.out, getenv),
		ProviderError: problem,
	}, tr, st)
	p := tea.NewProgram(m, tea.WithContext(ctx), tea.WithInput(io.in), tea.WithOutput(io.out),
		tea.WithAltScreen(), tea.WithMouseCellMotion())
	if _, err := p.Run(); err != nil && !(errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil) {
		return fmt.Errorf("run the TUI: %w", err)
	}
	return nil
}

func commandNames() string {
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	return strings.Join(names, ", ")
}

// newRenderer builds the styles' renderer for w, honouring NO_COLOR.
func newRenderer(w io.Writer, getenv env) *lipgloss.Renderer {
	r := lipgloss.NewRenderer(w)
	if getenv("NO_COLOR") != "" {
		r.SetColorProfile(termenv.Ascii)
	}
	return r
}
