package problemlist

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// openCSV reads CSV text: UTF-8 with or without BOM, or GB18030 (what Excel writes on
// Chinese Windows). Rows are numbered as Excel numbers them when it opens the file: blank
// lines count, and a quoted cell spanning lines is one row.
func openCSV(data []byte, filename string) (*source, error) {
	switch {
	case bytes.HasPrefix(data, zipMagic):
		return nil, fileError("文件扩展名是.csv，但内容是Excel（.xlsx）文件，请把扩展名改为.xlsx后再导入")
	case isOLE(data):
		return nil, fileError("文件扩展名是.csv，但内容是旧版.xls文件，请在Excel中另存为.xlsx或CSV后再导入")
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return nil, fileError("CSV文件是UTF-16编码，请另存为“CSV UTF-8（逗号分隔）”后再导入")
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	if !utf8.Valid(data) {
		d, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
		if err != nil {
			return nil, fileError("CSV文件编码无法识别，请另存为“CSV UTF-8（逗号分隔）”后再导入")
		}
		data = d
	}
	name := baseName(filename)
	if name == "" {
		name = "CSV"
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	row, endLine := 0, 0
	return &source{
		name: name,
		next: func() (int, []string, error) {
			rec, err := r.Read()
			if err == io.EOF {
				return 0, nil, io.EOF
			}
			if err != nil {
				var pe *csv.ParseError
				if errors.As(err, &pe) {
					return 0, nil, fileError(fmt.Sprintf("CSV第%d行格式错误，无法读取", pe.StartLine))
				}
				return 0, nil, err
			}
			start, _ := r.FieldPos(0)
			row += max(start-endLine, 1)
			last := len(rec) - 1
			endLine, _ = r.FieldPos(last)
			endLine += strings.Count(rec[last], "\n")
			return row, rec, nil
		},
		close: func() {},
	}, nil
}
