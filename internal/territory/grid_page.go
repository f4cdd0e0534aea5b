package territory

import (
	"context"
	"fmt"

	"grassroots/internal/platform/db"
)

// GridFigures are the registry's totals of a grid, shown on its page.
type GridFigures struct {
	Buildings  int
	Households int
	Residents  int
	// CareHouseholds are the households where someone is under special
	// care (独居老人, 残疾人, 低保 …); CarePeople are those people.
	CareHouseholds int
	CarePeople     int
}

// GridDeps are what the grid page shows from the modules above territory,
// which territory cannot import: app passes them in. A nil func leaves its
// part of the page out, and so does a func that answers that the actor may
// not see it (errs.Forbidden), so that a resident who may open the grid
// page is not shown the registry's figures.
type GridDeps struct {
	// Figures counts the grid's buildings, households and residents.
	// When set, the page also loads the grid's building list
	// (/buildings?region=) and links the special-care list
	// (/people?region=&tag=care).
	Figures func(ctx context.Context, grid string) (GridFigures, error)
	// OpenCases counts the grid's open cases; the page links the grid's
	// case list (/cases?region=).
	OpenCases func(ctx context.Context, grid string) (int, error)
}

// GridPath is the page of the grid with code: every mention of a grid
// links there.
func GridPath(code string) string { return "/grids/" + code }

// RegionPath is the page of any division: a grid's own page, the
// division page otherwise. Links to /regions/{code} of a grid are
// redirected to its grid page too.
func RegionPath(code string) string {
	if len(code) == codeLen[LevelGrid] {
		return GridPath(code)
	}
	return "/regions/" + code
}

// UnscopedNames returns the names of the divisions with the given codes,
// whatever the actor, for labelling rows the caller has already read in
// the actor's scope (a building's grid, a resident's community). Unknown
// codes are left out.
func (s *Service) UnscopedNames(ctx context.Context, codes []string) (map[string]string, error) {
	out := make(map[string]string, len(codes))
	seen := map[string]bool{}
	var args []any
	for _, c := range codes {
		if c != "" && !seen[c] {
			seen[c] = true
			args = append(args, c)
		}
	}
	for len(args) > 0 {
		n := min(len(args), 500)
		rows, err := s.db.QueryContext(ctx, `/* territory.UnscopedNames */ SELECT code, name FROM territory_regions WHERE code IN (`+db.In(n)+`)`, args[:n]...)
		if err != nil {
			return nil, fmt.Errorf("territory: names: %w", err)
		}
		for rows.Next() {
			var code, name string
			if err := rows.Scan(&code, &name); err != nil {
				rows.Close()
				return nil, fmt.Errorf("territory: names: %w", err)
			}
			out[code] = name
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("territory: names: %w", err)
		}
		args = args[n:]
	}
	return out, nil
}
