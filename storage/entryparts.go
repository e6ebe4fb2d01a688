package storage

import (
	"encoding/binary"
	"time"
	"unicode/utf8"
)

// The parts an entry's binary form is made of (see encodeEntry).

// validUTF8 returns s with each byte that is not part of valid UTF-8 replaced by U+FFFD,
// as encoding/json writes it.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	b := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		b = utf8.AppendRune(b, r) // an invalid byte decodes as U+FFFD of size 1
		i += size
	}
	return string(b)
}

// entryWriter appends the parts of an entry value.
type entryWriter []byte

func (w *entryWriter) uvarint(n uint64) { *w = binary.AppendUvarint(*w, n) }
func (w *entryWriter) varint(n int64)   { *w = binary.AppendVarint(*w, n) }

func (w *entryWriter) str(s string) {
	s = validUTF8(s)
	w.uvarint(uint64(len(s)))
	*w = append(*w, s...)
}

// code writes s as its index in codes, or as 0 and s when it has none.
func (w *entryWriter) code(s string, codes []string) {
	for i, c := range codes[1:] {
		if s == c {
			w.uvarint(uint64(i + 1))
			return
		}
	}
	w.uvarint(0)
	w.str(s)
}

// text writes s, already valid UTF-8, as a reference to the first of earlier (the source,
// translation and cleaned text, in that order) it equals, or in full.
func (w *entryWriter) text(s string, earlier ...string) {
	if s == "" {
		w.uvarint(textEmpty)
		return
	}
	for i, t := range earlier {
		if s == t {
			w.uvarint(uint64(textSource + i))
			return
		}
	}
	w.uvarint(uint64(len(s)) + textInline)
	*w = append(*w, s...)
}

// time writes t's seconds after base, nanoseconds and zone offset.
func (w *entryWriter) time(t time.Time, base int64) {
	_, offset := t.Zone()
	w.varint(t.Unix() - base)
	w.uvarint(uint64(t.Nanosecond()))
	w.varint(int64(offset))
}

// entryReader reads the parts of an entry value; after the first part that does not read
// it sets bad and reads nothing more.
type entryReader struct {
	b   []byte
	bad bool
}

func (r *entryReader) fail() { r.bad, r.b = true, nil }

func (r *entryReader) byte() byte {
	if len(r.b) == 0 {
		r.fail()
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *entryReader) uvarint() uint64 {
	n, size := binary.Uvarint(r.b)
	if size <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[size:]
	return n
}

func (r *entryReader) varint() int64 {
	n, size := binary.Varint(r.b)
	if size <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[size:]
	return n
}

// next returns the next n bytes.
func (r *entryReader) next(n uint64) []byte {
	if n > uint64(len(r.b)) {
		r.fail()
		return nil
	}
	b := r.b[:n]
	r.b = r.b[n:]
	return b
}

// str reads a string, which must be valid UTF-8.
func (r *entryReader) str() string {
	b := r.next(r.uvarint())
	if !utf8.Valid(b) {
		r.fail()
		return ""
	}
	return string(b)
}

// code reads a string written by entryWriter.code; a code out of range does not read.
func (r *entryReader) code(codes []string) string {
	i := r.uvarint()
	switch {
	case i == 0:
		return r.str()
	case i < uint64(len(codes)):
		return codes[i]
	}
	r.fail()
	return ""
}

// text reads a text written by entryWriter.text with the same earlier texts.
func (r *entryReader) text(earlier ...string) string {
	n := r.uvarint()
	switch {
	case n == textEmpty:
		return ""
	case n < textInline && int(n-textSource) < len(earlier):
		return earlier[n-textSource]
	case n < textInline:
		r.fail()
		return ""
	}
	b := r.next(n - textInline)
	if !utf8.Valid(b) {
		r.fail()
		return ""
	}
	return string(b)
}

// skipStr skips a string.
func (r *entryReader) skipStr() { r.next(r.uvarint()) }

// skipCode skips what entryWriter.code wrote.
func (r *entryReader) skipCode() {
	if r.uvarint() == 0 {
		r.skipStr()
	}
}

// textBytes is text returning the bytes in the value, unchecked, or the earlier text.
func (r *entryReader) textBytes(earlier [][]byte) []byte {
	n := r.uvarint()
	switch {
	case n == textEmpty:
		return nil
	case n < textInline && int(n-textSource) < len(earlier):
		return earlier[n-textSource]
	case n < textInline:
		r.fail()
		return nil
	}
	return r.next(n - textInline)
}

// time reads a time written by entryWriter.time with the same base. Its zone is UTC for an
// offset of zero, the local zone when that has the offset at the time, else a fixed zone:
// what decoding the JSON form gives.
func (r *entryReader) time(base int64) time.Time {
	sec, nsec, offset := r.varint(), r.uvarint(), r.varint()
	if nsec >= uint64(time.Second) || offset != int64(int32(offset)) {
		r.fail()
		return time.Time{}
	}
	t := time.Unix(base+sec, int64(nsec))
	if offset == 0 {
		return t.UTC()
	}
	if local := t.In(time.Local); zoneOffset(local) == int(offset) {
		return local
	}
	return t.In(time.FixedZone("", int(offset)))
}

func zoneOffset(t time.Time) int {
	_, offset := t.Zone()
	return offset
}
