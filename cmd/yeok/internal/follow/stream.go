package follow

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// chunkSize is how much one read takes from a pipe or file at most.
const chunkSize = 32 << 10

// LinesFrom follows r, a pipe or other stream, sending each line on the returned channel
// in order as soon as its newline arrives. When r ends, its last unfinished line is sent
// too and the channel is closed; it is also closed when ctx ends.
//
// After the lines channel is closed, errs yields at most one error, the read error that
// ended following (never io.EOF), and is then closed: nil from it means r ended or ctx
// ended.
//
// r is read on a goroutine of its own. If r has a SetReadDeadline method (the ends of
// os.Pipe, named pipes, network connections), a read blocked when ctx ends is interrupted
// at once; otherwise that goroutine ends when its read returns. The lines channel closes
// promptly either way.
func LinesFrom(ctx context.Context, r io.Reader, opts Options) (lines <-chan Line, errs <-chan error) {
	return followStream(ctx, r, nil, "input", opts)
}

// deadliner is a reader whose blocked reads can be interrupted.
type deadliner interface {
	SetReadDeadline(t time.Time) error
}

// chunk is one read: buf[:n] holds its bytes, err is the read's error.
type chunk struct {
	buf []byte
	n   int
	err error
}

// followStream follows r, naming it name in errors. closer, when set, is closed once r is
// no longer read.
func followStream(ctx context.Context, r io.Reader, closer io.Closer, name string, opts Options) (<-chan Line, <-chan error) {
	opts = opts.withDefaults()
	lines := make(chan Line)
	errs := make(chan error, 1)
	chunks := make(chan chunk)
	// Two buffers go back and forth: one is read into while the other is split.
	free := make(chan []byte, 2)
	free <- make([]byte, chunkSize)
	free <- make([]byte, chunkSize)
	stop := context.AfterFunc(ctx, func() {
		if d, ok := r.(deadliner); ok {
			_ = d.SetReadDeadline(time.Now())
		}
	})
	go func() {
		// Once nothing reads r, there is no read left to interrupt. Stopping only here,
		// not when splitting ends, keeps a read blocked at cancellation interruptible.
		defer stop()
		readChunks(ctx, r, closer, free, chunks)
	}()
	go func() {
		snd := &sender{ctx: ctx, out: lines}
		sp := &splitter{max: opts.MaxLine}
		finish(lines, errs, splitStream(ctx, sp, snd, chunks, free, name))
	}()
	return lines, errs
}

// splitStream splits the chunks read into lines and sends them, until the stream ends
// (returning its read error, if any) or ctx ends.
func splitStream(ctx context.Context, sp *splitter, snd *sender, chunks <-chan chunk, free chan<- []byte, name string) error {
	for {
		var c chunk
		select {
		case c = <-chunks:
		case <-ctx.Done():
			return nil
		}
		if !sp.feed(c.buf[:c.n], snd.send) {
			return nil
		}
		free <- c.buf
		if c.err == nil {
			continue
		}
		if !sp.flush(snd.send) || errors.Is(c.err, io.EOF) || ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("read %s: %w", name, c.err)
	}
}

// readChunks reads r into the free buffers and hands each read on, until a read fails or
// ctx ends; the last chunk carries the read's error. It then closes closer, if set.
func readChunks(ctx context.Context, r io.Reader, closer io.Closer, free <-chan []byte, chunks chan<- chunk) {
	if closer != nil {
		defer closer.Close()
	}
	for {
		var buf []byte
		select {
		case buf = <-free:
		case <-ctx.Done():
			return
		}
		n, err := r.Read(buf)
		for n == 0 && err == nil && ctx.Err() == nil {
			n, err = r.Read(buf)
		}
		select {
		case chunks <- chunk{buf: buf, n: n, err: err}:
		case <-ctx.Done():
			return
		}
		if err != nil {
			return
		}
	}
}
