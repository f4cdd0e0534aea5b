package app

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"time"

	"grassroots/internal/party"
	"grassroots/internal/registry"
	"grassroots/internal/territory"
	"grassroots/internal/workforce"
)

// seedCity generates the whole city at real scale for load work: every
// community of Nanchang (2,263) gets a synthetic outline on a lattice over
// the city, six grids, households and residents, about `residents` people
// in all (6.5 million by default). All synthetic and labelled; a second
// run skips communities that already have grids. Progress goes to out.
func seedCity(ctx context.Context, a *App, out io.Writer, residents int) error {
	communities, err := a.Territory.Regions(ctx, territory.RegionFilter{Level: territory.LevelCommunity, Parent: "", Limit: 100000})
	if err != nil {
		return err
	}
	var todo []territory.Region
	for _, c := range communities {
		if strings.HasPrefix(c.Code, demoSubdistrict) {
			continue // the demo subdistrict has its own, richer data
		}
		todo = append(todo, c)
	}
	perCommunity := residents / max(1, len(communities))
	const cols = 48
	const w, h = 0.012, 0.009 // about 1.2 km × 1 km
	origin := [2]float64{115.55, 28.35}
	r := rand.New(rand.NewPCG(demoSeed, 6))
	used := map[string]bool{}
	start := time.Now()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	made := 0
	for i, c := range todo {
		if gs, err := a.Territory.Grids(ctx, territory.GridFilter{Region: c.Code, Limit: 1}); err != nil {
			return err
		} else if len(gs) > 0 {
			// Built before: add what a later version generates too.
			if err := seedCityParty(ctx, a, r, c); err != nil {
				return err
			}
			if i%25 == 0 {
				fmt.Fprintf(out, "\rcity: %d/%d communities checked", i+1, len(todo))
			}
			continue
		}
		x0 := origin[0] + float64(i%cols)*w
		y0 := origin[1] + float64(i/cols)*h
		if _, err := a.Territory.SetBoundary(ctx, c.Code, territory.BoundaryInput{Geometry: rectGeoJSON(x0, y0, x0+w, y0+h),
			Source: "城市规模压测数据（合成）synthetic load data", Approximate: true}); err != nil {
			return fmt.Errorf("%s: %w", c.Code, describe(a, err))
		}
		var feats []string
		for g := 0; g < 6; g++ {
			gx, gy := x0+float64(g%3)*w/3, y0+float64(g/3)*h/2
			feats = append(feats, fmt.Sprintf(`{"type":"Feature","properties":{"community_code":%q,"name":"%s第%d网格（合成）"},"geometry":%s}`,
				c.Code, trimCommittee(c.Name), g+1, rectGeoJSON(gx, gy, gx+w/3, gy+h/2)))
		}
		rep, err := a.Territory.ImportGrids(ctx, []byte(`{"type":"FeatureCollection","features":[`+strings.Join(feats, ",")+`]}`), false)
		if err != nil || !rep.Committed {
			return fmt.Errorf("grids of %s: %v %+v", c.Code, err, rep.Problems)
		}
		rows := [][]string{registry.PeopleHeader}
		// Two communities of a city may carry one name (渔业村, in two
		// subdistricts; 尤口居委会 and 尤口村委会, in one): the address
		// names the subdistrict and the whole committee, so that no
		// household is another community's.
		street := trimCommittee(mustName(ctx, a, c.ParentCode)) + c.Name
		for n, hh := 0, 0; n < perCommunity; hh++ {
			grid := fmt.Sprintf("%s%03d", c.Code, 1+hh%6)
			addr := fmt.Sprintf("南昌市%s%d号（合成）", street, hh+1)
			fam := demoFamily(r, used, now, addr, grid, registry.SelfOccupied)
			rows = append(rows, fam...)
			n += len(fam)
		}
		ir, err := a.Registry.ImportPeople(ctx, rows, registry.ImportOptions{})
		if err != nil || !ir.Committed {
			first := ""
			if len(ir.Errors) > 0 {
				first = fmt.Sprintf(", the first: %+v", ir.Errors[0])
			}
			return fmt.Errorf("people of %s: %v: %d errors%s", c.Code, err, len(ir.Errors), first)
		}
		made += ir.Created
		if err := seedCityParty(ctx, a, r, c); err != nil {
			return err
		}
		if i%25 == 0 || i == len(todo)-1 {
			el := time.Since(start)
			fmt.Fprintf(out, "\rcity: %d/%d communities, %d residents, %.0f residents/s", i+1, len(todo), made, float64(made)/el.Seconds())
		}
	}
	fmt.Fprintf(out, "\ncity: %d residents in %s\n", made, time.Since(start).Round(time.Second))
	return nil
}

// seedCityParty gives a generated community a Party committee, a branch per
// grid, members from its residents tagged 党员, and three to six community
// workers, unless it has a committee already.
func seedCityParty(ctx context.Context, a *App, r *rand.Rand, c territory.Region) error {
	if orgs, err := a.Party.Orgs(ctx, party.OrgFilter{Region: c.Code, Kind: party.Committee, Limit: 1}); err != nil || len(orgs) > 0 {
		return err
	}
	committee, err := a.Party.CreateOrg(ctx, party.OrgInput{Name: trimCommittee(c.Name) + "党委（合成）", Kind: party.Committee, RegionCode: c.Code})
	if err != nil {
		return fmt.Errorf("committee of %s: %w", c.Code, describe(a, err))
	}
	grids, err := a.Territory.Grids(ctx, territory.GridFilter{Region: c.Code})
	if err != nil {
		return err
	}
	for _, g := range grids {
		branch, err := a.Party.CreateOrg(ctx, party.OrgInput{ParentID: committee.ID, Name: g.Name + "党支部", Kind: party.Branch, RegionCode: g.Code})
		if err != nil {
			return fmt.Errorf("branch of %s: %w", g.Code, describe(a, err))
		}
		people, err := a.Registry.People(ctx, registry.PersonFilter{Region: g.Code, Tag: "party_member", Limit: 1000})
		if err != nil {
			return err
		}
		for _, p := range people {
			if _, err := a.Party.CreateMember(ctx, party.MemberInput{OrgID: branch.ID, PersonID: p.ID, Name: p.Name, Category: party.Direct,
				Status: "full", RegionCode: g.Code, ModelHousehold: r.IntN(10) == 0}); err != nil {
				return fmt.Errorf("member of %s: %w", g.Code, describe(a, err))
			}
		}
	}
	for i, n := 0, 3+r.IntN(4); i < n; i++ {
		if _, err := a.Workforce.AddWorker(ctx, workforce.WorkerInput{RegionCode: c.Code, Name: demoName(r) + "（合成）", Post: "social_worker",
			Certificate: "none", Education: "bachelor"}); err != nil {
			return fmt.Errorf("worker of %s: %w", c.Code, describe(a, err))
		}
	}
	return nil
}
