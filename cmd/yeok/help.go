package main

import (
	"fmt"
	"io"
)

// commandExamples are the examples a command's --help ends with; "" is the TUI.
func commandExamples(name string) []string {
	switch name {
	case "":
		return []string{
			"yeok --to ko                      # the TUI, translating into Korean",
			"yeok --to ko,ja                   # each line into Korean and Japanese at once",
			"yeok --script lecture-01 --to ja  # log every line under a script",
			"yeok --follow live.txt --to en    # translate a growing transcript in the TUI",
		}
	case "translate":
		return []string{
			"yeok translate --to ko \"Where is the station?\"",
			"git log -1 --format=%B | yeok translate --to ja",
			"yeok translate --lines --to ko --script talk talk.srt",
			"yeok translate --to ko-KR,ja-JP,zh-Hant \"Good morning\"   # three targets, each labelled",
			"yeok translate --lines --batch 20 --to ko --script talk talk.srt   # 20 numbered lines a request",
			"yeok translate --lines --resume --to ko --script talk talk.srt     # go on after a stop",
			"yeok translate --script talk --retranslate --only failed,flagged   # send those lines again",
		}
	case "history":
		return []string{
			"yeok history --limit 5",
			"yeok history --script lecture-01 --json",
			"yeok history --scripts",
		}
	case "approve":
		return []string{
			"yeok approve 12                       # the translation of entry #12, as it is",
			"yeok approve 12 --text \"좋은 아침입니다.\"",
			"echo '좋은 아침입니다.' | yeok approve 12 --text -",
		}
	case "follow":
		return []string{
			"yeok follow --to en live.txt",
			"tail -f chat.log | yeok follow --to ko -",
		}
	case "export":
		return []string{
			"yeok export --script lecture-01 > lecture-01.md",
			"yeok export --script talk --format srt -o talk.ko.srt",
			"yeok export --script talk --format srt -o talk.srt   # several targets: talk.ko.srt, talk.ja.srt",
			"yeok export --session 3 --format jsonl",
		}
	case "db":
		return []string{
			"yeok db check",
			"yeok db check --salvage rescued.db",
			"yeok --db other.db db compact",
			"yeok db copy --to postgres://yeok@db.internal/yeok   # the default file into PostgreSQL",
			"yeok db copy --from postgres://yeok@db.internal/yeok --to back.db",
		}
	case "glossary":
		return []string{
			"yeok glossary --script lecture-01 set \"attention=어텐션\"",
			"yeok glossary --script lecture-01 import terms.tsv",
			"yeok glossary --script lecture-01 list",
		}
	case "serve":
		return []string{
			"yeok serve --ssh --authorized-keys ~/.ssh/authorized_keys",
			"yeok serve --http 127.0.0.1:8080 --token alice=s3cret",
			"yeok serve --ssh :2222 --http :8080 --log yeok.log",
		}
	case "completion":
		return []string{
			"source <(yeok completion bash)",
			"yeok completion zsh > \"${fpath[1]}/_yeok\"",
			"yeok completion fish | source",
		}
	case "version":
		return []string{"yeok version", "yeok --version"}
	}
	return nil
}

// printExamples ends a command's --help with its examples.
func printExamples(w io.Writer, name string) {
	ex := commandExamples(name)
	if len(ex) == 0 {
		return
	}
	fmt.Fprintln(w, "\nexamples:")
	for _, e := range ex {
		fmt.Fprintf(w, "  %s\n", e)
	}
}
