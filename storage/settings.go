package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/yeok/yeok/model"
)

// maxRecentLanguages is how many target languages RecentLanguages remembers.
const maxRecentLanguages = 8

// maxInputScan bounds how many entries RecentInputs reads for each input it returns, so a
// log of one repeated line does not cost a full scan.
const maxInputScan = 20

// RecentLanguages returns owner's recently used target languages, the most recent first.
func (s *Store) RecentLanguages(ctx context.Context, owner model.Owner) ([]model.Language, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("recent languages: %w", err)
	}
	var langs []model.Language
	err := s.view(func(tx *bolt.Tx) error {
		err := load(readOwner(tx, owner).settings, keyLanguages, &langs)
		if errors.Is(err, model.ErrNotFound) {
			return nil
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("recent languages: %w", err)
	}
	return langs, nil
}

// TouchLanguage puts l first in owner's recent languages. Auto is not a target and is
// ignored.
func (s *Store) TouchLanguage(ctx context.Context, owner model.Owner, l model.Language) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("touch language %s: %w", l, err)
	}
	if err := checkOwner(owner); err != nil {
		return fmt.Errorf("touch language %s: %w", l, err)
	}
	if l.IsAuto() {
		return nil
	}
	err := s.update(func(tx *bolt.Tx) error {
		ob, err := writeOwner(tx, owner)
		if err != nil {
			return err
		}
		var langs []model.Language
		if err := load(ob.settings, keyLanguages, &langs); err != nil && !errors.Is(err, model.ErrNotFound) {
			return err
		}
		langs = slices.DeleteFunc(langs, func(x model.Language) bool { return x == l })
		langs = slices.Insert(langs, 0, l)
		return save(ob.settings, keyLanguages, langs[:min(len(langs), maxRecentLanguages)])
	})
	if err != nil {
		return fmt.Errorf("touch language %s: %w", l, err)
	}
	return nil
}

// RecentInputs returns up to n distinct source texts of owner, the newest first, for
// recalling earlier input with Up and Down.
func (s *Store) RecentInputs(ctx context.Context, owner model.Owner, n int) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("recent inputs: %w", err)
	}
	if n <= 0 {
		return nil, nil
	}
	var out []string
	err := s.view(func(tx *bolt.Tx) error {
		ob := readOwner(tx, owner)
		if ob.entries == nil {
			return nil
		}
		seen := map[string]bool{}
		scanned := 0
		return walkEntries(ob, model.EntryQuery{}, func(v []byte) (bool, error) {
			var e model.Entry
			if err := decode(v, &e); err != nil {
				return false, err
			}
			if !seen[e.Source] {
				seen[e.Source] = true
				out = append(out, e.Source)
			}
			scanned++
			return len(out) < n && scanned < n*maxInputScan, nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("recent inputs: %w", err)
	}
	return out, nil
}
