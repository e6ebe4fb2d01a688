package main

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const modulePath = "github.com/yeok/yeok"

// moduleImports reads the import lines of every non-test Go file of the module and returns,
// for each package, the packages it imports directly.
func moduleImports(t *testing.T, root string) map[string]map[string]bool {
	t.Helper()
	pkgs := map[string]map[string]bool{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := modulePath
		if rel != "." {
			pkg += "/" + filepath.ToSlash(rel)
		}
		if pkgs[pkg] == nil {
			pkgs[pkg] = map[string]bool{}
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			pkgs[pkg][p] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

// within reports whether pkg is dir or below it.
func within(pkg, dir string) bool { return pkg == dir || strings.HasPrefix(pkg, dir+"/") }

// reach lists every package of the module pkg depends on, directly or not.
func reach(pkgs map[string]map[string]bool, pkg string) map[string]bool {
	seen := map[string]bool{}
	var walk func(p string)
	walk = func(p string) {
		for imp := range pkgs[p] {
			if within(imp, modulePath) && !seen[imp] {
				seen[imp] = true
				walk(imp)
			}
		}
	}
	walk(pkg)
	return seen
}

// importRuleViolations checks the direction of imports that DESIGN.md lays out.
func importRuleViolations(pkgs map[string]map[string]bool) []string {
	var bad []string
	const (
		llmDir     = modulePath + "/llm"
		storageDir = modulePath + "/storage"
		uiDir      = modulePath + "/ui"
		modelDir   = modulePath + "/model"
		openaiDir  = modulePath + "/llm/openai"
		goOpenAI   = "github.com/sashabaranov/go-openai"
	)
	for pkg, imports := range pkgs {
		for imp := range imports {
			switch {
			case strings.HasPrefix(imp, "charm.land/"):
				bad = append(bad, pkg+" imports "+imp+" (a Bubble Tea v2 path)")
			case within(imp, goOpenAI) && pkg != openaiDir:
				bad = append(bad, pkg+" imports go-openai; only llm/openai may")
			case within(pkg, uiDir) && (imp == "net/http" || within(imp, "github.com/charmbracelet/wish") ||
				within(imp, "github.com/charmbracelet/ssh")):
				bad = append(bad, pkg+" imports "+imp)
			}
		}
		deps := reach(pkgs, pkg)
		for dep := range deps {
			switch {
			case within(pkg, modelDir) && !within(dep, modelDir):
				bad = append(bad, pkg+" depends on "+dep+"; model imports nothing of ours")
			case within(pkg, uiDir) && (within(dep, llmDir) || within(dep, storageDir)):
				bad = append(bad, pkg+" depends on "+dep+"; ui talks to the engine and the store through its interfaces")
			case within(pkg, llmDir) && within(dep, storageDir):
				bad = append(bad, pkg+" depends on "+dep+"; llm and storage never import each other")
			case within(pkg, storageDir) && within(dep, llmDir):
				bad = append(bad, pkg+" depends on "+dep+"; llm and storage never import each other")
			}
		}
	}
	return bad
}

// TestImportRules holds the rooms of DESIGN.md: ui imports neither llm, storage, wish nor
// net/http; llm and storage never import each other; only llm/openai imports go-openai;
// model imports nothing of ours.
func TestImportRules(t *testing.T) {
	pkgs := moduleImports(t, filepath.Join("..", ".."))
	if len(pkgs[modulePath+"/ui"]) == 0 || len(pkgs[modulePath+"/llm/openai"]) == 0 {
		t.Fatalf("the module's packages were not read: %d packages", len(pkgs))
	}
	for _, v := range importRuleViolations(pkgs) {
		t.Error(v)
	}
}

// TestImportRulesCatch feeds the checker graphs that break each rule, so that it is known
// to fail when one is broken.
func TestImportRulesCatch(t *testing.T) {
	m := func(p string) string { return modulePath + "/" + p }
	tests := map[string]map[string]map[string]bool{
		"ui imports llm":        {m("ui"): {m("llm"): true}, m("llm"): {m("model"): true}},
		"ui reaches storage":    {m("ui"): {m("ui/x"): true}, m("ui/x"): {m("storage"): true}},
		"ui imports net/http":   {m("ui"): {"net/http": true}},
		"ui imports wish":       {m("ui"): {"github.com/charmbracelet/wish": true}},
		"llm imports storage":   {m("llm"): {m("storage"): true}},
		"storage imports llm":   {m("storage/export"): {m("llm"): true}},
		"llm imports go-openai": {m("llm"): {"github.com/sashabaranov/go-openai": true}},
		"cmd imports go-openai": {m("cmd/yeok"): {"github.com/sashabaranov/go-openai": true}},
		"model imports ui":      {m("model"): {m("ui"): true}},
		"a Bubble Tea v2 path":  {m("ui"): {"charm.land/bubbletea/v2": true}},
	}
	for name, graph := range tests {
		if bad := importRuleViolations(graph); len(bad) == 0 {
			t.Errorf("%s: not caught", name)
		}
	}
	ok := map[string]map[string]bool{
		m("ui"):         {m("model"): true, "github.com/charmbracelet/bubbletea": true},
		m("llm/openai"): {m("llm"): true, "github.com/sashabaranov/go-openai": true},
		m("cmd/yeok"):   {m("llm"): true, m("storage"): true, m("ui"): true, "net/http": true},
	}
	if bad := importRuleViolations(ok); len(bad) != 0 {
		t.Errorf("a graph that keeps the rules was refused: %v", bad)
	}
}
