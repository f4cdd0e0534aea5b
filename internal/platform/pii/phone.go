package pii

import (
	"regexp"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// Phone numbers arrive as people and spreadsheets write them: grouped
// with spaces, dashes and brackets, in full-width digits, behind +86 or
// 0086, as a landline with its area code, two in one cell, or turned
// into a number by Excel (1.3812345678E+10, 13812345678.0). ReadPhone
// and ReadPhones bring each to one written form, so that the same number
// is always stored (and found) the same way:
//
//   - a mainland mobile: its 11 digits, 13812345678;
//   - a mainland landline: area code, dash, local number, 0791-88888888
//     (and -123 for an extension);
//   - a 400/800 service number: 400-123-4567;
//   - a number outside the mainland (+44 20 7946 0000): as it was sent,
//     its spaces tidied.
//
// Anything else is not read: the caller keeps the text as it came and
// says so, rather than guessing.

var (
	phoneLabel = regexp.MustCompile(`(?i)^(手机号码|手机号|手机|移动电话|电话号码|联系电话|联系方式|电话|座机|固话|tel|phone|mobile|mob)\s*[:：.]?\s*`)
	// excelNumber is a number Excel wrote in E notation.
	excelNumber = regexp.MustCompile(`^([0-9]+)(?:\.([0-9]+))?[eE]\+?([0-9]+)$`)
	// excelDecimal is a whole number Excel wrote with a decimal part.
	excelDecimal = regexp.MustCompile(`^([0-9]+)\.0+$`)
	extension    = regexp.MustCompile(`(?i)\s*(?:转|分机|ext\.?|x|#)\s*([0-9]{1,6})$`)
	// phoneLike finds the numbers inside a longer text (张先生 138…).
	phoneLike = regexp.MustCompile(`\+?[0-9(（][0-9 ()（）\-]{5,}[0-9]`)
)

// ReadPhone reads one phone number (see the rules above) and reports
// whether it could: "+86 791 8888 8888" gives "0791-88888888",
// "1.3812345678E+10" gives "13812345678", "+44 20 7946 0000" is kept.
func ReadPhone(s string) (string, bool) {
	t := strings.TrimSpace(norm.NFKC.String(s))
	t = strings.TrimSpace(phoneLabel.ReplaceAllString(t, ""))
	if t == "" {
		return "", false
	}
	if m := excelNumber.FindStringSubmatch(t); m != nil {
		// Exact only when the mantissa holds every digit: 1.38123E+10
		// is a number Excel already cut short, not 13812300000.
		if len(m[3]) > 2 || atoi(m[3]) != len(m[2]) {
			return "", false
		}
		t = m[1] + m[2]
	} else if m := excelDecimal.FindStringSubmatch(t); m != nil {
		t = m[1]
	}
	ext := ""
	if m := extension.FindStringSubmatchIndex(t); m != nil && m[0] > 0 {
		ext, t = t[m[2]:m[3]], strings.TrimSpace(t[:m[0]])
	}
	national := false // written with +86 / 0086 before it
	switch {
	case strings.HasPrefix(t, "+86"), strings.HasPrefix(t, "(+86)"), strings.HasPrefix(t, "0086"):
		t = strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(t, "(+86)"), "+86"), "0086")
		national = true
	case strings.HasPrefix(t, "+"), strings.HasPrefix(t, "00"):
		return foreign(t, ext)
	}
	groups := phoneGroups(t)
	if groups == nil {
		return "", false
	}
	d := strings.Join(groups, "")
	switch {
	case len(d) == 11 && mobilePrefix(d) && ext == "":
		return d, true
	case !national && len(d) == 13 && strings.HasPrefix(d, "86") && mobilePrefix(d[2:]) && ext == "":
		return d[2:], true
	case !national && (len(d) == 10 && (strings.HasPrefix(d, "400") || strings.HasPrefix(d, "800"))):
		return withExt(d[:3]+"-"+d[3:6]+"-"+d[6:], ext), true
	}
	if national {
		// After +86 a landline drops its trunk 0: +86 791 8888 8888.
		if d == "" || d[0] == '0' {
			return "", false
		}
		groups[0], d = "0"+groups[0], "0"+d
	}
	if d == "" || d[0] != '0' {
		return "", false
	}
	return landline(groups, d, ext)
}

// ReadPhones reads every phone number in s: numbers apart by /, 、, a
// comma, a semicolon, 或, or spaces between whole numbers
// (13800001111/13900002222). phones are the numbers read, each once, in
// written form; rest is what could not be read (a name, a number Excel
// cut short), so that the caller keeps it as it came. ReadPhones("")
// is nil, "".
func ReadPhones(s string) (phones []string, rest string) {
	t := norm.NFKC.String(s)
	var left []string
	add := func(p string) {
		for _, q := range phones {
			if q == p {
				return
			}
		}
		phones = append(phones, p)
	}
	for _, part := range strings.FieldsFunc(t, func(r rune) bool {
		return r == '/' || r == '、' || r == ',' || r == ';' || r == '|' || r == '\n' || r == '\r' || r == '或' || r == '及' || r == '和'
	}) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if p, ok := ReadPhone(part); ok {
			add(p)
			continue
		}
		if ps, ok := readEach(strings.Fields(part)); ok {
			for _, p := range ps {
				add(p)
			}
			continue
		}
		// Numbers inside other text: 张先生 13800001111.
		out, found := part, false
		for _, loc := range phoneLike.FindAllStringIndex(part, -1) {
			cand := part[loc[0]:loc[1]]
			ps, ok := readEach([]string{cand})
			if !ok {
				ps, ok = readEach(strings.Fields(cand))
			}
			if !ok {
				continue
			}
			for _, p := range ps {
				add(p)
			}
			out, found = strings.Replace(out, cand, " ", 1), true
		}
		if found {
			part = strings.Trim(strings.TrimSpace(phoneLabel.ReplaceAllString(strings.TrimSpace(out), "")), " :：()（）-")
		}
		if part != "" {
			left = append(left, part)
		}
	}
	return phones, strings.Join(left, " ")
}

// readEach reads every one of parts as a phone, or none.
func readEach(parts []string) ([]string, bool) {
	if len(parts) == 0 {
		return nil, false
	}
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		n, ok := ReadPhone(p)
		if !ok {
			return nil, false
		}
		out = append(out, n)
	}
	return out, true
}

// phoneGroups splits a number into its digit groups (as it was grouped
// by spaces, dashes, dots or brackets); nil when anything else is in it.
func phoneGroups(t string) []string {
	var groups []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			groups = append(groups, cur.String())
			cur.Reset()
		}
	}
	for _, r := range t {
		switch {
		case r >= '0' && r <= '9':
			cur.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || r == '（' || r == '）' || r == '\u00a0' || r == '\t':
			flush()
		default:
			return nil
		}
	}
	flush()
	if len(groups) == 0 {
		groups = []string{""}
	}
	return groups
}

func mobilePrefix(d string) bool { return d[0] == '1' && d[1] >= '3' && d[1] <= '9' && allDigits(d) }

// landline writes a mainland landline as 0AAA-NNNNNNNN: the area code as
// the number was grouped when that is an area code, else by the rule of
// the plan (010 and 02X are three digits, the others four).
func landline(groups []string, d, ext string) (string, bool) {
	area := ""
	if g := groups[0]; len(groups) > 1 && areaCode(g) {
		area = g
	} else if d[1] == '1' || d[1] == '2' {
		area = d[:3]
	} else {
		area = d[:min(4, len(d))]
	}
	if !areaCode(area) {
		return "", false
	}
	local := strings.TrimPrefix(d, area)
	// A last group past a full local number is an extension:
	// 0791-8888888-123.
	if ext == "" && len(groups) > 2 && len(local) > 8 {
		last := groups[len(groups)-1]
		if l := strings.TrimSuffix(local, last); len(l) >= 7 && len(l) <= 8 {
			local, ext = l, last
		}
	}
	if len(local) < 7 || len(local) > 8 || local[0] < '2' {
		return "", false
	}
	return withExt(area+"-"+local, ext), true
}

// areaCode reports a mainland area code: 010, 020–029, or 0 and three
// digits not starting with 0, 1 or 2.
func areaCode(a string) bool {
	if !allDigits(a) || a == "" || a[0] != '0' {
		return false
	}
	switch len(a) {
	case 3:
		return a[1] == '1' && a[2] == '0' || a[1] == '2'
	case 4:
		return a[1] >= '3'
	}
	return false
}

func withExt(n, ext string) string {
	if ext == "" {
		return n
	}
	return n + "-" + ext
}

// foreign keeps a number outside the mainland as sent, its spaces
// tidied, when it has the 7–15 digits of an international number.
func foreign(t, ext string) (string, bool) {
	intl := strings.TrimPrefix(t, "+")
	if intl == t {
		intl = strings.TrimPrefix(t, "00")
	}
	groups := phoneGroups(intl)
	if groups == nil {
		return "", false
	}
	// A country code never starts with 0.
	if d := strings.Join(groups, ""); len(d) < 7 || len(d) > 15 || d[0] == '0' {
		return "", false
	}
	out := strings.Join(strings.Fields(t), " ")
	if ext != "" {
		out += " ext " + ext
	}
	return out, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
