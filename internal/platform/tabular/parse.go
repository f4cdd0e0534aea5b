package tabular

import (
	"strconv"
	"strings"
)

// Label turns a cell into a stored value through labels (Chinese label →
// value); a cell that is already a stored value passes unchanged.
func Label(labels map[string]string, cell string) string {
	cell = strings.TrimSpace(cell)
	if v, ok := labels[cell]; ok {
		return v
	}
	return cell
}

// LabelOf is the label of a stored value, for exports.
func LabelOf(labels map[string]string, value string) string {
	for k, v := range labels {
		if v == value {
			return k
		}
	}
	return value
}

// Bool reads 是/否, yes/no, true/false, 1/0 (empty is false).
func Bool(cell string) bool {
	switch strings.ToLower(strings.TrimSpace(cell)) {
	case "是", "yes", "true", "1", "y", "✓":
		return true
	}
	return false
}

// YesNo writes a bool as 是/否.
func YesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// Int reads a whole number; an empty or bad cell is -1, which the module's
// range check then refuses.
func Int(cell string) int {
	cell = strings.TrimSpace(cell)
	if cell == "" {
		return 0
	}
	n, err := strconv.Atoi(cell)
	if err != nil {
		return -1
	}
	return n
}

// List splits a cell on Chinese and Latin separators.
func List(cell string) []string {
	return strings.FieldsFunc(cell, func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == ';' || r == '；' })
}
