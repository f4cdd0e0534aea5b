package app

import (
	"context"

	"grassroots/internal/cases"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/pii"
	"grassroots/internal/registry"
	"grassroots/internal/visits"
)

// visitsDeps passes household visits the registry's households and the
// cases service, in the small shapes the visits module declares.
func visitsDeps(a *App, keys *pii.Keyring) visits.Deps {
	return visits.Deps{
		Territory:  a.Territory,
		Keys:       keys,
		Households: visitHouseholds{a.Registry},
		Tags:       registry.Tags,
		GridsOf:    a.Accounts.GridsOf,
		OpenCase: func(ctx context.Context, in visits.CaseInput) (visits.CaseRef, error) {
			res, err := a.Cases.Report(ctx, cases.ReportInput{Category: in.Category, Description: in.Description, Address: in.Address, Lon: in.Lon, Lat: in.Lat})
			if err != nil {
				return visits.CaseRef{}, err
			}
			return visits.CaseRef{ID: res.Case.ID, Number: res.Case.Number}, nil
		},
		FindCase: func(ctx context.Context, number string) (visits.CaseRef, error) {
			id, ok := cases.ParseNumber(number)
			if !ok {
				return visits.CaseRef{}, errs.NotFoundf("kind.case")
			}
			c, err := a.Cases.Case(ctx, id)
			if err != nil {
				return visits.CaseRef{}, err
			}
			return visits.CaseRef{ID: c.ID, Number: c.Number}, nil
		},
		Categories: func(ctx context.Context) ([]visits.Category, error) {
			cat, err := a.Cases.Catalogue(ctx, 0)
			if err != nil {
				return nil, err
			}
			var out []visits.Category
			for _, cl := range cat.Classes() {
				for _, sub := range cat.Subs(cl.Code) {
					out = append(out, visits.Category{Code: sub.Code, Name: sub.Name, NameEN: sub.NameEN,
						ClassCode: cl.Code, Class: cl.Name, ClassEN: cl.NameEN})
				}
			}
			return out, nil
		},
	}
}

// visitHouseholds reads the registry for visits.
type visitHouseholds struct{ r *registry.Service }

func (v visitHouseholds) CareHouseholds(ctx context.Context, sc authz.Scope, within []string) ([]visits.CareHousehold, error) {
	hs, err := v.r.CareHouseholds(ctx, sc, within)
	if err != nil {
		return nil, err
	}
	out := make([]visits.CareHousehold, len(hs))
	for i, h := range hs {
		out[i] = visits.CareHousehold{ID: h.ID, RegionCode: h.RegionCode, Address: h.Address, Tags: h.Tags}
	}
	return out, nil
}

func (v visitHouseholds) Household(ctx context.Context, sc authz.Scope, id int64) (visits.Household, error) {
	t, err := v.r.VisitTarget(ctx, sc, id)
	if err != nil {
		return visits.Household{}, err
	}
	return visits.Household{ID: t.ID, RegionCode: t.RegionCode, Address: t.Address, Lon: t.Lon, Lat: t.Lat, Tags: t.Tags, Members: t.Members}, nil
}

func (v visitHouseholds) Search(ctx context.Context, sc authz.Scope, address string, limit int) ([]visits.Household, error) {
	ts, err := v.r.VisitTargets(ctx, sc, address, limit)
	if err != nil {
		return nil, err
	}
	out := make([]visits.Household, len(ts))
	for i, t := range ts {
		out[i] = visits.Household{ID: t.ID, RegionCode: t.RegionCode, Address: t.Address}
	}
	return out, nil
}

// householdVisits gives a household's card its last visits, as the actor
// may read them: nothing for one without visits.view.
func householdVisits(a *App) registry.HouseholdVisits {
	return func(ctx context.Context, id int64, limit int) (registry.VisitHistory, error) {
		act := authz.ActorFrom(ctx)
		if act == nil || !act.Can(visits.PermView) {
			return registry.VisitHistory{}, nil
		}
		list, err := a.Visits.Visits(ctx, authz.ScopeFrom(ctx), visits.VisitFilter{HouseholdID: id, Limit: limit})
		if err != nil {
			return registry.VisitHistory{}, err
		}
		out := registry.VisitHistory{CanView: true, CanRecord: act.Can(visits.PermRecord), Total: list.Total}
		for _, v := range list.Items {
			out.Last = append(out.Last, registry.HouseholdVisit{ID: v.ID, VisitedOn: v.VisitedOn, KindKey: "visits.kind." + v.Kind, WorkerName: v.WorkerName})
		}
		return out, nil
	}
}
