package main

import (
	"io"

	"github.com/aymanbagabas/go-osc52/v2"
)

// osc52Writer copies text to the clipboard of the terminal behind w with OSC 52, which
// works over SSH; inside tmux the sequence is wrapped so tmux passes it through.
func osc52Writer(w io.Writer, getenv env) func(string) error {
	inTmux := getenv("TMUX") != ""
	return func(text string) error {
		seq := osc52.New(text)
		if inTmux {
			seq = seq.Tmux()
		}
		_, err := seq.WriteTo(w)
		return err
	}
}
