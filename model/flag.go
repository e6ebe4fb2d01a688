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
	// FlagReasoningOnly: the model sent only its reasoning (a <think> block), no translation.
	FlagReasoningOnly Flag = "reasoning-only"
	// FlagVariantMismatch: a Chinese answer in Simplified characters for a Traditional
	// target, or the reverse.
	FlagVariantMismatch Flag = "variant-mismatch"
	// FlagDelimiterEcho: the answer repeated the tags the source was sent between; they
	// were removed.
	FlagDelimiterEcho Flag = "delimiter-echo"
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
		case f == FlagReasoningOnly:
			out = append(out, "the model sent only its reasoning, no translation")
		case f == FlagVariantMismatch:
			out = append(out, variantWords(to))
		case f == FlagDelimiterEcho:
			out = append(out, "the answer repeated the tags around the source; they were removed")
		default:
			out = append(out, SanitizeLine(string(f)))
		}
	}
	return out
}

// variantWords says which Chinese characters a variant-mismatch answer used for to.
func variantWords(to Language) string {
	want, got := "Traditional", "Simplified"
	if s, _ := to.Tag().Script(); s.String() == "Hans" {
		want, got = got, want
	}
	return "the answer is written in " + got + " Chinese characters, not the " + want + " ones of " + SanitizeLine(to.String())
}

// The tags that wrap a reasoning model's reasoning when a server puts it in the answer.
const (
	ReasoningOpen  = "<think>"
	ReasoningClose = "</think>"
)

// Reasoning is where the start of an answer stands with respect to a reasoning block.
type Reasoning int

// The states of SplitReasoning.
const (
	// NoReasoning: the answer does not start with a reasoning block.
	NoReasoning Reasoning = iota
	// MaybeReasoning: the answer so far is white space and the start of ReasoningOpen (or
	// nothing): too soon to tell.
	MaybeReasoning
	// InReasoning: the answer starts with a reasoning block not closed yet; all of it so
	// far is reasoning.
	InReasoning
	// AfterReasoning: the answer starts with a closed reasoning block; the answer follows.
	AfterReasoning
)

// SplitReasoning splits the reasoning block a model's answer starts with, if any, from the
// answer after it: answer is text without the block and the white space that follows it,
// "" while the block is open or the start is undecided, and text itself when there is no
// block. Reasoning models served through Ollama or vLLM (DeepSeek-R1, Qwen3) send their
// reasoning in the answer this way; it is never shown, copied or kept as the translation.
func SplitReasoning(text string) (answer string, r Reasoning) {
	t := strings.TrimLeft(text, " \t\r\n")
	switch {
	case strings.HasPrefix(t, ReasoningOpen):
		end := strings.Index(t[len(ReasoningOpen):], ReasoningClose)
		if end < 0 {
			return "", InReasoning
		}
		return strings.TrimLeft(t[len(ReasoningOpen)+end+len(ReasoningClose):], " \t\r\n"), AfterReasoning
	case strings.HasPrefix(ReasoningOpen, t):
		return "", MaybeReasoning
	}
	return text, NoReasoning
}
