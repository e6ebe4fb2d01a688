package storage

import (
	"context"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/yeok/yeok/model"
)

// PickedModel returns the model owner last picked in the TUI; "" when none was.
func (s *Store) PickedModel(ctx context.Context, owner model.Owner) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("picked model: %w", err)
	}
	var name string
	err := s.view(func(tx *bolt.Tx) error {
		err := load(readOwner(tx, owner).settings, keyModel, &name)
		if errors.Is(err, model.ErrNotFound) {
			return nil
		}
		return err
	})
	if err != nil {
		return "", fmt.Errorf("picked model: %w", err)
	}
	return name, nil
}

// PickModel remembers name as the model owner picked.
func (s *Store) PickModel(ctx context.Context, owner model.Owner, name string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("pick model %s: %w", name, err)
	}
	if err := checkOwner(owner); err != nil {
		return fmt.Errorf("pick model %s: %w", name, err)
	}
	err := s.update(func(tx *bolt.Tx) error {
		ob, err := writeOwner(tx, owner)
		if err != nil {
			return err
		}
		return save(ob.settings, keyModel, name)
	})
	if err != nil {
		return fmt.Errorf("pick model %s: %w", name, err)
	}
	return nil
}
