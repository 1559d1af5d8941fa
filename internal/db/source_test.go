package db_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/testenv"
)

// eachSourceFile parses every non-test Go file of the module and hands it to fn with its
// path relative to the module root (slash-separated); tests that read the code use it.
func eachSourceFile(t *testing.T, fset *token.FileSet, fn func(rel string, f *ast.File)) {
	t.Helper()
	root, err := testenv.RepoRoot()
	require.NoError(t, err)
	n := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "bin", "var", "testdata", "node_modules":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		n++
		fn(filepath.ToSlash(rel), f)
		return nil
	})
	require.NoError(t, err)
	require.NotZero(t, n, "no source files found")
}
