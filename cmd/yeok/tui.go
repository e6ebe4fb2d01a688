package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/yeok/yeok/cmd/yeok/internal/follow"
	"github.com/yeok/yeok/model"
	"github.com/yeok/yeok/ui"
	"github.com/yeok/yeok/ui/screen"
)

const tuiSynopsis = "yeok [flags]   (the TUI; yeok COMMAND --help for a command)"

func runTUI(ctx context.Context, args []string, io stdio, getenv env) error {
	var f commonFlags
	fs := newFlagSet("yeok", &f)
	followPath := fs.String("follow", "", "translate each new line of a growing transcript `FILE` as it lands")
	version := fs.Bool("version", false, "print yeok's version and commit")
	pos, err := parseCommand(fs, args, io.out, tuiSynopsis)
	if errors.Is(err, errHelp) {
		fmt.Fprintln(io.out, "\ncommands:")
		for _, c := range commands() {
			if !c.hidden {
				fmt.Fprintf(io.out, "  yeok %s\n", c.synopsis)
			}
		}
	}
	if err != nil {
		return err
	}
	if *version {
		_, err := fmt.Fprintln(io.out, versionLine())
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("unknown command %q (commands: %s)", pos[0], commandNames())
	}
	if getenv("TERM") == "dumb" {
		// The TUI moves the cursor about; a dumb terminal would print every frame.
		return usageErrorf("TERM=dumb cannot show the full-screen TUI: use yeok translate TEXT, or pipe lines into yeok translate")
	}
	c, err := resolveConfig(&f, getenv)
	if err != nil {
		return err
	}
	var found strings.Builder
	c = useLocalServer(ctx, c, getenv, &found)
	st, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer st.Close()

	var tr ui.Translator
	problem := providerProblem(c)
	if problem == "" {
		p, err := newProvider(c, nil)
		if err != nil {
			return err
		}
		tr = newEngine(c, p, st)
	}
	var followLines <-chan string
	var followErrs <-chan error
	if *followPath != "" {
		if *followPath == "-" {
			return usageErrorf("--follow: the TUI reads the keyboard from stdin; use yeok follow - to follow stdin")
		}
		if followLines, followErrs, err = followFile(ctx, *followPath); err != nil {
			return err
		}
	}
	m := ui.New(ui.Config{
		Ctx:           ctx,
		Owner:         model.LocalOwner,
		Session:       model.Session{Origin: "tui", ScriptID: c.ScriptID},
		From:          c.From,
		To:            c.To,
		More:          c.Targets[1:],
		MaxTargets:    c.MaxTargets,
		ToIsDefault:   !c.ToSet,
		MaxInput:      c.MaxInput,
		Renderer:      ui.NewRenderer(io.out, termEnv(getenv)),
		Clipboard:     ui.NewClipboard(io.out, termEnv(getenv)),
		ProviderError: problem,
		Keys:          c.Keys,
		Theme:         c.Theme,
		Models:        modelLister(c),
		ModelSet:      c.ModelSet,
		Notice:        strings.TrimPrefix(strings.TrimSpace(found.String()), "yeok: "),
		Export:        exportToFolder(st, "."),
		Follow:        followLines,
		FollowName:    followName(*followPath),
	}, tr, st)
	// The screen writes a frame only when the view changed: an idle TUI schedules nothing.
	scr := screen.New(io.out, screen.DefaultFPS)
	p := scr.Program(m, tea.WithContext(ctx), tea.WithInput(io.in), tea.WithOutput(io.out))
	restore, err := screen.Local(p, io.in, io.out)
	if err != nil {
		restore()
		return fmt.Errorf("prepare the terminal: %w", err)
	}
	final, err := scr.Run(p)
	restore()
	// Entries cut short when the program ended are still being stored: wait for them
	// before the store closes.
	waitCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if fm, ok := final.(ui.Model); ok {
		_ = fm.Wait(waitCtx)
	} else {
		_ = m.Wait(waitCtx)
	}
	if err != nil && !(errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil) {
		return fmt.Errorf("run the TUI: %w", err)
	}
	if followErrs != nil {
		select {
		case err := <-followErrs:
			if err != nil {
				return err // it names the file
			}
		default:
		}
	}
	return nil
}

// followFile tails path for the TUI: each complete line, in order, as text.
func followFile(ctx context.Context, path string) (<-chan string, <-chan error, error) {
	lines, errs, err := follow.Lines(ctx, path, follow.Options{Poll: followPoll})
	if err != nil {
		return nil, nil, err
	}
	out := make(chan string)
	go func() {
		defer close(out)
		for l := range lines {
			select {
			case out <- l.Text:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, errs, nil
}

func commandNames() string {
	var names []string
	for _, c := range commands() {
		if !c.hidden {
			names = append(names, c.name)
		}
	}
	return strings.Join(names, ", ")
}

// termEnv is the part of the environment that says what the terminal can do.
func termEnv(getenv env) ui.Env {
	var e ui.Env
	for _, k := range []string{"TERM", "COLORTERM", "NO_COLOR", "TMUX", "TERM_PROGRAM"} {
		if v := getenv(k); v != "" {
			e = append(e, k+"="+v)
		}
	}
	return e
}

func followName(path string) string {
	if path == "" {
		return ""
	}
	return filepath.Base(path)
}
