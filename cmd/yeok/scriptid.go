package main

import (
	"flag"

	"github.com/yeok/yeok/model"
)

// checkScriptFlag refuses a --script that model.CheckIdentifier refuses, the rule the API
// and the store keep too. It runs when the flags are parsed, so a bad id is a usage error
// before any file is opened or request sent. An empty --script means none.
func checkScriptFlag(fs *flag.FlagSet) error {
	f := fs.Lookup("script")
	if f == nil || f.Value.String() == "" {
		return nil
	}
	if err := model.CheckIdentifier("--script", f.Value.String()); err != nil {
		return usageErrorf("%v", err)
	}
	return nil
}
