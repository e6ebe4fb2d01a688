package model

import (
	"fmt"
	"strings"
)

// Flag is a warning output hygiene puts on an entry, for a person to check: the answer
// repeats the source, is written in the wrong script, or misses a glossary term. Flags are
// stored and exported as their string values.
type Flag string

// The flags. A glossary miss is FlagGlossaryMiss followed by the term: see GlossaryMiss.
const (
	FlagEcho           Flag = "echo"
	FlagScriptMismatch Flag = "script-mismatch"
	FlagGlossaryMiss   Flag = "glossary-miss:"
)

// GlossaryMiss is the flag of a glossary term the answer did not use.
func GlossaryMiss(term string) Flag { return FlagGlossaryMiss + Flag(term) }

// MissedTerm returns the glossary term a glossary-miss flag names.
func (f Flag) MissedTerm() (string, bool) {
	t, ok := strings.CutPrefix(string(f), string(FlagGlossaryMiss))
	if !ok || strings.TrimSpace(t) == "" {
		return "", false
	}
	return t, true
}

// MissedTerms returns the glossary terms named by the glossary-miss flags among flags.
func MissedTerms(flags []Flag) []string {
	var out []string
	for _, f := range flags {
		if t, ok := f.MissedTerm(); ok {
			out = append(out, t)
		}
	}
	return out
}

// DescribeFlags words an entry's flags for a person, one warning each, except that all
// glossary misses share one warning. The words are sanitised: glossary terms come from
// people and files. to is the entry's target, named by the script warning.
func DescribeFlags(flags []Flag, to Language) []string {
	var out []string
	if missed := MissedTerms(flags); len(missed) > 0 {
		for i, t := range missed {
			missed[i] = fmt.Sprintf("%q", SanitizeLine(t))
		}
		word := "term"
		if len(missed) > 1 {
			word = "terms"
		}
		out = append(out, "glossary "+word+" "+strings.Join(missed, ", ")+" not used")
	}
	for _, f := range flags {
		switch {
		case strings.HasPrefix(string(f), string(FlagGlossaryMiss)):
		case f == FlagEcho:
			out = append(out, "the answer repeats the source")
		case f == FlagScriptMismatch:
			out = append(out, "the answer is not written in the script of "+SanitizeLine(to.String()))
		default:
			out = append(out, SanitizeLine(string(f)))
		}
	}
	return out
}
