package web

import "strings"

// RegionPicker is the data of the "region-picker" template block
// (templates/pickers.html): a division chosen by typing its name, as
// people know it, never by its code. The page sends the chosen code in a
// hidden field Name and the typed text in Name+"_text"; without scripts
// the text alone arrives and the handler resolves it by name
// (PickedText).
//
// With picker.js the text field suggests divisions from URL as the
// person types, each shown with its path (南昌市 › 东湖区 › 滕王阁街道).
// URL answers like GET /api/v1/regions: {"items": [{"code", "name",
// "level", "path"?}]}; items without a path get theirs from their
// parents.
type RegionPicker struct {
	ID          string // element id prefix, unique on the page
	Name        string // form field of the code, e.g. region_code
	Label       string
	Code        string // the division chosen, if any
	Level       string // its level
	Path        string // its names, top down, joined by PathSep
	URL         string // the suggestions; empty: /api/v1/regions
	Levels      []string
	RoleFrom    string // name of the form's role select that decides the levels offered
	Required    bool
	Hint        string
	Placeholder string
	None        string   // shown when no division matches
	Errors      []string // what is wrong with the choice, shown beside the field
}

// PathSep joins the names of a division's path.
const PathSep = " › "

// LevelList is Levels as the data attribute carries them.
func (p RegionPicker) LevelList() string { return strings.Join(p.Levels, ",") }

// Source is the suggestions URL.
func (p RegionPicker) Source() string {
	if p.URL == "" {
		return "/api/v1/regions"
	}
	return p.URL
}

// PickedText returns the name typed into a picker without choosing from
// the suggestions: the last part of a path (东湖区 › 滕王阁街道 →
// 滕王阁街道), and the whole path as typed, trimmed.
func PickedText(text string) (name, path string) {
	path = strings.TrimSpace(text)
	parts := strings.Split(path, "›")
	name = strings.TrimSpace(parts[len(parts)-1])
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return name, strings.Join(parts, PathSep)
}
