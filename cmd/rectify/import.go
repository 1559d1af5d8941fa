package main

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"rectify/internal/app"
	"rectify/internal/apperr"
	"rectify/internal/auth"
	"rectify/internal/imports"
	"rectify/internal/order"
	"rectify/internal/org"
	"rectify/internal/rectification"
)

// runImport is `rectify import FILE`: a problem list becomes a draft order of the issuer's
// department, with a progress bar on the terminal.
func runImport(ctx context.Context, cfg app.Config, args []string) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	issuer := fs.String("issuer", "", "login of the issuing person (组织部门或乡镇干部)")
	title := fs.String("title", "", "order title (default: the file name)")
	source := fs.String("source", "", "问题来源 when the sheet has no such column")
	doc := fs.String("doc-number", "", "document number")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *issuer == "" {
		return errors.New("usage: rectify import -issuer LOGIN [-title T] [-source S] FILE")
	}
	path := fs.Arg(0)
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	total := estimateRows(path, data)
	// Only the database is needed: a draft is not issued yet.
	pool, err := app.OpenDatabase(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	people := auth.NewService(pool, auth.Options{})
	defer people.Close()
	p, err := org.NewStore(pool).PersonByLogin(ctx, *issuer)
	if err != nil {
		return err
	}
	a, err := people.ActorByPersonID(ctx, p.ID)
	if err != nil {
		return err
	}
	t := *title
	if t == "" {
		t = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	orders := order.NewStore(pool, nil)
	svc := &rectification.Service{Orders: orders, Imports: imports.NewService(pool, orders, imports.Options{})}
	// The same command as an upload through the API: the issuer is checked, and a bad sheet
	// stores nothing and names every place to fix.
	res, err := svc.ImportOrder(ctx, a, rectification.ImportInput{Read: func() (imports.List, error) {
		return imports.List{Filename: path, Title: t, Source: *source, DocNumber: *doc, Data: data,
			Progress: func(n int) { drawBar(os.Stderr, n, total) }}, nil
	}})
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return printFields(err)
	}
	fmt.Printf("已导入为整改通知草稿 %d（%d个问题）\n", res.ID, res.Problems)
	return nil
}

// printFields lists every problem of an invalid file, one a line.
func printFields(err error) error {
	if e, ok := apperr.As(err); ok && len(e.Fields) > 0 {
		for _, f := range e.Fields {
			fmt.Fprintln(os.Stderr, f.Message)
		}
	}
	return err
}

var dimension = regexp.MustCompile(`<dimension ref="[A-Z]+\d+:[A-Z]+(\d+)"`)

// estimateRows guesses a sheet's rows for the progress bar: the worksheet's declared
// dimension for .xlsx, the line count for .csv; 0 when unknown.
func estimateRows(path string, data []byte) int {
	if strings.EqualFold(filepath.Ext(path), ".csv") {
		return bytes.Count(data, []byte("\n"))
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return 0
	}
	for _, f := range zr.File {
		if !strings.HasPrefix(f.Name, "xl/worksheets/") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return 0
		}
		defer rc.Close()
		head := make([]byte, 4096)
		n, _ := io.ReadFull(rc, head)
		if m := dimension.FindSubmatch(head[:n]); m != nil {
			v, _ := strconv.Atoi(string(m[1]))
			return v
		}
		// No declared range (some writers leave it at A1): count the rows instead.
		rows := bytes.Count(head[:n], []byte("<row "))
		buf := make([]byte, 64<<10)
		for {
			k, err := rc.Read(buf)
			rows += bytes.Count(buf[:k], []byte("<row "))
			if err != nil {
				return rows
			}
		}
	}
	return 0
}

func drawBar(w io.Writer, n, total int) {
	const width = 30
	if total <= 0 {
		fmt.Fprintf(w, "\r读取中：%d 行", n)
		return
	}
	done := min(n*width/total, width)
	fmt.Fprintf(w, "\r读取中 [%s%s] %d/%d 行", strings.Repeat("█", done), strings.Repeat("░", width-done), n, total)
}
