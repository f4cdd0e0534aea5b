package app

import (
	"context"
	"fmt"
	"strings"

	"grassroots/internal/party"
	"grassroots/internal/registry"
	"grassroots/internal/territory"
	"grassroots/internal/units"
	"grassroots/internal/workforce"
)

// demoCoBuilding are the co-building units of an area (共驻共建): their
// names and kinds. 滕王阁街道 has its own; the others are named after
// their district and subdistrict.
func demoCoBuilding(ctx context.Context, a *App, ar demoArea) []struct{ name, sub string } {
	if ar.salt == 0 {
		return []struct{ name, sub string }{{"东湖区人民医院", "hospital"}, {"滕王阁小学", "school"}, {"市供电公司东湖营业所", "state_enterprise"}, {"东湖区税务所", "agency"}}
	}
	short := strings.TrimSuffix(strings.TrimSuffix(mustName(ctx, a, ar.code), "街道"), "镇")
	d := strings.TrimSuffix(strings.TrimSuffix(ar.district, "区"), "县")
	return []struct{ name, sub string }{{ar.district + "人民医院", "hospital"}, {short + "小学", "school"}, {"市供电公司" + d + "营业所", "state_enterprise"}}
}

// demoPartTimeUnits are the units the part-time committee members of an
// area come from.
func demoPartTimeUnits(ctx context.Context, a *App, ar demoArea) []string {
	if ar.salt == 0 {
		return []string{"东湖区人民医院（演示）", "滕王阁小学（演示）", "市供电公司东湖营业所（演示）", "东湖区税务所（演示）", "某银行东湖支行（演示）"}
	}
	var out []string
	for _, u := range demoCoBuilding(ctx, a, ar) {
		out = append(out, u.name+demoMark)
	}
	return out
}

// seedDemoParty builds the Party tree of the area — a committee per
// community with part-time members from co-building units, a branch per
// grid, a group in every other building — and registers the residents
// tagged 党员 as members. It returns the members registered.
func seedDemoParty(ctx context.Context, a *App, ar demoArea) (int, error) {
	if orgs, err := a.Party.Orgs(ctx, party.OrgFilter{Region: ar.code, Limit: 1}); err != nil || len(orgs) > 0 {
		return 0, err
	}
	r := ar.rng(3)
	communities, err := ar.communitiesOf(ctx, a)
	if err != nil {
		return 0, err
	}
	units := demoPartTimeUnits(ctx, a, ar)
	members := 0
	for _, c := range communities {
		short := trimCommittee(c.Name)
		committee, err := a.Party.CreateOrg(ctx, party.OrgInput{Name: short + "大党委（演示）", Kind: party.Committee, RegionCode: c.Code})
		if err != nil {
			return 0, fmt.Errorf("committee of %s: %w", c.Name, describe(a, err))
		}
		if _, err := a.Party.AddCommitteeMember(ctx, committee.ID, party.CommitteeMemberInput{Name: demoName(r) + "（演示）", Post: "secretary"}); err != nil {
			return 0, err
		}
		for i := 0; i < 2; i++ {
			if _, err := a.Party.AddCommitteeMember(ctx, committee.ID, party.CommitteeMemberInput{Name: demoName(r) + "（演示）", Post: "member",
				Unit: units[r.IntN(len(units))], PartTime: true}); err != nil {
				return 0, err
			}
		}
		grids, err := a.Territory.Grids(ctx, territory.GridFilter{Region: c.Code})
		if err != nil {
			return 0, err
		}
		for _, g := range grids {
			branch, err := a.Party.CreateOrg(ctx, party.OrgInput{ParentID: committee.ID, Name: g.Name + "党支部", Kind: party.Branch, RegionCode: g.Code})
			if err != nil {
				return 0, fmt.Errorf("branch of %s: %w", g.Code, describe(a, err))
			}
			buildings, err := a.Registry.Buildings(ctx, g.Code, 0, 1000)
			if err != nil {
				return 0, err
			}
			for i, b := range buildings {
				if i%2 == 1 {
					continue
				}
				_, err := a.Party.CreateOrg(ctx, party.OrgInput{ParentID: branch.ID, Name: b.Name + "党小组", Kind: party.Group, RegionCode: g.Code, BuildingID: b.ID})
				if err != nil {
					return 0, fmt.Errorf("group of %s: %w", b.Address, describe(a, err))
				}
			}
			people, err := a.Registry.People(ctx, registry.PersonFilter{Region: g.Code, Tag: "party_member", Limit: 1000})
			if err != nil {
				return 0, err
			}
			for _, p := range people {
				in := party.MemberInput{OrgID: branch.ID, PersonID: p.ID, Name: p.Name, Category: party.Direct, Status: "full",
					RegionCode: g.Code, ModelHousehold: r.IntN(10) == 0}
				switch x := r.IntN(10); {
				case x < 3:
					in.Category, in.Workplace = party.InService, units[r.IntN(len(units))]+"党支部"
				case x < 4:
					in.Category = party.Floating
				}
				if r.IntN(25) == 0 {
					in.Status = "probationary"
				}
				if _, err := a.Party.CreateMember(ctx, in); err != nil {
					return 0, fmt.Errorf("member %s: %w", p.Name, describe(a, err))
				}
				members++
			}
		}
	}
	return members, nil
}

// seedDemoWorkforce gives each community of the area three to six
// workers (so some fall short of the staffing floor, as real ones do) and
// one or two reserve candidates for Party secretary.
func seedDemoWorkforce(ctx context.Context, a *App, ar demoArea) (int, error) {
	if ws, err := a.Workforce.Workers(ctx, ar.code, 0, 1); err != nil || len(ws) > 0 {
		return 0, err
	}
	r := ar.rng(4)
	communities, err := ar.communitiesOf(ctx, a)
	if err != nil {
		return 0, err
	}
	posts := []string{"secretary", "director", "deputy", "full_time_grid", "full_time_grid", "social_worker"}
	made := 0
	for _, c := range communities {
		n := 3 + r.IntN(4)
		for i := 0; i < n; i++ {
			in := workforce.WorkerInput{RegionCode: c.Code, Name: demoName(r) + "（演示）", Post: posts[i%len(posts)],
				Certificate: workforce.Certificates[r.IntN(len(workforce.Certificates))], Education: workforce.Educations[r.IntN(len(workforce.Educations))],
				TrainingHours: 8 * r.IntN(10)}
			if _, err := a.Workforce.AddWorker(ctx, in); err != nil {
				return made, fmt.Errorf("worker: %w", describe(a, err))
			}
			made++
		}
		for i := 0; i < 1+r.IntN(2); i++ {
			in := workforce.CandidateInput{RegionCode: c.Code, Name: demoName(r) + "（演示）", CurrentPost: "社区副书记", Score: 70 + r.IntN(30), Status: "candidate"}
			if r.IntN(2) == 0 {
				in.Status, in.FiledOn = "filed", "2026-06-30"
			}
			if _, err := a.Workforce.AddCandidate(ctx, in); err != nil {
				return made, fmt.Errorf("candidate: %w", describe(a, err))
			}
		}
	}
	return made, nil
}

// seedDemoUnits registers the area's co-building units, "two new"
// organisations with mixed coverage, and new-employment stations placed
// by their location.
func seedDemoUnits(ctx context.Context, a *App, ar demoArea) (int, error) {
	if us, err := a.Units.List(ctx, units.Filter{Region: ar.code, Limit: 1}); err != nil || len(us) > 0 {
		return 0, err
	}
	r := ar.rng(5)
	communities, err := ar.communitiesOf(ctx, a)
	if err != nil || len(communities) == 0 {
		return 0, err
	}
	made := 0
	add := func(in units.UnitInput) error {
		if _, err := a.Units.Create(ctx, in); err != nil {
			return fmt.Errorf("unit %s: %w", in.Name, describe(a, err))
		}
		made++
		return nil
	}
	co := demoCoBuilding(ctx, a, ar)
	for i, c := range communities {
		short := trimCommittee(c.Name)
		u := co[i%len(co)]
		if err := add(units.UnitInput{RegionCode: c.Code, Kind: "co_building", Subkind: u.sub, Name: u.name + "（演示）", Headcount: 50 + r.IntN(400),
			Shares: []string{"venues", "people"}[:1+r.IntN(2)]}); err != nil {
			return made, err
		}
		for j := 0; j < 3; j++ {
			sub := "non_public_enterprise"
			if j == 2 {
				sub = "social_organisation"
			}
			org := r.IntN(3) == 0
			if err := add(units.UnitInput{RegionCode: c.Code, Kind: "two_new", Subkind: sub, Name: fmt.Sprintf("%s第%d家两新组织（演示）", short, j+1),
				Headcount: 3 + r.IntN(80), HasPartyOrg: org, WorkCovered: org || r.IntN(2) == 0}); err != nil {
				return made, err
			}
		}
	}
	for _, c := range communities {
		if err := add(units.UnitInput{RegionCode: c.Code, Kind: "business", Subkind: "shop", Name: fmt.Sprintf("%s便民超市（演示）", trimCommittee(c.Name)),
			Headcount: 2 + r.IntN(8)}); err != nil {
			return made, err
		}
	}
	stations := []string{"courier", "delivery", "ride_hailing", "delivery"}
	name := "新就业群体站点%d（演示）"
	if ar.salt != 0 {
		stations = stations[:1]
		name = strings.TrimSuffix(trimCommittee(communities[0].Name), "社区") + "新就业群体站点%d（演示）"
	}
	for i, sub := range stations {
		lon := ar.origin[0] + demoCommunityW*(0.5+float64(i))
		lat := ar.origin[1] + demoCommunityH*0.5
		if err := add(units.UnitInput{Kind: "station", Subkind: sub, Name: fmt.Sprintf(name, i+1), Lon: &lon, Lat: &lat,
			Headcount: 10 + r.IntN(60)}); err != nil {
			return made, err
		}
	}
	return made, nil
}
