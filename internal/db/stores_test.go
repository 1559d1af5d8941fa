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

// Only stores run SQL: outside the packages that own tables (and the soak, whose checker
// reads the tables itself on purpose, as an oracle independent of the stores), no code calls
// Query, QueryRow or Exec with SQL text.
func TestOnlyStoresRunSQL(t *testing.T) {
	stores := map[string]bool{"internal/db": true, "internal/audit": true, "internal/auth": true, "internal/order": true,
		"internal/items": true, "internal/org": true, "internal/weak": true, "internal/bulletin": true, "internal/evidence": true,
		"internal/holidays": true, "internal/notify": true, "internal/progress": true, "internal/imports": true,
		"internal/soak": true,
		// the read benchmark's loader fills tables with COPY and checks them with SQL, as a harness
		"internal/bench": true}
	fset := token.NewFileSet()
	var problems []string
	eachSourceFile(t, fset, func(rel string, f *ast.File) {
		if stores[filepath.ToSlash(filepath.Dir(rel))] {
			return
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) < 2 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "Query" && sel.Sel.Name != "QueryRow" && sel.Sel.Name != "Exec") {
				return true
			}
			if lit, ok := call.Args[1].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				problems = append(problems, fset.Position(call.Pos()).String()+": runs SQL; give the query to the store of its data")
			}
			return true
		})
	})
	require.Empty(t, problems)
}
