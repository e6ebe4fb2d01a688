package storage

import (
	"context"

	"github.com/yeok/yeok/model"
)

// Log is what the front doors and the engine use of a store: the methods every backend
// provides, *Store (the bbolt file, the default) and *postgres.Store (for several replicas
// over one database). storage/storagetest is the contract both pass.
type Log interface {
	Begin(ctx context.Context, req model.Request) (model.Entry, error)
	Finish(ctx context.Context, e model.Entry) (model.Entry, error)
	Entry(ctx context.Context, owner model.Owner, id uint64) (model.Entry, error)
	Entries(ctx context.Context, owner model.Owner, q model.EntryQuery) ([]model.Entry, error)
	Recall(ctx context.Context, req model.Request) (model.Recollection, error)
	Approve(ctx context.Context, owner model.Owner, id uint64, text string) (model.Entry, error)

	Script(ctx context.Context, owner model.Owner, id string) (model.Script, error)
	Scripts(ctx context.Context, owner model.Owner) ([]model.Script, error)
	PutScript(ctx context.Context, sc model.Script) error
	DeleteScript(ctx context.Context, owner model.Owner, id string) error
	ScriptPairs(ctx context.Context, owner model.Owner, id string, to model.Language, n int) ([]model.Pair, error)

	NewSession(ctx context.Context, owner model.Owner, sess model.Session) (model.Session, error)
	Session(ctx context.Context, owner model.Owner, id uint64) (model.Session, error)
	Sessions(ctx context.Context, owner model.Owner, limit int) ([]model.Session, error)
	LastSession(ctx context.Context, owner model.Owner) (model.Session, error)
	DeleteSession(ctx context.Context, owner model.Owner, id uint64) error

	RecentLanguages(ctx context.Context, owner model.Owner) ([]model.Language, error)
	TouchLanguage(ctx context.Context, owner model.Owner, l model.Language) error
	RecentInputs(ctx context.Context, owner model.Owner, n int) ([]string, error)
	PickedModel(ctx context.Context, owner model.Owner) (string, error)
	PickModel(ctx context.Context, owner model.Owner, name string) error

	Check(ctx context.Context) error
	Close() error
}

var _ Log = (*Store)(nil)
