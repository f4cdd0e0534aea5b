package registry

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/web"
)

// The move form picks the household a person moves to by its address or
// its head's name, from the households of the editor's territory, the
// nearest first (web.RegionPicker's pattern: picker.js suggests from
// GET /api/v1/people/{id}/move-choices as the editor types). Without
// scripts the typed text alone arrives, and moveTarget resolves it.

// HouseholdChoice is a household a person may move to, as the move form
// lists it.
type HouseholdChoice struct {
	ID      int64  `json:"id"`
	Code    string `json:"code" doc:"the household's id as text: what the picker sends"`
	Name    string `json:"name" doc:"the address"`
	Path    string `json:"path" doc:"what the picker lists: the address, the head and the grid"`
	Address string `json:"address"`
	Head    string `json:"head,omitempty" doc:"the head's name; empty when the household has none"`
	Members int    `json:"member_count"`
	Place   string `json:"place" doc:"the grid or community, by name"`
}

// headOf is the name of the head (户主) of household id, "" when it has
// none.
func headOf(ctx context.Context, q db.Querier, id int64) (string, error) {
	var name string
	err := q.QueryRowContext(ctx, `/* registry.headOf */ SELECT COALESCE(MIN(name), '') FROM registry_people
		WHERE household_id = ? AND relation = 'head' AND moved_out_at IS NULL`, id).Scan(&name)
	if err != nil {
		return "", fmt.Errorf("registry: head of household %d: %w", id, err)
	}
	return name, nil
}

// MoveChoices lists the households person id may move to in the actor's
// scope, never their own: those whose address or head's name contains q
// (without q, those of the person's community), the same building first,
// then the same grid, then by address; at most limit.
func (s *Service) MoveChoices(ctx context.Context, id int64, q string, limit int) ([]HouseholdChoice, error) {
	sc := authz.ScopeFrom(ctx)
	p, err := findPerson(ctx, s.db, sc, id)
	if err != nil {
		return nil, err
	}
	near := choiceNear{exclude: p.HouseholdID, region: p.RegionCode, community: cut(p.RegionCode, 12)}
	if p.HouseholdID != 0 {
		if hh, err := findHousehold(ctx, s.db, sc, p.HouseholdID); err == nil {
			near.building = hh.BuildingID
		} else if errs.CodeOf(err) != errs.NotFound {
			return nil, err
		}
	}
	out, err := s.householdChoices(ctx, sc, q, near, limit)
	if err != nil {
		return nil, fmt.Errorf("registry: move choices of %d: %w", id, err)
	}
	return out, nil
}

// HouseholdChoices lists the households of the actor's scope a new person
// may be registered in: those whose address or head's name contains q
// (without q, every one), by address; at most limit.
func (s *Service) HouseholdChoices(ctx context.Context, q string, limit int) ([]HouseholdChoice, error) {
	out, err := s.householdChoices(ctx, authz.ScopeFrom(ctx), q, choiceNear{}, limit)
	if err != nil {
		return nil, fmt.Errorf("registry: household choices: %w", err)
	}
	return out, nil
}

// choiceNear is where the households a picker lists are ordered from:
// those of building first, then those of region; exclude is left out,
// and without a query only those of community are listed (none: all).
type choiceNear struct {
	exclude, building int64
	region, community string
}

// householdChoices lists the households of scope sc whose address or
// head's name contains q, nearest to near first, each with its head, its
// size and its grid's name.
func (s *Service) householdChoices(ctx context.Context, sc authz.Scope, q string, near choiceNear, limit int) ([]HouseholdChoice, error) {
	qb := db.NewQuery(`/* registry.householdChoices */ SELECT h.id, h.region_code, h.address,
		COALESCE((SELECT MIN(hp.name) FROM registry_people hp WHERE hp.household_id = h.id AND hp.relation = 'head' AND hp.moved_out_at IS NULL), ''),
		(SELECT COUNT(*) FROM registry_people m WHERE m.household_id = h.id AND m.moved_out_at IS NULL)
		FROM registry_households h`).Scope(sc, "h.region_code", "").And("h.id <> ?", near.exclude)
	if q = strings.TrimSpace(q); q != "" {
		like := "%" + q + "%"
		qb.And(`(h.address LIKE ? OR EXISTS (SELECT 1 FROM registry_people hq WHERE hq.household_id = h.id AND hq.relation = 'head'
			AND hq.moved_out_at IS NULL AND hq.name LIKE ?))`, like, like)
	} else if near.community != "" {
		qb.Scope(authz.Scope{Region: near.community}, "h.region_code", "")
	}
	qb.Tail("ORDER BY CASE WHEN h.building_id = ? THEN 0 WHEN h.region_code = ? THEN 1 ELSE 2 END, h.address, h.id LIMIT ?",
		near.building, near.region, limit)
	sq, args := qb.SQL()
	var regions []string
	out, err := db.Collect(ctx, s.db, sq, args, func(r db.Scanner) (HouseholdChoice, error) {
		var c HouseholdChoice
		err := r.Scan(&c.ID, &c.Place, &c.Address, &c.Head, &c.Members)
		c.Code, c.Name = strconv.FormatInt(c.ID, 10), c.Address
		regions = append(regions, c.Place)
		return c, err
	})
	if err != nil {
		return nil, err
	}
	names, err := s.terr.UnscopedLabels(ctx, regions)
	if err != nil {
		return nil, err
	}
	for i := range out {
		// The grid's own name: the picker reads the text after its last
		// separator as what was typed.
		out[i].Place = lastName(names[out[i].Place])
	}
	if out == nil {
		out = []HouseholdChoice{}
	}
	return out, nil
}

// lastName is the last name of a label (甲一社区 › 甲一网格 → 甲一网格).
func lastName(label string) string {
	if i := strings.LastIndex(label, web.PathSep); i >= 0 {
		return label[i+len(web.PathSep):]
	}
	return label
}

// choicePath is how the picker lists a household: 章江路8号101室 · 户主
// 张三 · 甲一网格.
func (h *handler) choicePath(lang string, c HouseholdChoice) string {
	parts := []string{c.Address}
	if c.Head != "" {
		parts = append(parts, h.ui.Catalog().T(lang, "move.choice_head", c.Head))
	} else {
		parts = append(parts, h.ui.Catalog().T(lang, "move.choice_no_head"))
	}
	if c.Place != "" {
		parts = append(parts, c.Place)
	}
	return strings.Join(parts, " · ")
}

func (h *handler) apiMoveChoices(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "kind.person")
	if err != nil {
		return err
	}
	return h.choicesAnswer(w, r, func(q string, limit int) ([]HouseholdChoice, error) {
		return h.svc.MoveChoices(r.Context(), id, q, limit)
	})
}

func (h *handler) apiHouseholdChoices(w http.ResponseWriter, r *http.Request) error {
	return h.choicesAnswer(w, r, func(q string, limit int) ([]HouseholdChoice, error) {
		return h.svc.HouseholdChoices(r.Context(), q, limit)
	})
}

// choicesAnswer answers a household picker's suggestions: find's for the
// query's q and limit, each with the path the picker lists.
func (h *handler) choicesAnswer(w http.ResponseWriter, r *http.Request, find func(q string, limit int) ([]HouseholdChoice, error)) error {
	q := r.URL.Query()
	limit := 20
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			return errs.Field("limit", "rule.range", "1–100")
		}
		limit = n
	}
	cs, err := find(q.Get("q"), limit)
	if err != nil {
		return err
	}
	lang := web.LangFrom(r.Context())
	for i := range cs {
		cs[i].Path = h.choicePath(lang, cs[i])
	}
	return web.JSON(w, http.StatusOK, web.List[HouseholdChoice]{Items: cs})
}

// moveTarget is the household the move form names: the one chosen from
// the suggestions, else the one whose exact address was typed, else the
// only one the typed text (part of an address, a head's name) finds.
// What names none, or several, is refused on the field household_id.
func (h *handler) moveTarget(ctx context.Context, personID int64, chosen, typed string) (int64, error) {
	if id, err := strconv.ParseInt(strings.TrimSpace(chosen), 10, 64); err == nil && id > 0 {
		return id, nil
	}
	typed = strings.TrimSpace(typed)
	if typed == "" {
		return 0, errs.Field("household_id", "rule.required", "")
	}
	return h.typedHousehold(ctx, typed, func(q string, limit int) ([]HouseholdChoice, error) {
		return h.svc.MoveChoices(ctx, personID, q, limit)
	})
}

// typedHousehold is the household a text typed into a household picker
// names: the one of that exact address, else the only one find (the
// picker's suggestions) lists for it; none, or several, is refused on
// the field household_id.
func (h *handler) typedHousehold(ctx context.Context, typed string, find func(q string, limit int) ([]HouseholdChoice, error)) (int64, error) {
	hh, err := h.svc.HouseholdByAddress(ctx, typed)
	if err == nil {
		return hh.ID, nil
	}
	if errs.CodeOf(err) != errs.NotFound {
		return 0, err
	}
	cs, err := find(typed, 2)
	switch {
	case err != nil:
		return 0, err
	case len(cs) == 1:
		return cs[0].ID, nil
	case len(cs) > 1:
		return 0, errs.Field("household_id", "rule.household_many", typed)
	}
	return 0, errs.Field("household_id", "rule.household", "")
}

// movePicker is the move form's household picker, showing household id
// (0: none chosen) or the text typed.
func (h *handler) movePicker(r *http.Request, p web.Page, personID, id int64, typed string) web.RegionPicker {
	mp := web.RegionPicker{ID: "move-household", Name: "household_id", Label: p.T("field.move_household"), Required: true,
		URL: "/api/v1/people/" + strconv.FormatInt(personID, 10) + "/move-choices", Hint: p.T("move.household_hint"),
		Placeholder: p.T("move.household_placeholder"), None: p.T("move.household_none"), Path: typed}
	return h.showHousehold(r.Context(), p.Lang, mp, id)
}

// showHousehold shows household id (0: none) chosen in picker mp, as its
// suggestion listed it.
func (h *handler) showHousehold(ctx context.Context, lang string, mp web.RegionPicker, id int64) web.RegionPicker {
	if id == 0 {
		return mp
	}
	hh, err := h.svc.Household(ctx, id)
	if err != nil {
		return mp
	}
	c := HouseholdChoice{ID: hh.ID, Address: hh.Address}
	c.Head, _ = headOf(ctx, h.svc.db, hh.ID)
	if n, err := h.svc.placeName(ctx, hh.RegionCode); err == nil {
		c.Place = lastName(n)
	}
	mp.Code, mp.Path = strconv.FormatInt(id, 10), h.choicePath(lang, c)
	return mp
}
