// Package pdf makes printable documents with Chinese text: an A4 page in
// the embedded WenQuanYi Micro Hei font (Apache 2.0 or GPLv3 with the font
// exception; wqy-microhei.copyright.txt), subset into each document by
// github.com/go-pdf/fpdf. Noto CJK cannot be used: fpdf reads TrueType
// outlines only. Text that may wrap is written with Paragraph, never with
// fpdf's MultiCell, which loses Chinese characters at line breaks.
package pdf

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"sync"

	"github.com/go-pdf/fpdf"
)

//go:embed wqy-microhei.ttf.gz
var fontGz []byte

// Font is the embedded CJK font, unpacked once per Maker.
const Font = "wqy"

// Maker makes documents; it holds the unpacked font.
type Maker struct {
	once sync.Once
	font []byte
	err  error
}

func (m *Maker) load() ([]byte, error) {
	m.once.Do(func() {
		r, err := gzip.NewReader(bytes.NewReader(fontGz))
		if err != nil {
			m.err = fmt.Errorf("pdf: font: %w", err)
			return
		}
		m.font, m.err = io.ReadAll(r)
		if m.err != nil {
			m.err = fmt.Errorf("pdf: font: %w", m.err)
		}
	})
	return m.font, m.err
}

// New starts an A4 portrait document in millimetres with the CJK font
// set at size points, titled title.
func (m *Maker) New(title string, size float64) (*fpdf.Fpdf, error) {
	font, err := m.load()
	if err != nil {
		return nil, err
	}
	d := fpdf.New("P", "mm", "A4", "")
	d.SetTitle(title, true)
	d.SetCreator("grassroots", true)
	d.AddUTF8FontFromBytes(Font, "", font)
	if err := d.Error(); err != nil {
		return nil, fmt.Errorf("pdf: font: %w", err)
	}
	d.SetFont(Font, "", size)
	d.SetMargins(20, 20, 20)
	d.SetAutoPageBreak(true, 20)
	d.AddPage()
	return d, nil
}

// Bytes finishes d.
func Bytes(d *fpdf.Fpdf) ([]byte, error) {
	var b bytes.Buffer
	if err := d.Output(&b); err != nil {
		return nil, fmt.Errorf("pdf: %w", err)
	}
	return b.Bytes(), nil
}
