package problemlist

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"

	"github.com/xuri/excelize/v2"
)

const bombMessage = "文件异常（疑似压缩炸弹），已拒绝"

// openXLSX checks the archive, finds the first worksheet and its merged cells, and opens
// a streaming row iterator on it.
func openXLSX(data []byte) (*source, error) {
	if isOLE(data) {
		return nil, fileError("不是有效的.xlsx文件：文件实际是旧版.xls格式或设置了打开密码，请取消密码并在Excel中另存为.xlsx后再导入")
	}
	if !bytes.HasPrefix(data, zipMagic) {
		return nil, fileError("不是有效的.xlsx文件，请在Excel中另存为.xlsx后再导入")
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fileError("不是有效的.xlsx文件，请在Excel中另存为.xlsx后再导入")
	}
	if err := checkBomb(zr); err != nil {
		return nil, err
	}
	p := pkg{files: map[string]*zip.File{}}
	for _, f := range zr.File {
		p.files[strings.ToLower(strings.ReplaceAll(f.Name, "\\", "/"))] = f
	}
	ws, err := p.firstWorksheet()
	if err != nil {
		return nil, fileError("不是有效的.xlsx文件：" + err.Error())
	}
	merges, err := scanMerges(ws.file)
	if err != nil {
		return nil, fileError("不是有效的.xlsx文件：工作表内容损坏")
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		RawCellValue:   true,
		UnzipSizeLimit: MaxUncompressed,
	})
	if err != nil {
		if f != nil {
			_ = f.Close()
		}
		return nil, fileError("不是有效的.xlsx文件：文件内容损坏，无法读取")
	}
	rows, err := f.Rows(ws.name)
	if err != nil {
		_ = f.Close()
		return nil, fileError("不是有效的.xlsx文件：无法读取工作表“" + ws.name + "”")
	}
	line := 0
	return &source{
		name:       ws.name,
		merges:     merges,
		excelDates: true,
		date1904:   ws.date1904,
		next: func() (int, []string, error) {
			if !rows.Next() {
				if rows.Error() != nil {
					return 0, nil, fileError("工作表“" + ws.name + "”内容损坏，无法读取")
				}
				return 0, nil, io.EOF
			}
			line++
			cells, err := rows.Columns()
			if err != nil {
				return 0, nil, fileError(fmt.Sprintf("工作表“%s”第%d行内容损坏，无法读取", ws.name, line))
			}
			return line, cells, nil
		},
		close: func() {
			_ = rows.Close()
			_ = f.Close()
		},
	}, nil
}

// checkBomb refuses archives that would inflate to far more than they are, judging by the
// zip directory only, before anything is inflated. archive/zip fails an entry that inflates
// past its declared size, so the declared sizes hold.
func checkBomb(zr *zip.Reader) error {
	if len(zr.File) > maxEntries {
		return fileError(bombMessage)
	}
	var total uint64
	for _, f := range zr.File {
		u, c := f.UncompressedSize64, f.CompressedSize64
		total += u
		if total > MaxUncompressed || u > MaxUncompressed {
			return fileError(bombMessage)
		}
		if u >= ratioFloor && (c == 0 || u/c > MaxRatio) {
			return fileError(bombMessage)
		}
	}
	return nil
}

// pkg is the parts of an OOXML package by lower-case name.
type pkg struct{ files map[string]*zip.File }

type worksheet struct {
	name     string
	file     *zip.File
	date1904 bool
}

func (p pkg) open(name string) (io.ReadCloser, error) {
	f, ok := p.files[strings.ToLower(name)]
	if !ok {
		return nil, fmt.Errorf("缺少%s", name)
	}
	return f.Open()
}

type relationship struct {
	ID         string `xml:"Id,attr"`
	Type       string `xml:"Type,attr"`
	Target     string `xml:"Target,attr"`
	TargetMode string `xml:"TargetMode,attr"`
}

func (p pkg) rels(name string) ([]relationship, error) {
	rc, err := p.open(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var doc struct {
		Rels []relationship `xml:"Relationship"`
	}
	if err := xml.NewDecoder(io.LimitReader(rc, 4<<20)).Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s损坏", name)
	}
	return doc.Rels, nil
}

// resolve is a relationship target as a package part name.
func resolve(dir, target string) string {
	if strings.HasPrefix(target, "/") {
		return path.Clean(strings.TrimPrefix(target, "/"))
	}
	return path.Clean(path.Join(dir, target))
}

// firstWorksheet finds the first worksheet in tab order, skipping chart sheets.
func (p pkg) firstWorksheet() (worksheet, error) {
	wbPath := "xl/workbook.xml"
	if rels, err := p.rels("_rels/.rels"); err == nil {
		for _, r := range rels {
			if strings.HasSuffix(r.Type, "/officeDocument") {
				wbPath = resolve("", r.Target)
				break
			}
		}
	}
	dir, base := path.Split(wbPath)
	rels, err := p.rels(dir + "_rels/" + base + ".rels")
	if err != nil {
		return worksheet{}, err
	}
	rc, err := p.open(wbPath)
	if err != nil {
		return worksheet{}, err
	}
	defer rc.Close()
	type sheetRef struct{ name, rid string }
	var sheets []sheetRef
	var date1904 bool
	dec := xml.NewDecoder(io.LimitReader(rc, 16<<20))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return worksheet{}, errors.New("工作簿损坏")
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "workbookPr":
			for _, a := range se.Attr {
				if a.Name.Local == "date1904" {
					date1904 = a.Value == "1" || a.Value == "true"
				}
			}
		case "sheet":
			var s sheetRef
			for _, a := range se.Attr {
				switch {
				case a.Name.Local == "name" && a.Name.Space == "":
					s.name = a.Value
				case a.Name.Local == "id" && a.Name.Space != "":
					s.rid = a.Value
				}
			}
			sheets = append(sheets, s)
		}
	}
	for _, s := range sheets {
		for _, r := range rels {
			if r.ID != s.rid || !strings.HasSuffix(r.Type, "/worksheet") || strings.EqualFold(r.TargetMode, "External") {
				continue
			}
			f, ok := p.files[strings.ToLower(resolve(dir, r.Target))]
			if !ok {
				return worksheet{}, fmt.Errorf("缺少工作表“%s”", s.name)
			}
			return worksheet{name: s.name, file: f, date1904: date1904}, nil
		}
	}
	return worksheet{}, errors.New("工作簿中没有工作表")
}

var refAttr = regexp.MustCompile(`(?:^|\s)ref\s*=\s*["']([^"']*)["']`)

// scanMerges lists the merged ranges of a worksheet by scanning its XML as bytes, without
// building the sheet in memory. "<" never occurs in XML text, so every "<" starts markup
// and a mergeCell tag cannot be faked by cell content.
func scanMerges(f *zip.File) ([]mergeRange, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 64<<10)
	var out []mergeRange
	for {
		if _, err := br.ReadSlice('<'); err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if err == io.EOF {
				return out, nil
			}
			return nil, err
		}
		peek, _ := br.Peek(512)
		n := 0
		for n < len(peek) && !isSpaceByte(peek[n]) && peek[n] != '/' && peek[n] != '>' {
			n++
		}
		name := peek[:n]
		if i := bytes.LastIndexByte(name, ':'); i >= 0 {
			name = name[i+1:]
		}
		if string(name) != "mergeCell" {
			continue
		}
		end := bytes.IndexByte(peek, '>')
		if end < 0 {
			continue
		}
		m := refAttr.FindSubmatch(peek[n:end])
		if m == nil {
			continue
		}
		if r, ok := parseRange(string(m[1])); ok {
			out = append(out, r)
		}
	}
}

func isSpaceByte(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

func parseRange(ref string) (mergeRange, bool) {
	a, b, ok := strings.Cut(strings.ReplaceAll(ref, "$", ""), ":")
	if !ok {
		return mergeRange{}, false
	}
	c1, r1, err1 := excelize.CellNameToCoordinates(a)
	c2, r2, err2 := excelize.CellNameToCoordinates(b)
	if err1 != nil || err2 != nil {
		return mergeRange{}, false
	}
	return mergeRange{ref: ref, r1: min(r1, r2), r2: max(r1, r2), c1: min(c1, c2) - 1, c2: max(c1, c2) - 1}, true
}
