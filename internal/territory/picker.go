package territory

import (
	"context"
	"net/url"
	"slices"
	"strings"

	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/web"
)

// Divisions are shown to people by name, never by code. A division by its
// own name, a grid by its community's name and its own, since grids are
// numbered alike in every community: 甲一社区居委会 › 甲一网格1. Forms
// choose a division by name too (web.RegionPicker); the code travels only
// in hidden fields, URLs and data attributes.

// UnscopedLabels returns how pages name the divisions with the given
// codes: the name, or for a grid "community › grid". Like UnscopedNames
// it reads whatever the actor's scope, for labelling rows the caller has
// already read in that scope, in one query per page of rows. Unknown
// codes are left out.
func (s *Service) UnscopedLabels(ctx context.Context, codes []string) (map[string]string, error) {
	gridLen, communityLen := codeLen[LevelGrid], codeLen[LevelCommunity]
	all := make([]string, 0, len(codes)+len(codes)/2)
	for _, c := range codes {
		all = append(all, c)
		if len(c) == gridLen {
			all = append(all, c[:communityLen])
		}
	}
	names, err := s.UnscopedNames(ctx, all)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(codes))
	for _, c := range codes {
		n, ok := names[c]
		if !ok {
			continue
		}
		if len(c) == gridLen {
			if cn, ok := names[c[:communityLen]]; ok {
				n = cn + web.PathSep + n
			}
		}
		out[c] = n
	}
	return out, nil
}

// Picker completes a division picker p whose Code is set: the names of
// the division and of those above it that the actor sees, top down, as
// picker.js shows a suggestion, and its level. A code that is unknown or
// outside the actor's scope leaves the picker empty.
func (s *Service) Picker(ctx context.Context, p web.RegionPicker) (web.RegionPicker, error) {
	if p.Code == "" {
		return p, nil
	}
	crumbs, err := s.Breadcrumb(ctx, p.Code)
	if err != nil {
		return p, err
	}
	if len(crumbs) == 0 || crumbs[len(crumbs)-1].Code != p.Code {
		p.Code, p.Path, p.Level = "", "", ""
		return p, nil
	}
	names := make([]string, len(crumbs))
	for i, c := range crumbs {
		names[i] = c.Name
	}
	p.Path, p.Level = strings.Join(names, web.PathSep), string(crumbs[len(crumbs)-1].Level)
	return p, nil
}

// Picked reads the division picker named field from a form: the code
// chosen from the suggestions while the text still names it, otherwise
// (a page without scripts, or a name typed over the choice) the division
// of the typed name in the actor's scope, at one of levels (none: any).
// A name shared by several divisions needs the names above it (甲一街道 ›
// 甲一社区居委会). A form that sends no text (an older client) is taken at
// its code; an empty text chooses nothing.
func (s *Service) Picked(ctx context.Context, form url.Values, field string, levels ...Level) (string, error) {
	code := strings.TrimSpace(form.Get(field))
	texts, typed := form[field+"_text"]
	if !typed {
		return code, nil
	}
	text := ""
	if len(texts) > 0 {
		text = texts[0]
	}
	name, path := web.PickedText(text)
	if name == "" {
		return "", nil
	}
	if code != "" {
		if r, err := s.ContainsRegion(ctx, code); err == nil && r.Name == name {
			return code, nil
		} else if err != nil && errs.CodeOf(err) != errs.NotFound {
			return "", err
		}
	}
	rs, err := s.Regions(ctx, RegionFilter{Name: name, Limit: 200})
	if err != nil {
		return "", err
	}
	var found []Region
	for _, r := range rs {
		if r.Name == name && (len(levels) == 0 || slices.Contains(levels, r.Level)) {
			found = append(found, r)
		}
	}
	if len(found) > 1 && path != name {
		var same []Region
		for _, r := range found {
			crumbs, err := s.Breadcrumb(ctx, r.Code)
			if err != nil {
				return "", err
			}
			names := make([]string, len(crumbs))
			for i, c := range crumbs {
				names[i] = c.Name
			}
			if p := strings.Join(names, web.PathSep); p == path || strings.HasSuffix(p, web.PathSep+path) {
				same = append(same, r)
			}
		}
		found = same
	}
	switch len(found) {
	case 0:
		return "", errs.Field(field, "rule.region_pick_none", name)
	case 1:
		return found[0].Code, nil
	}
	return "", errs.Field(field, "rule.region_pick_many", name)
}
