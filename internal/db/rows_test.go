package db_test

import (
	"go/ast"
	"go/token"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/testenv"
)

// collectors are the pgx helpers that read rows to the end and close them on every path,
// a scan error included.
var collectors = map[string]bool{"CollectRows": true, "ForEachRow": true, "CollectOneRow": true, "CollectExactlyOneRow": true}

// Every query's rows are closed on every path: each result of a Query is handed to a pgx
// collector (directly or through a helper of its package that does), or, for a stream, is
// closed by a defer and has its Err checked. A hand-written loop that returns on a scan
// error without closing leaves a connection busy until the pool notices.
func TestEveryQueryClosesItsRows(t *testing.T) {
	root, err := testenv.RepoRoot()
	require.NoError(t, err)
	type pkgFuncs map[string]*ast.FuncDecl
	files := map[string][]*ast.File{}
	fset := token.NewFileSet()
	eachSourceFile(t, fset, func(rel string, f *ast.File) {
		files[filepath.Dir(rel)] = append(files[filepath.Dir(rel)], f)
	})

	var problems []string
	checked := 0
	for _, fs := range files {
		funcs := pkgFuncs{}
		for _, f := range fs {
			for _, d := range f.Decls {
				if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil {
					funcs[fd.Name.Name] = fd
				}
			}
		}
		// closes reports whether fn hands its parameter at index i to a collector.
		var closes func(fn *ast.FuncDecl, i int, depth int) bool
		// uses counts the calls in body that pass name to a collector.
		uses := func(body ast.Node, name string, depth int) int {
			n := 0
			ast.Inspect(body, func(x ast.Node) bool {
				call, ok := x.(*ast.CallExpr)
				if !ok {
					return true
				}
				for i, a := range call.Args {
					id, ok := a.(*ast.Ident)
					if !ok || id.Name != name {
						continue
					}
					switch fn := call.Fun.(type) {
					case *ast.SelectorExpr:
						if pkg, ok := fn.X.(*ast.Ident); ok && pkg.Name == "pgx" && collectors[fn.Sel.Name] && i == 0 {
							n++
						}
					case *ast.Ident:
						if g, ok := funcs[fn.Name]; ok && depth < 3 && closes(g, i, depth+1) {
							n++
						}
					}
				}
				return true
			})
			return n
		}
		closes = func(fn *ast.FuncDecl, i int, depth int) bool {
			k := 0
			for _, field := range fn.Type.Params.List {
				for _, nm := range field.Names {
					if k == i {
						return fn.Body != nil && uses(fn.Body, nm.Name, depth) > 0
					}
					k++
				}
			}
			return false
		}
		for _, f := range fs {
			for _, d := range f.Decls {
				fd, ok := d.(*ast.FuncDecl)
				if !ok || fd.Body == nil {
					continue
				}
				queries := map[string]int{}
				deferClose, errChecked := map[string]bool{}, map[string]bool{}
				ast.Inspect(fd.Body, func(x ast.Node) bool {
					switch s := x.(type) {
					case *ast.AssignStmt:
						if len(s.Lhs) != 2 || len(s.Rhs) != 1 {
							return true
						}
						call, ok := s.Rhs[0].(*ast.CallExpr)
						if !ok || len(call.Args) < 2 {
							return true
						}
						if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Query" {
							if id, ok := s.Lhs[0].(*ast.Ident); ok {
								queries[id.Name]++
							}
						}
					case *ast.DeferStmt:
						if sel, ok := s.Call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Close" {
							if id, ok := sel.X.(*ast.Ident); ok {
								deferClose[id.Name] = true
							}
						}
					case *ast.CallExpr:
						if sel, ok := s.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Err" {
							if id, ok := sel.X.(*ast.Ident); ok {
								errChecked[id.Name] = true
							}
						}
						// A query through db.List is collected by it; it counts as found.
						if sel, ok := s.Fun.(*ast.SelectorExpr); ok && exprString(sel) == "db.List" {
							checked++
						}
					}
					return true
				})
				for name, q := range queries {
					checked++
					if uses(fd.Body, name, 0) >= q || (q == 1 && deferClose[name] && errChecked[name]) {
						continue
					}
					pos := fset.Position(fd.Pos())
					rel, _ := filepath.Rel(root, pos.Filename)
					problems = append(problems, rel+": "+fd.Name.Name+": rows "+name+" not collected by pgx nor closed by a defer with Err checked")
				}
			}
		}
	}
	require.Greater(t, checked, 30, "the check found the queries")
	require.Empty(t, problems)
}
