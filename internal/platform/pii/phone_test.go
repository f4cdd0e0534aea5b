package pii

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestReadPhone reads one number as Excel, hotline systems and people
// write it (issue 9 §2.5): every mainland number comes out in one form.
func TestReadPhone(t *testing.T) {
	for _, tt := range []struct {
		name, in, want string
		ok             bool
	}{
		{"Mobile", "13812345678", "13812345678", true},
		{"ExcelExponent", "1.3812345678E+10", "13812345678", true},
		{"ExcelExponentLower", "1.3812345678e10", "13812345678", true},
		{"ExcelDecimal", "13812345678.0", "13812345678", true},
		{"ExcelCutShort", "1.38123E+10", "", false},
		{"Grouped", "138 1234 5678", "13812345678", true},
		{"Dashed", "138-1234-5678", "13812345678", true},
		{"FullWidth", "１３８１２３４５６７８", "13812345678", true},
		{"Plus86", "+86 138 1234 5678", "13812345678", true},
		{"Plus86Dash", "+86-13812345678", "13812345678", true},
		{"Zero086", "008613812345678", "13812345678", true},
		{"Bare86", "8613812345678", "13812345678", true},
		{"Label", "手机：13812345678", "13812345678", true},
		{"LandlineDash", "0791-88888888", "0791-88888888", true},
		{"LandlineBrackets", "(0791)88888888", "0791-88888888", true},
		{"LandlineFullWidthBrackets", "（0791）88888888", "0791-88888888", true},
		{"LandlineRun", "079188888888", "0791-88888888", true},
		{"LandlineSpaces", "0791 8888 8888", "0791-88888888", true},
		{"LandlineSevenDigits", "0791-8888888", "0791-8888888", true},
		{"BeijingRun", "01088888888", "010-88888888", true},
		{"GuangzhouRun", "02088888888", "020-88888888", true},
		{"Plus86Landline", "+86 791 8888 8888", "0791-88888888", true},
		{"Plus86Beijing", "+86 10 8888 8888", "010-88888888", true},
		{"Extension", "0791-88888888转123", "0791-88888888-123", true},
		{"ExtensionGroup", "0791-8888888-123", "0791-8888888-123", true},
		{"ServiceNumber", "400-123-4567", "400-123-4567", true},
		{"Foreign", "+44 20 7946 0000", "+44 20 7946 0000", true},
		{"ForeignSpaces", "+44  20 7946 0000 ", "+44 20 7946 0000", true},
		{"LocalOnly", "88888888", "", false},
		{"TooShort", "1381234567", "", false},
		{"BadAreaCode", "0001-88888888", "", false},
		{"Words", "无", "", false},
		{"Empty", "", "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ReadPhone(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("ReadPhone(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestReadPhones reads the cells that hold more than one number, or a
// number among other words; what is not a number is handed back.
func TestReadPhones(t *testing.T) {
	for _, tt := range []struct {
		name, in string
		phones   []string
		rest     string
	}{
		{"Slash", "13800001111/13900002222", []string{"13800001111", "13900002222"}, ""},
		{"Enumeration", "13800001111、0791-88888888", []string{"13800001111", "0791-88888888"}, ""},
		{"Comma", "13800001111,13900002222", []string{"13800001111", "13900002222"}, ""},
		{"FullWidthComma", "13800001111，13900002222", []string{"13800001111", "13900002222"}, ""},
		{"Semicolon", "13800001111；13900002222", []string{"13800001111", "13900002222"}, ""},
		{"Spaces", "13800001111 13900002222", []string{"13800001111", "13900002222"}, ""},
		{"Or", "13800001111或13900002222", []string{"13800001111", "13900002222"}, ""},
		{"Twice", "13800001111/138-0000-1111", []string{"13800001111"}, ""},
		{"ExcelTwo", "1.3800001111E+10/13900002222.0", []string{"13800001111", "13900002222"}, ""},
		{"Name", "张先生 13800001111", []string{"13800001111"}, "张先生"},
		{"CutShort", "1.38E+10", nil, "1.38E+10"},
		{"OneGoodOneBad", "13800001111/12345", []string{"13800001111"}, "12345"},
		{"Words", "不愿透露", nil, "不愿透露"},
		{"Empty", "", nil, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			phones, rest := ReadPhones(tt.in)
			if d := cmp.Diff(tt.phones, phones); d != "" || rest != tt.rest {
				t.Errorf("ReadPhones(%q): rest %q (want %q), phones (-want +got):\n%s", tt.in, rest, tt.rest, d)
			}
		})
	}
}
