package registry

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
)

// A household entered or imported by its address alone (the people file
// gives an address, not a building) is linked to the building that
// address names, so that the building's page lists it and its Party group
// reaches it. The address is read as MatchAddress reads it: normalised,
// every reading of the division names in front, and a building whose key
// (or its compound's key) begins a reading where a number ends. Only such
// exact beginnings link: a near match (a street a slip away) is a guess,
// and a guess made for thousands of rows at once would misplace
// households, so those stay for a person to link on the household's page.
// The building must lie in the household's community, on the household's
// line of the tree (the same grid, or one above or below it), and be the
// only best one.

// linkRequest is a household's typed address and region.
type linkRequest struct {
	Address string
	Region  string
}

// linkAddresses returns, for each request, the building its address
// names, 0 when none does. It reads the buildings of each community the
// requests lie in once, in tx.
func (s *Service) linkAddresses(ctx context.Context, tx db.Querier, reqs []linkRequest) ([]int64, error) {
	out := make([]int64, len(reqs))
	if len(reqs) == 0 {
		return out, nil
	}
	idx, err := s.divisions(ctx)
	if err != nil {
		return nil, err
	}
	byCommunity := map[string][]int{}
	for i, r := range reqs {
		if len(r.Region) >= 12 && strings.TrimSpace(r.Address) != "" {
			c := r.Region[:12]
			byCommunity[c] = append(byCommunity[c], i)
		}
	}
	communities := make([]string, 0, len(byCommunity))
	for c := range byCommunity {
		communities = append(communities, c)
	}
	sort.Strings(communities)
	for _, c := range communities {
		lo, hi := authz.PrefixRange(c)
		bs, err := db.Collect(ctx, tx, `/* registry.linkAddresses */ SELECT id, region_code, address, lon, lat, match_key, alias_key
			FROM registry_buildings WHERE region_code >= ? AND region_code < ? AND match_key <> ''`, []any{lo, hi},
			func(r db.Scanner) (buildingKey, error) {
				var b buildingKey
				err := r.Scan(&b.id, &b.region, &b.address, &b.lon, &b.lat, &b.match, &b.alias)
				return b, err
			})
		if err != nil {
			return nil, fmt.Errorf("registry: link addresses in %s: %w", c, err)
		}
		if len(bs) == 0 {
			continue
		}
		byKey := map[string][]buildingKey{}
		for _, b := range bs {
			byKey[b.match] = append(byKey[b.match], b)
			if b.alias != "" && b.alias != b.match {
				byKey[b.alias] = append(byKey[b.alias], b)
			}
		}
		for _, i := range byCommunity[c] {
			out[i] = bestBuilding(idx, byKey, reqs[i])
		}
	}
	return out, nil
}

// bestBuilding is the building whose key begins a reading of r's address
// with least left over (the unit and room), 0 when none does or when two
// buildings are equally good.
func bestBuilding(idx *divisionIndex, byKey map[string][]buildingKey, r linkRequest) int64 {
	text := normaliseAddress(r.Address)
	key, _ := idx.strip(text)
	if key == "" {
		return 0
	}
	keys := []string{key}
	for _, k := range idx.readings(text) {
		if k != key {
			keys = append(keys, k)
		}
	}
	best, found, tie := -1, int64(0), false
	for _, reading := range keys {
		rs := []rune(reading)
		for n := min(len(rs), 80); n >= 2; n-- {
			if n < len(rs) && isNum(rs[n-1]) && isNum(rs[n]) {
				continue
			}
			for _, b := range byKey[string(rs[:n])] {
				if !sameLine(b.region, r.Region) {
					continue
				}
				left, ok := numberPrefix(reading, string(rs[:n]))
				if !ok {
					continue
				}
				switch {
				case best < 0 || left < best:
					best, found, tie = left, b.id, false
				case left == best && b.id != found:
					tie = true
				}
			}
		}
	}
	if tie {
		return 0
	}
	return found
}

// sameLine reports whether two regions lie on one line of the tree: one
// is the other or above it.
func sameLine(a, b string) bool { return strings.HasPrefix(a, b) || strings.HasPrefix(b, a) }

// UnscopedRelinkHouseholds links the households that have no building to
// the building their address names (see linkAddresses), a thousand at a
// time, each change audited with the building before and after. It runs
// once, at the first start after linking came (households imported
// before it); households imported since are linked as they are imported.
// It returns how many it linked.
func (s *Service) UnscopedRelinkHouseholds(ctx context.Context) (int, error) {
	linked := 0
	var after int64
	for {
		type row struct {
			id      int64
			region  string
			address string
		}
		rows, err := db.Collect(ctx, s.db, `/* registry.UnscopedRelinkHouseholds */ SELECT id, region_code, address FROM registry_households
			WHERE building_id IS NULL AND id > ? ORDER BY id LIMIT 1000`, []any{after}, func(r db.Scanner) (row, error) {
			var x row
			err := r.Scan(&x.id, &x.region, &x.address)
			return x, err
		})
		if err != nil {
			return linked, fmt.Errorf("registry: relink households: %w", err)
		}
		if len(rows) == 0 {
			return linked, nil
		}
		after = rows[len(rows)-1].id
		err = s.write(ctx, func(tx *db.Tx) error {
			reqs := make([]linkRequest, len(rows))
			for i, x := range rows {
				reqs[i] = linkRequest{Address: x.address, Region: x.region}
			}
			found, err := s.linkAddresses(ctx, tx, reqs)
			if err != nil {
				return err
			}
			for i, x := range rows {
				if found[i] == 0 {
					continue
				}
				res, err := tx.ExecContext(ctx, `/* registry.UnscopedRelinkHouseholds */ UPDATE registry_households SET building_id = ?,
					updated_at = ?, version = version + 1 WHERE id = ? AND building_id IS NULL`, found[i], tx.Now(), x.id)
				if err != nil {
					return fmt.Errorf("registry: relink household %d: %w", x.id, err)
				}
				if n, _ := res.RowsAffected(); n == 0 {
					continue
				}
				linked++
				if err := audit.Record(ctx, tx, audit.Entry{Action: "registry.household.link", ObjectType: "household",
					ObjectID: strconv.FormatInt(x.id, 10), Region: x.region, Before: map[string]any{"building_id": nil},
					After: map[string]any{"building_id": found[i]}, Detail: map[string]string{"by": "address"}}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return linked, err
		}
	}
}

// start loads what the module keeps ready: the address keys of the
// buildings, then, once, the links of the households imported before
// imports linked them.
func (s *Service) start(ctx context.Context) error {
	if err := s.FillAddressKeys(ctx); err != nil {
		return err
	}
	return s.db.RunOnce(ctx, "registry", "data_relink_households", func(ctx context.Context) error {
		_, err := s.UnscopedRelinkHouseholds(authz.WithActor(ctx, authz.System("registry.relink")))
		return err
	})
}
