package db_test

import (
	"go/ast"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Stores own their SQL: a store keeps its pool to itself, so every query lives in the package
// of the data it reads and has a method that says what it answers. No method hands out a
// *pgxpool.Pool, nothing outside the harnesses (soak, bench) calls a Pool() accessor, and the
// packages that serve requests and run activities or workflows import no database driver.
func TestStoresKeepTheirPools(t *testing.T) {
	harness := map[string]bool{"internal/soak": true, "internal/bench": true}
	noSQL := []string{"api", "activities", "workflows"}
	fset := token.NewFileSet()
	var problems []string
	checked := 0
	eachSourceFile(t, fset, func(rel string, f *ast.File) {
		dir := filepath.ToSlash(filepath.Dir(rel))
		checked++
		for _, is := range f.Imports {
			imp, _ := strconv.Unquote(is.Path.Value)
			for _, top := range noSQL {
				if (dir == top || strings.HasPrefix(dir, top+"/")) && strings.HasPrefix(imp, "github.com/jackc/pgx") {
					problems = append(problems, rel+": imports "+imp+"; run the query through the store of its data")
				}
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncDecl:
				if n.Recv != nil && n.Type.Results != nil {
					for _, r := range n.Type.Results.List {
						if s, ok := r.Type.(*ast.StarExpr); ok && exprString(s.X) == "pgxpool.Pool" {
							problems = append(problems, fset.Position(n.Pos()).String()+": method "+n.Name.Name+" hands out its pool")
						}
					}
				}
			case *ast.CallExpr:
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Pool" && len(n.Args) == 0 && !harness[dir] {
					problems = append(problems, fset.Position(n.Pos()).String()+": calls "+exprString(sel)+"()")
				}
			}
			return true
		})
	})
	require.Greater(t, checked, 50, "the walk found the source files")
	require.Empty(t, problems)
}

func exprString(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return exprString(e.X) + "." + e.Sel.Name
	}
	return "?"
}
