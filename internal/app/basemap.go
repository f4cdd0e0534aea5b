package app

import (
	"context"

	"grassroots/internal/platform/authz"
	"grassroots/internal/registry"
	"grassroots/internal/territory"
)

// baseBuildings gives the territory's base map the buildings of the grids
// in view through the registry's scoped list, to those who may see
// buildings (registry.view); others get the outlines only.
func baseBuildings(reg *registry.Service) territory.BuildingSource {
	return func(ctx context.Context, grids []string, limit int) ([]territory.BaseBuilding, error) {
		if a := authz.ActorFrom(ctx); a == nil || !a.Can(registry.PermView) {
			return nil, nil
		}
		var out []territory.BaseBuilding
		for _, g := range grids {
			if len(out) >= limit {
				break
			}
			bs, err := reg.Buildings(ctx, g, 0, limit-len(out))
			if err != nil {
				return nil, err
			}
			for _, b := range bs {
				out = append(out, territory.BaseBuilding{ID: b.ID, Name: b.Name, Lon: b.Lon, Lat: b.Lat, Footprint: b.Footprint})
			}
		}
		return out, nil
	}
}
