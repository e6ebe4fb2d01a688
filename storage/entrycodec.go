package storage

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yeok/yeok/model"
)

// An entry is stored in a compact binary form, under half its JSON: the version byte
// entryFormat, a bit set of the optional fields present (entryField), then the fields in a
// fixed order, numbers as varints, strings as a uvarint length and their UTF-8 bytes,
// status and finish reason as small codes. Texts are stored as they are, never escaped or
// compressed, so that search can look for a query in the stored bytes before decoding
// them (see matcher); a translation, cleaned or approved text equal to an earlier text of
// the entry is stored once, the later one as a reference to it. Entries written before the
// format are JSON, which starts with '{', and are read as before; Compact rewrites them.
//
//	entryFormat  byte
//	fields       uvarint, the entryField bits
//	id           uvarint
//	status       uvarint entryStatuses index; 0: a string follows
//	to           string
//	session      uvarint                      fieldSession
//	created      time                         fieldCreated
//	finished     time after created           fieldFinished
//	model        string                       fieldModel
//	source       string
//	translation  text (source)
//	finish       uvarint finishReasons index; 0: a string follows   fieldFinish
//	usage        3 varints                    fieldUsage
//	ttft, took   2 varints                    fieldTimings
//	script       string                       fieldScript
//	from         string                       fieldFrom
//	clean        text (source, translation)   fieldClean
//	approved     text (source, translation, clean)   fieldApproved
//	approved at  time after created           fieldApprovedAt
//	refusal      string                       fieldRefusal
//	error        string                       fieldError
//	error class  string                       fieldErrorClass
//	flags        uvarint count, strings       fieldFlags
//	cue          2 varints                    fieldCue
//	group        uvarint                      fieldGroup
//	memory       uvarint                      fieldMemory
//	reserve      uvarint n, n zero bytes      fieldReserve
//
// A time is a varint of seconds (after created's seconds, for the later times), a uvarint
// of nanoseconds and a varint of the zone offset in seconds. A text is a uvarint: 0 for
// the empty text, 1 to 3 for the same text as the source, translation or cleaned text, n+4
// for n bytes that follow. Strings are kept valid UTF-8, invalid bytes turned into U+FFFD
// as the JSON form did. The reserve is room a pending entry keeps for its answer (see
// pendingReserve), read and dropped. The codes below are part of the format: add to their
// ends only.
const entryFormat byte = 1

// entryField is a bit of the set of optional fields an entry value holds. The fields most
// entries have come first, so their set fits in one byte.
type entryField uint64

const (
	fieldSession entryField = 1 << iota
	fieldCreated
	fieldFinished
	fieldModel
	fieldFinish
	fieldUsage
	fieldTimings
	fieldScript
	fieldFrom
	fieldClean
	fieldApproved
	fieldApprovedAt
	fieldRefusal
	fieldError
	fieldErrorClass
	fieldFlags
	fieldCue
	fieldGroup
	fieldMemory
	fieldReserve

	fieldsKnown = fieldReserve<<1 - 1
)

// entryStatuses are the status codes; 0 says the status is spelled out.
var entryStatuses = [...]string{"", string(model.StatusPending), string(model.StatusDone),
	string(model.StatusCancelled), string(model.StatusInterrupted), string(model.StatusFailed),
	string(model.StatusTruncated), string(model.StatusRefused)}

// finishReasons are the finish reason codes; 0 says the reason is spelled out.
var finishReasons = [...]string{"", "stop", "length", "content_filter"}

// Text references: a text equal to an earlier one of the entry.
const (
	textEmpty = iota
	textSource
	textTranslation
	textClean
	textInline // and up: the text's length plus textInline, then its bytes
)

// isJSON reports whether a stored value is in the JSON form.
func isJSON(v []byte) bool { return len(v) > 0 && v[0] == '{' }

// encodeEntry appends e's binary form to dst.
func encodeEntry(dst []byte, e model.Entry) []byte { return encodeReserving(dst, e, 0) }

// encodeReserving appends e's binary form to dst with reserve zero bytes of room.
func encodeReserving(dst []byte, e model.Entry, reserve int) []byte {
	w := entryWriter(dst)
	var set entryField
	for _, f := range [...]struct {
		field entryField
		has   bool
	}{
		{fieldSession, e.SessionID != 0},
		{fieldCreated, !e.Created.IsZero()},
		{fieldFinished, !e.Finished.IsZero()},
		{fieldModel, e.Model != ""},
		{fieldFinish, e.Finish != ""},
		{fieldUsage, e.Usage != model.Usage{}},
		{fieldTimings, e.FirstToken != 0 || e.Duration != 0},
		{fieldScript, e.ScriptID != ""},
		{fieldFrom, e.From != ""},
		{fieldClean, e.Clean != ""},
		{fieldApproved, e.Approved != ""},
		{fieldApprovedAt, !e.ApprovedAt.IsZero()},
		{fieldRefusal, e.Refusal != ""},
		{fieldError, e.Error != ""},
		{fieldErrorClass, e.ErrorClass != ""},
		{fieldFlags, len(e.Flags) > 0},
		{fieldCue, e.Cue != nil},
		{fieldGroup, e.Group != 0},
		{fieldMemory, e.Memory != 0},
		{fieldReserve, reserve > 0},
	} {
		if f.has {
			set |= f.field
		}
	}
	w = append(w, entryFormat)
	w.uvarint(uint64(set))
	w.uvarint(e.ID)
	w.code(string(e.Status), entryStatuses[:])
	w.str(string(e.To))
	if set&fieldSession != 0 {
		w.uvarint(e.SessionID)
	}
	var base int64
	if set&fieldCreated != 0 {
		w.time(e.Created, 0)
		base = e.Created.Unix()
	}
	if set&fieldFinished != 0 {
		w.time(e.Finished, base)
	}
	if set&fieldModel != 0 {
		w.str(e.Model)
	}
	source := validUTF8(e.Source)
	w.str(source)
	text := validUTF8(e.Text)
	w.text(text, source)
	if set&fieldFinish != 0 {
		w.code(e.Finish, finishReasons[:])
	}
	if set&fieldUsage != 0 {
		w.varint(int64(e.Usage.PromptTokens))
		w.varint(int64(e.Usage.CompletionTokens))
		w.varint(int64(e.Usage.TotalTokens))
	}
	if set&fieldTimings != 0 {
		w.varint(int64(e.FirstToken))
		w.varint(int64(e.Duration))
	}
	if set&fieldScript != 0 {
		w.str(e.ScriptID)
	}
	if set&fieldFrom != 0 {
		w.str(string(e.From))
	}
	clean := validUTF8(e.Clean)
	if set&fieldClean != 0 {
		w.text(clean, source, text)
	}
	if set&fieldApproved != 0 {
		w.text(validUTF8(e.Approved), source, text, clean)
	}
	if set&fieldApprovedAt != 0 {
		w.time(e.ApprovedAt, base)
	}
	for _, f := range [...]struct {
		field entryField
		s     string
	}{{fieldRefusal, e.Refusal}, {fieldError, e.Error}, {fieldErrorClass, string(e.ErrorClass)}} {
		if set&f.field != 0 {
			w.str(f.s)
		}
	}
	if set&fieldFlags != 0 {
		w.uvarint(uint64(len(e.Flags)))
		for _, f := range e.Flags {
			w.str(string(f))
		}
	}
	if set&fieldCue != 0 {
		w.varint(int64(e.Cue.Start))
		w.varint(int64(e.Cue.End))
	}
	if set&fieldGroup != 0 {
		w.uvarint(e.Group)
	}
	if set&fieldMemory != 0 {
		w.uvarint(e.Memory)
	}
	if set&fieldReserve != 0 {
		w.uvarint(uint64(reserve))
		w = append(w, make([]byte, reserve)...)
	}
	return w
}

// errEntryFormat is the cause of an entry value that is not in a form this yeok reads.
var errEntryFormat = errors.New("not an entry this yeok can read")

// decodeEntry decodes an entry value in either form into e. A binary value must be read to
// its last byte with every field valid, so that a stray value (as Salvage meets in pages
// it scans) is not taken for an entry.
func decodeEntry(v []byte, e *model.Entry) error {
	if isJSON(v) {
		*e = model.Entry{}
		return decodeJSON(v, e)
	}
	r := entryReader{b: v}
	if r.byte() != entryFormat {
		return &corruptError{cause: fmt.Errorf("decode entry: %w", errEntryFormat)}
	}
	set := entryField(r.uvarint())
	if set&^fieldsKnown != 0 {
		r.fail()
	}
	*e = model.Entry{ID: r.uvarint(), Status: model.Status(r.code(entryStatuses[:])), To: model.Language(r.str())}
	if set&fieldSession != 0 {
		e.SessionID = r.uvarint()
	}
	var base int64
	if set&fieldCreated != 0 {
		e.Created = r.time(0)
		base = e.Created.Unix()
	}
	if set&fieldFinished != 0 {
		e.Finished = r.time(base)
	}
	if set&fieldModel != 0 {
		e.Model = r.str()
	}
	e.Source = r.str()
	e.Text = r.text(e.Source)
	if set&fieldFinish != 0 {
		e.Finish = r.code(finishReasons[:])
	}
	if set&fieldUsage != 0 {
		e.Usage = model.Usage{PromptTokens: int(r.varint()), CompletionTokens: int(r.varint()), TotalTokens: int(r.varint())}
	}
	if set&fieldTimings != 0 {
		e.FirstToken, e.Duration = time.Duration(r.varint()), time.Duration(r.varint())
	}
	if set&fieldScript != 0 {
		e.ScriptID = r.str()
	}
	if set&fieldFrom != 0 {
		e.From = model.Language(r.str())
	}
	if set&fieldClean != 0 {
		e.Clean = r.text(e.Source, e.Text)
	}
	if set&fieldApproved != 0 {
		e.Approved = r.text(e.Source, e.Text, e.Clean)
	}
	if set&fieldApprovedAt != 0 {
		e.ApprovedAt = r.time(base)
	}
	if set&fieldRefusal != 0 {
		e.Refusal = r.str()
	}
	if set&fieldError != 0 {
		e.Error = r.str()
	}
	if set&fieldErrorClass != 0 {
		e.ErrorClass = model.ErrorClass(r.str())
	}
	if set&fieldFlags != 0 {
		n := r.uvarint()
		if n == 0 || n > uint64(len(r.b)) {
			r.fail()
			n = 0
		}
		e.Flags = make([]model.Flag, n)
		for i := range e.Flags {
			e.Flags[i] = model.Flag(r.str())
		}
	}
	if set&fieldCue != 0 {
		e.Cue = &model.Cue{Start: time.Duration(r.varint()), End: time.Duration(r.varint())}
	}
	if set&fieldGroup != 0 {
		e.Group = r.uvarint()
	}
	if set&fieldMemory != 0 {
		e.Memory = r.uvarint()
	}
	if set&fieldReserve != 0 {
		if room := r.next(r.uvarint()); len(room) == 0 || strings.Trim(string(room), "\x00") != "" {
			r.fail()
		}
	}
	if r.bad || len(r.b) != 0 || e.Status == "" {
		*e = model.Entry{}
		return &corruptError{cause: fmt.Errorf("decode entry: %w", errEntryFormat)}
	}
	return nil
}

// entryTexts returns the source, translation, cleaned and approved text of a binary entry
// value as slices of it, without decoding its other fields, for a search to match before it
// decodes; ok is false for a JSON value and for one whose fields up to the texts do not
// read or whose texts are not valid UTF-8 (decodeEntry then says why).
func entryTexts(v []byte) (texts [4][]byte, ok bool) {
	if len(v) == 0 || v[0] != entryFormat {
		return texts, false
	}
	r := entryReader{b: v[1:]}
	set := entryField(r.uvarint())
	if set&^fieldsKnown != 0 {
		return texts, false
	}
	r.uvarint() // id
	r.skipCode()
	r.skipStr() // to
	if set&fieldSession != 0 {
		r.uvarint()
	}
	for _, f := range [...]entryField{fieldCreated, fieldFinished} {
		if set&f != 0 {
			r.varint()
			r.uvarint()
			r.varint()
		}
	}
	if set&fieldModel != 0 {
		r.skipStr()
	}
	texts[0] = r.next(r.uvarint())
	texts[1] = r.textBytes(texts[:1])
	if set&fieldFinish != 0 {
		r.skipCode()
	}
	if set&fieldUsage != 0 {
		r.varint()
		r.varint()
		r.varint()
	}
	if set&fieldTimings != 0 {
		r.varint()
		r.varint()
	}
	if set&fieldScript != 0 {
		r.skipStr()
	}
	if set&fieldFrom != 0 {
		r.skipStr()
	}
	if set&fieldClean != 0 {
		texts[2] = r.textBytes(texts[:2])
	}
	if set&fieldApproved != 0 {
		texts[3] = r.textBytes(texts[:3])
	}
	if r.bad {
		return texts, false
	}
	for _, t := range texts {
		if !utf8.Valid(t) {
			return texts, false
		}
	}
	return texts, true
}

// peekEntry reads the target language of a binary entry value and whether it holds an
// approved text, without decoding its texts; ok is false for a JSON value or one that
// does not read.
func peekEntry(v []byte) (to []byte, approved, ok bool) {
	if len(v) == 0 || v[0] != entryFormat {
		return nil, false, false
	}
	r := entryReader{b: v[1:]}
	set := entryField(r.uvarint())
	r.uvarint()
	r.code(entryStatuses[:])
	to = r.next(r.uvarint())
	return to, set&fieldApproved != 0, !r.bad
}

// entryMayBeApproved reports whether an entry value may hold an approved text, without
// decoding it.
func entryMayBeApproved(v []byte) bool {
	if isJSON(v) {
		return bytes.Contains(v, []byte(`"approved":`))
	}
	_, approved, ok := peekEntry(v)
	return approved || !ok
}

// entryMayBeInto reports whether an entry value may be a translation into to, without
// decoding it.
func entryMayBeInto(v []byte, to model.Language) bool {
	if isJSON(v) {
		return bytes.Contains(v, []byte(`"to":"`+string(to)+`"`))
	}
	got, _, ok := peekEntry(v)
	return string(got) == string(to) || !ok
}
