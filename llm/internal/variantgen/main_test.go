package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestTableIsCurrent regenerates the tables from the checked-in OpenCC files and compares
// them with llm/variants_table.go.
func TestTableIsCurrent(t *testing.T) {
	out := filepath.Join(t.TempDir(), "variants_table.go")
	cmd := exec.Command("go", "run", ".", "-st", "../../opencc/STCharacters.txt", "-ts", "../../opencc/TSCharacters.txt", "-o", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("variantgen: %v\n%s", err, b)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../../variants_table.go")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatal("llm/variants_table.go is not what go generate ./llm writes from llm/opencc: run it")
	}
}
