package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/yeok/yeok/model"
)

// maxRecentLanguages is how many target languages RecentLanguages remembers.
const maxRecentLanguages = 8

// RecentLanguages returns owner's recently used target languages, the most recent first.
func (s *Store) RecentLanguages(ctx context.Context, owner model.Owner) ([]model.Language, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("recent languages: %w", err)
	}
	var tags []string
	err := s.pool.QueryRow(ctx, `SELECT languages FROM owners WHERE owner = $1`, string(owner)).Scan(&tags)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, opError("recent languages", err)
	}
	var out []model.Language
	for _, t := range tags {
		out = append(out, model.Language(t))
	}
	return out, nil
}

// TouchLanguage puts l first in owner's recent languages. Auto is not a target and is
// ignored.
func (s *Store) TouchLanguage(ctx context.Context, owner model.Owner, l model.Language) error {
	op := fmt.Sprintf("touch language %s", l)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := checkOwner(owner); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if l.IsAuto() {
		return nil
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO owners (owner, languages) VALUES ($1, ARRAY[$2::text])
ON CONFLICT (owner) DO UPDATE SET languages = (array_prepend($2::text, array_remove(owners.languages, $2::text)))[1:$3]`,
		string(owner), string(l), maxRecentLanguages)
	if err != nil {
		return opError(op, err)
	}
	return nil
}

// PickedModel returns the model owner last picked in the TUI; "" when none was.
func (s *Store) PickedModel(ctx context.Context, owner model.Owner) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("picked model: %w", err)
	}
	var name string
	err := s.pool.QueryRow(ctx, `SELECT picked_model FROM owners WHERE owner = $1`, string(owner)).Scan(&name)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return "", opError("picked model", err)
	}
	return name, nil
}

// PickModel remembers name as the model owner picked.
func (s *Store) PickModel(ctx context.Context, owner model.Owner, name string) error {
	op := fmt.Sprintf("pick model %s", name)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := checkOwner(owner); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO owners (owner, picked_model) VALUES ($1, $2)
ON CONFLICT (owner) DO UPDATE SET picked_model = EXCLUDED.picked_model`, string(owner), name)
	if err != nil {
		return opError(op, err)
	}
	return nil
}
