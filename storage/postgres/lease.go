package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// lease is this store's claim on its pending entries: a row in leases whose expiry a
// heartbeat pushes forward. While it holds, no other process marks the entries it began.
type lease struct {
	id   string
	ttl  time.Duration
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// sweepSQL marks interrupted every pending entry whose lease expired or is gone, and drops
// the expired leases. The CTE and the UPDATE see one snapshot, so the lease rows just
// deleted are matched by id and the ones missing before by NOT EXISTS.
const sweepSQL = `WITH dead AS (DELETE FROM leases WHERE expires < now() RETURNING id)
UPDATE entries SET status = 'interrupted', error = $1, error_class = 'interrupted', lease = NULL
WHERE status = 'pending' AND (lease IS NULL OR lease IN (SELECT id FROM dead)
	OR NOT EXISTS (SELECT 1 FROM leases l WHERE l.id = entries.lease))`

// takeLease records a lease for this process, sweeps what dead ones left and starts the
// heartbeat.
func takeLease(ctx, base context.Context, pool *pgxpool.Pool, ttl time.Duration) (*lease, error) {
	var b [16]byte
	_, _ = rand.Read(b[:])
	host, _ := os.Hostname()
	l := &lease{id: hex.EncodeToString(b[:]), ttl: ttl, stop: make(chan struct{}), done: make(chan struct{})}
	if _, err := pool.Exec(ctx, `INSERT INTO leases (id, host, pid, expires) VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond')`,
		l.id, host, os.Getpid(), ttl.Milliseconds()); err != nil {
		return nil, fmt.Errorf("take lease: %w", err)
	}
	if _, err := pool.Exec(ctx, sweepSQL, interruptedMessage); err != nil {
		return nil, fmt.Errorf("mark dead processes' entries interrupted: %w", err)
	}
	go l.beat(base, pool)
	return l, nil
}

// beat renews the lease and sweeps every ttl/3 until release. A lease that was swept while
// this process stalled is taken again: entries already marked stay marked, and Finish still
// writes their outcome.
func (l *lease) beat(base context.Context, pool *pgxpool.Pool) {
	defer close(l.done)
	t := time.NewTicker(l.ttl / 3)
	defer t.Stop()
	host, _ := os.Hostname()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(base, l.ttl/3)
		_, _ = pool.Exec(ctx, `INSERT INTO leases (id, host, pid, expires) VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond')
ON CONFLICT (id) DO UPDATE SET expires = EXCLUDED.expires`, l.id, host, os.Getpid(), l.ttl.Milliseconds())
		_, _ = pool.Exec(ctx, sweepSQL, interruptedMessage)
		cancel()
	}
}

// release stops the heartbeat, marks this store's own pending entries interrupted (no
// Finish can come for them now) and drops the lease.
func (l *lease) release(base context.Context, pool *pgxpool.Pool) error {
	var err error
	l.once.Do(func() {
		close(l.stop)
		<-l.done
		ctx, cancel := context.WithTimeout(base, 10*time.Second)
		defer cancel()
		if _, e := pool.Exec(ctx, `UPDATE entries SET status = 'interrupted', error = $2, error_class = 'interrupted', lease = NULL
WHERE status = 'pending' AND lease = $1`, l.id, interruptedMessage); e != nil {
			err = dbError(e)
			return
		}
		if _, e := pool.Exec(ctx, `DELETE FROM leases WHERE id = $1`, l.id); e != nil {
			err = dbError(e)
		}
	})
	return err
}
