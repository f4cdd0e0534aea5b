package city

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"grassroots/internal/platform/db"
)

const profileCols = `code, name, public_url, jurisdiction, centre_lon, centre_lat, bounds_west, bounds_south, bounds_east, bounds_north,
	hours, summer_hours, summer, version, updated_by, updated_at`

// readProfile reads the one profile row; ok is false when there is none.
// The profile is the installation's, not a territory's: it is read the
// same whoever asks.
func readProfile(ctx context.Context, q db.Querier) (p Profile, ok bool, err error) {
	var c [2]sql.NullFloat64
	var b [4]sql.NullFloat64
	err = q.QueryRowContext(ctx, `/* city.readProfile */ SELECT `+profileCols+` FROM city_profile WHERE id = 1`).Scan(
		&p.Code, &p.Name, &p.PublicURL, &p.Jurisdiction, &c[0], &c[1], &b[0], &b[1], &b[2], &b[3],
		&p.Hours, &p.SummerHours, &p.Summer, &p.Version, &p.UpdatedBy, &p.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Profile{}, false, nil
	}
	if err != nil {
		return Profile{}, false, fmt.Errorf("city: read profile: %w", err)
	}
	if c[0].Valid && c[1].Valid {
		p.Centre = formatFloats([]float64{c[0].Float64, c[1].Float64})
	}
	if b[0].Valid && b[1].Valid && b[2].Valid && b[3].Valid {
		p.Bounds = formatFloats([]float64{b[0].Float64, b[1].Float64, b[2].Float64, b[3].Float64})
	}
	if p.UpdatedAt != nil {
		at := p.UpdatedAt.UTC()
		p.UpdatedAt = &at
	}
	return p, true, nil
}

// writeProfile stores p as the profile.
func writeProfile(ctx context.Context, tx *db.Tx, p Profile) error {
	centre, _ := parseCentre(p.Centre)
	bounds, _ := parseBounds(p.Bounds)
	args := []any{p.Code, p.Name, p.PublicURL, p.Jurisdiction}
	if centre != nil {
		args = append(args, centre[0], centre[1])
	} else {
		args = append(args, nil, nil)
	}
	if bounds != nil {
		args = append(args, bounds[0], bounds[1], bounds[2], bounds[3])
	} else {
		args = append(args, nil, nil, nil, nil)
	}
	args = append(args, p.Hours, p.SummerHours, p.Summer, p.Version, p.UpdatedBy, *p.UpdatedAt)
	cols := strings.Split(strings.Join(strings.Fields(profileCols), ""), ",")
	set := make([]string, len(cols))
	for i, c := range cols {
		set[i] = c + " = excluded." + c
	}
	_, err := tx.ExecContext(ctx, `/* city.writeProfile */ INSERT INTO city_profile (id, `+profileCols+`)
		VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET `+strings.Join(set, ", "), args...)
	if err != nil {
		return fmt.Errorf("city: write profile: %w", err)
	}
	return nil
}
