// Package evidence keeps supporting files (佐证材料) on local disk, named by their SHA-256,
// with a database row per upload linking the file to an item.
package evidence

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rectify/internal/apperr"
	"rectify/internal/db"
)

// MaxSize is the largest file accepted.
const MaxSize = 50 << 20

// File describes a stored piece of evidence.
type File struct {
	ID          int64     `json:"id"`
	ItemID      string    `json:"item_id"`
	SHA256      string    `json:"sha256"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	UploadedBy  int64     `json:"uploaded_by"`
	UploadedAt  time.Time `json:"uploaded_at"`
}

// Store saves evidence under dir.
type Store struct {
	pool *pgxpool.Pool
	dir  string
}

// NewStore makes a store writing under dir, creating it if needed.
func NewStore(pool *pgxpool.Pool, dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("evidence.NewStore: %w", err)
	}
	return &Store{pool: pool, dir: dir}, nil
}

func (s *Store) path(sum string) string { return filepath.Join(s.dir, sum[:2], sum) }

// Save streams r to disk, hashing as it goes, then records it for the item. Identical
// content is stored once.
func (s *Store) Save(ctx context.Context, itemID, filename, contentType string, r io.Reader, by int64) (_ File, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("evidence.Save(%s, %q): %w", itemID, filename, err)
		}
	}()
	filename = filepath.Base(strings.TrimSpace(filename))
	if filename == "" || filename == "." || filename == "/" {
		return File{}, apperr.New(apperr.Invalid, "file", "文件名不能为空")
	}
	tmp, err := os.CreateTemp(s.dir, "upload-*")
	if err != nil {
		return File{}, err
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(r, MaxSize+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return File{}, err
	}
	if n == 0 {
		return File{}, apperr.New(apperr.Invalid, "file", "文件为空")
	}
	if n > MaxSize {
		return File{}, apperr.Newf(apperr.Invalid, "file", "文件超过%dMB上限", MaxSize>>20)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if err := os.MkdirAll(filepath.Dir(s.path(sum)), 0o750); err != nil {
		return File{}, err
	}
	if err := os.Rename(tmp.Name(), s.path(sum)); err != nil {
		return File{}, err
	}
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	f := File{ItemID: itemID, SHA256: sum, Filename: filename, ContentType: contentType, Size: n, UploadedBy: by}
	err = s.pool.QueryRow(ctx, `INSERT INTO evidence (item_id, sha256, filename, content_type, size, uploaded_by)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, uploaded_at`, itemID, sum, filename, contentType, n, by).Scan(&f.ID, &f.UploadedAt)
	return f, err
}

// Get returns an evidence record.
func (s *Store) Get(ctx context.Context, id int64) (_ File, err error) {
	f := File{ID: id}
	err = s.pool.QueryRow(ctx, `SELECT item_id, sha256, filename, content_type, size, uploaded_by, uploaded_at FROM evidence WHERE id = $1`, id).
		Scan(&f.ItemID, &f.SHA256, &f.Filename, &f.ContentType, &f.Size, &f.UploadedBy, &f.UploadedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return f, apperr.New(apperr.NotFound, "evidence_id", "佐证材料不存在")
	}
	if err != nil {
		return f, fmt.Errorf("evidence.Get(%d): %w", id, err)
	}
	return f, nil
}

// ForItem lists an item's evidence, oldest first.
func (s *Store) ForItem(ctx context.Context, itemID string) (_ []File, err error) {
	defer apperr.Wrap(&err, "evidence.ForItem(%s)", itemID)
	return db.List(ctx, s.pool, pgx.RowToStructByPos[File], fileSelect+` WHERE item_id = $1 ORDER BY id`, itemID)
}

// ByIDs returns the files with the given ids, in id order: one query for the evidence a
// whole review queue names.
func (s *Store) ByIDs(ctx context.Context, ids []int64) (_ []File, err error) {
	defer apperr.Wrap(&err, "evidence.ByIDs(%d)", len(ids))
	return db.List(ctx, s.pool, pgx.RowToStructByPos[File], fileSelect+` WHERE id = ANY($1) ORDER BY id`, ids)
}

const fileSelect = `SELECT id, item_id, sha256, filename, content_type, size, uploaded_by, uploaded_at FROM evidence`

// Open opens the stored content of f.
func (s *Store) Open(f File) (*os.File, error) {
	fh, err := os.Open(s.path(f.SHA256))
	if err != nil {
		return nil, fmt.Errorf("evidence.Open(%d): %w", f.ID, err)
	}
	return fh, nil
}
