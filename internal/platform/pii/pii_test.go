package pii

import (
	"strings"
	"testing"
	"time"
)

func TestEncryptRoundTripAndRotation(t *testing.T) {
	old := NewKeySpec("k1")
	kr, err := ParseKeyring(old)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := kr.Encrypt("13800138000")
	if err != nil || strings.Contains(sealed, "13800138000") || !strings.HasPrefix(sealed, "k1:") {
		t.Fatalf("sealed %q %v", sealed, err)
	}
	again, _ := kr.Encrypt("13800138000")
	if again == sealed {
		t.Error("two encryptions of one value must differ (random nonce)")
	}
	// Rotate: a new key first, the old one kept for reading.
	rotated, err := ParseKeyring(NewKeySpec("k2") + "," + old)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := rotated.Decrypt(sealed); err != nil || p != "13800138000" {
		t.Errorf("old value after rotation: %q %v", p, err)
	}
	fresh, _ := rotated.Encrypt("x")
	if !strings.HasPrefix(fresh, "k2:") {
		t.Errorf("new values must use the new key: %q", fresh)
	}
	if kr.Hash("13800138000") != rotated.Hash("13800138000") {
		t.Error("search hashes must survive a rotation")
	}
	if h := kr.Hash("13800138000"); len(h) != HashLen || h == kr.Hash("13800138001") {
		t.Errorf("hash %q", h)
	}
	// Tampering and unknown keys are refused.
	bad := sealed[:len(sealed)-2] + "AA"
	if _, err := kr.Decrypt(bad); err == nil {
		t.Error("a tampered value opened")
	}
	other, _ := ParseKeyring(NewKeySpec("k1"))
	if _, err := other.Decrypt(sealed); err == nil {
		t.Error("a value opened with the wrong key")
	}
}

func TestParseKeyringErrors(t *testing.T) {
	for _, spec := range []string{"", "nokey", "k1:short", "k1:" + strings.Repeat("A", 44), NewKeySpec("k1") + "," + NewKeySpec("k1")} {
		if _, err := ParseKeyring(spec); err == nil {
			t.Errorf("ParseKeyring(%q) accepted", spec)
		}
	}
}

func TestMaskAndValidate(t *testing.T) {
	for in, want := range map[string]string{"13800138000": "138****8000", "123": "1*3", "0791-86123456": "0791-****3456", "+44 20 7946 0000": "+44 ** **** 0000",
		"079186123456": "079*****3456", "400-123-4567": "400-***-4567"} {
		if got := MaskPhone(in); got != want {
			t.Errorf("MaskPhone(%q) = %q", in, got)
		}
	}
	if got := MaskID("36010219900101123X"); got != "3601**********123X" {
		t.Errorf("MaskID = %q", got)
	}
	if got := MaskName("欧阳修"); got != "欧**" {
		t.Errorf("MaskName = %q", got)
	}
	for p, ok := range map[string]bool{"13800138000": true, "19912345678": true, "12800138000": false, "1380013800": false, "1380013800a": false} {
		if ValidPhone(p) != ok {
			t.Errorf("ValidPhone(%q) != %v", p, ok)
		}
	}
}

func TestParseID(t *testing.T) {
	now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	first := "36010219900307123"
	good := first + string(IDCheckChar(first))
	info, err := ParseID(good, now)
	if err != nil || info.Birth.Format("2006-01-02") != "1990-03-07" || !info.Male {
		t.Fatalf("%s: %+v %v", good, info, err)
	}
	wrong := first + string("10X98765432"[(strings.IndexByte("10X98765432", IDCheckChar(first))+1)%11])
	for id, want := range map[string]error{
		"3601021990030712":        ErrIDLength,
		"36010219900307123A":      ErrIDDigits,
		"36010219901307123" + "0": ErrIDBirth,
		"36010230000101123" + "0": ErrIDBirth,
		wrong:                     ErrIDCheck,
		"01010219900307123" + "0": ErrIDRegion,
	} {
		if _, err := ParseID(id, now); err != want {
			t.Errorf("ParseID(%s) = %v, want %v", id, err, want)
		}
	}
	// A real-format female ID with X check digit round-trips.
	f := "11010519491231002"
	if c := IDCheckChar(f); c != 'X' {
		t.Errorf("check char of the GB 11643 example = %c, want X", c)
	}
	if info, err := ParseID(f+"x", now); err != nil || info.Male {
		t.Errorf("lower-case x: %+v %v", info, err)
	}
}

func TestNormalise(t *testing.T) {
	now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct{ name, in, want string }{
		{"ASCII", "36010219900101123X", "36010219900101123X"},
		{"LowerX", "36010219900101123x", "36010219900101123X"},
		{"FullWidth", " ３６０１０２１９９００１０１１２３Ｘ ", "36010219900101123X"},
		{"FullWidthLowerX", "３６０１０２１９９００１０１１２３ｘ", "36010219900101123X"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := NormaliseID(tt.in); got != tt.want {
				t.Errorf("NormaliseID(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	first := "36010219900307123"
	fw := []rune{}
	for _, r := range first + string(IDCheckChar(first)) {
		fw = append(fw, r-'0'+'０')
	}
	if _, err := ParseID(NormaliseID(string(fw)), now); err != nil {
		t.Errorf("a full-width ID number is refused: %v", err)
	}
	for _, tt := range []struct{ name, in, want string }{
		{"ASCII", "13800138000", "13800138000"},
		{"FullWidth", "１３８００１３８０００", "13800138000"},
		{"Grouped", " 138 0013-8000 ", "13800138000"},
		{"FullWidthDash", "１３８－００１３－８０００", "13800138000"},
	} {
		t.Run("Phone"+tt.name, func(t *testing.T) {
			got := NormalisePhone(tt.in)
			if got != tt.want || !ValidPhone(got) {
				t.Errorf("NormalisePhone(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
