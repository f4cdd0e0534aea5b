// Package pdftest reads back the text a document made by package pdf
// shows, so that tests can check what was printed without a PDF reader.
package pdftest

import (
	"bytes"
	"compress/zlib"
	"io"
	"regexp"
	"unicode/utf16"
)

var (
	streamRE = regexp.MustCompile(`(?s)<<([^<>]*)>>\s*stream\r?\n(.*?)\r?\nendstream`)
	shownRE  = regexp.MustCompile(`(?s)\((.*?[^\\])\)\s?Tj`)
)

// Lines are the strings a document's pages show, in the order they are
// drawn: one for each cell, so one for each printed line. The embedded
// font writes them as UTF-16BE in the pages' content streams, which may be
// compressed.
func Lines(b []byte) ([]string, error) {
	var out []string
	for _, m := range streamRE.FindAllSubmatch(b, -1) {
		data := m[2]
		if bytes.Contains(m[1], []byte("/FlateDecode")) {
			r, err := zlib.NewReader(bytes.NewReader(data))
			if err != nil {
				return nil, err
			}
			if data, err = io.ReadAll(r); err != nil {
				return nil, err
			}
		}
		if !bytes.Contains(data, []byte(" Tf")) {
			continue // not a page: a font, an image
		}
		for _, s := range shownRE.FindAllSubmatch(data, -1) {
			out = append(out, decode(unescape(s[1])))
		}
	}
	return out, nil
}

// unescape undoes a PDF string's backslash escapes.
func unescape(s []byte) []byte {
	var raw []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			i++
			switch e := s[i]; {
			case e == 'n':
				c = '\n'
			case e == 'r':
				c = '\r'
			case e == 't':
				c = '\t'
			case e == 'b':
				c = '\b'
			case e == 'f':
				c = '\f'
			case e >= '0' && e <= '7':
				v := 0
				for j := 0; j < 3 && i < len(s) && s[i] >= '0' && s[i] <= '7'; j++ {
					v = v*8 + int(s[i]-'0')
					i++
				}
				i--
				c = byte(v)
			default:
				c = e
			}
		}
		raw = append(raw, c)
	}
	return raw
}

// decode reads UTF-16BE.
func decode(raw []byte) string {
	u := make([]uint16, len(raw)/2)
	for i := range u {
		u[i] = uint16(raw[2*i])<<8 | uint16(raw[2*i+1])
	}
	return string(utf16.Decode(u))
}
