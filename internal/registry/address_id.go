package registry

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
)

// LocateBuilding finds a building by its id, the address_id standard
// interfaces (Open311) name a registry address by, without scope: it
// tells only where the building is and its standard address.
func (s *Service) LocateBuilding(ctx context.Context, addressID string) (Place, bool, error) {
	id, err := strconv.ParseInt(addressID, 10, 64)
	if err != nil || id <= 0 {
		return Place{}, false, nil
	}
	var p Place
	err = s.db.QueryRowContext(ctx, `/* registry.LocateBuilding */ SELECT region_code, lon, lat, address FROM registry_buildings WHERE id = ?`, id).
		Scan(&p.RegionCode, &p.Lon, &p.Lat, &p.Address)
	if errors.Is(err, sql.ErrNoRows) {
		return Place{}, false, nil
	}
	if err != nil {
		return Place{}, false, fmt.Errorf("registry: locate building %d: %w", id, err)
	}
	return p, true, nil
}
