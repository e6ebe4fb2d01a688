package main

import (
	"context"
	"fmt"
	"runtime/debug"
	"strings"
)

const versionSynopsis = "yeok version   (also yeok --version)"

func runVersion(_ context.Context, args []string, io stdio, _ env) error {
	var f commonFlags
	fs := newFlagSet("version", &f)
	pos, err := parseCommand(fs, args, io.out, versionSynopsis)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("version: unexpected argument %q (see yeok version --help)", pos[0])
	}
	_, err = fmt.Fprintln(io.out, versionLine())
	return err
}

// versionLine says which yeok this is: the module version and, for a build from a
// checkout, the commit, its time and whether the tree had changes.
func versionLine() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "yeok (unknown version)"
	}
	return describeBuild(bi)
}

func describeBuild(bi *debug.BuildInfo) string {
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	var vcs []string
	if rev := settings["vcs.revision"]; rev != "" {
		vcs = append(vcs, "commit "+rev[:min(len(rev), 12)])
	}
	if t := settings["vcs.time"]; t != "" {
		vcs = append(vcs, t)
	}
	if settings["vcs.modified"] == "true" {
		vcs = append(vcs, "with local changes")
	}
	line := "yeok " + v
	if len(vcs) > 0 {
		line += " (" + strings.Join(vcs, ", ") + ")"
	}
	return line + ", " + bi.GoVersion
}
