package admission

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/text"
	"grassroots/internal/territory"
)

const listCols = `l.id, l.owner_code, l.version, l.title, l.effective_from, l.note, l.published_at, l.created_by, l.created_at`

func scanList(r db.Scanner) (List, error) {
	var l List
	var pub *time.Time
	err := r.Scan(&l.ID, &l.OwnerCode, &l.Version, &l.Title, &l.EffectiveFrom, &l.Note, &pub, &l.CreatedBy, &l.CreatedAt)
	if pub != nil {
		p := pub.UTC()
		l.PublishedAt = &p
	}
	return l, err
}

const itemCols = `i.id, i.list_id, i.code, i.section, i.title, i.department, i.basis, i.carrier, i.kind, i.frequency, i.hours, i.funding, i.instead, i.expires_on`

func scanItem(r db.Scanner) (Item, error) {
	var it Item
	err := r.Scan(&it.ID, &it.ListID, &it.Code, &it.Section, &it.Title, &it.Department, &it.Basis, &it.Carrier, &it.Kind, &it.Frequency,
		&it.Hours, &it.Funding, &it.Instead, &it.ExpiresOn)
	return it, err
}

// owners are the lists that apply to a community: the city's, then its
// district's.
func owners(community string, city string) []string {
	out := []string{city}
	if len(community) >= 6 && community[:6] != city {
		out = append(out, community[:6])
	}
	return out
}

// inForce returns the version of owner's list in force on day (none: 0).
func inForce(ctx context.Context, q db.Querier, owner, day string) (List, bool, error) {
	l, err := db.One(ctx, q, `/* admission.inForce */ SELECT `+listCols+` FROM admission_lists l
		WHERE l.owner_code = ? AND l.published_at IS NOT NULL AND l.effective_from <= ? ORDER BY l.effective_from DESC, l.version DESC LIMIT 1`,
		[]any{owner, day}, scanList, error(errs.NotFoundf("kind.adm_list")))
	if errs.CodeOf(err) == errs.NotFound {
		return List{}, false, nil
	}
	if err != nil {
		return List{}, false, fmt.Errorf("admission: list in force of %s: %w", owner, err)
	}
	return l, true, nil
}

// listItems reads a version's items in code order.
func listItems(ctx context.Context, q db.Querier, listID int64, section string) ([]Item, error) {
	qb := db.NewQuery(`/* admission.items */ SELECT `+itemCols+` FROM admission_items i`).And("i.list_id = ?", listID)
	if section != "" {
		qb.And("i.section = ?", section)
	}
	s, args := qb.Tail("ORDER BY i.code").SQL()
	items, err := db.Collect(ctx, q, s, args, scanItem)
	if err != nil {
		return nil, fmt.Errorf("admission: items of list %d: %w", listID, err)
	}
	return items, nil
}

// Root is the city the installation serves: the owner of the city's list.
func (s *Service) Root(ctx context.Context) (string, error) {
	for _, level := range []territory.Level{territory.LevelCity, territory.LevelProvince} {
		rs, err := s.deps.Territory.UnscopedRegions(ctx, territory.RegionFilter{Level: level, Limit: 1})
		if err != nil {
			return "", err
		}
		if len(rs) > 0 {
			return rs[0].Code, nil
		}
	}
	return "", errs.NotFoundf("kind.region")
}

// cityOf is the city of a division's code.
func cityOf(code string) string { return code[:min(len(code), territory.CityCodeLen(code))] }

// InForce lists the versions in force today for the lists that apply to
// region (the city's, and for a district or below its district's), with
// their items of section ("" every section). Lists are public: anyone may
// read them.
func (s *Service) InForce(ctx context.Context, region, section string) ([]List, error) {
	city := cityOf(region)
	if region == "" {
		var err error
		if city, err = s.Root(ctx); err != nil {
			return nil, err
		}
	}
	if section != "" && !oneOf(section, Sections) {
		return nil, errs.Field("section", "rule.one_of", strings.Join(Sections, ", "))
	}
	day := s.today()
	var out []List
	for _, owner := range owners(region, city) {
		l, ok, err := inForce(ctx, s.db, owner, day)
		if err != nil || !ok {
			if err != nil {
				return nil, err
			}
			continue
		}
		if l.Items, err = listItems(ctx, s.db, l.ID, section); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	if err := s.nameOwners(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}

// nameOwners fills the names of the lists' owners.
func (s *Service) nameOwners(ctx context.Context, ls []List) error {
	codes := make([]string, len(ls))
	for i, l := range ls {
		codes[i] = l.OwnerCode
	}
	names, err := s.deps.Territory.UnscopedNames(ctx, codes)
	if err != nil {
		return err
	}
	for i := range ls {
		ls[i].OwnerName = names[ls[i].OwnerCode]
	}
	return nil
}

// Versions lists every version of owner's list, newest first. Published
// versions are public; drafts only for those who edit the list.
func (s *Service) Versions(ctx context.Context, sc authz.Scope, owner string, drafts bool) ([]List, error) {
	qb := db.NewQuery(`/* admission.versions */ SELECT `+listCols+` FROM admission_lists l`).And("l.owner_code = ?", owner)
	if !drafts || !sc.Contains(owner) {
		qb.And("l.published_at IS NOT NULL")
	}
	q, args := qb.Tail("ORDER BY l.version DESC LIMIT 200").SQL()
	ls, err := db.Collect(ctx, s.db, q, args, scanList)
	if err != nil {
		return nil, fmt.Errorf("admission: versions of %s: %w", owner, err)
	}
	return ls, s.nameOwners(ctx, ls)
}

// Version reads one version with its items; a draft only within the
// scope of one who edits it (sc), a published one for anyone.
func (s *Service) Version(ctx context.Context, sc authz.Scope, id int64, drafts bool) (List, error) {
	l, err := db.One(ctx, s.db, `/* admission.version */ SELECT `+listCols+` FROM admission_lists l WHERE l.id = ?`, []any{id}, scanList,
		error(errs.NotFoundf("kind.adm_list")))
	if err != nil {
		return l, err
	}
	if l.PublishedAt == nil && (!drafts || !sc.Contains(l.OwnerCode)) {
		return List{}, errs.NotFoundf("kind.adm_list")
	}
	if l.Items, err = listItems(ctx, s.db, l.ID, ""); err != nil {
		return l, err
	}
	ls := []List{l}
	err = s.nameOwners(ctx, ls)
	return ls[0], err
}

// ListInput is a new version of a list: its title, when it takes effect,
// a note, and every item.
type ListInput struct {
	OwnerCode     string `json:"owner_code" doc:"the city, or a district for its own items"`
	Title         string `json:"title"`
	EffectiveFrom string `json:"effective_from" doc:"YYYY-MM-DD, today or later"`
	Note          string `json:"note,omitempty"`
	Items         []Item `json:"items"`
}

// Limits of typed text.
const (
	MaxTitle  = 200
	MaxText   = 2000
	MaxItems  = 500
	MaxHours  = 1000
	maxCodeLn = 20
)

// checkItems validates the items of a version, naming each problem by
// its row (items[3].title).
func checkItems(fe *errs.Fields, items []Item) {
	if len(items) == 0 {
		fe.Add("items", "rule.required", "")
	}
	if len(items) > MaxItems {
		fe.Add("items", "rule.max_count", strconv.Itoa(MaxItems))
		return
	}
	seen := map[string]bool{}
	for i := range items {
		it := &items[i]
		f := func(name string) string { return fmt.Sprintf("items[%d].%s", i, name) }
		it.Code = text.LineField(fe, f("code"), it.Code)
		it.Title = text.LineField(fe, f("title"), it.Title)
		it.Department = text.LineField(fe, f("department"), it.Department)
		it.Basis = text.LineField(fe, f("basis"), it.Basis)
		it.Funding = text.LineField(fe, f("funding"), it.Funding)
		it.Instead = text.LineField(fe, f("instead"), it.Instead)
		switch {
		case it.Code == "":
			fe.Add(f("code"), "rule.required", "")
		case utf8.RuneCountInString(it.Code) > maxCodeLn:
			fe.Add(f("code"), "rule.max_length", strconv.Itoa(maxCodeLn))
		case !codeForm(it.Code):
			fe.Add(f("code"), "rule.adm_item_code_form", "")
		case seen[it.Code]:
			fe.Add(f("code"), "rule.adm_code_twice", it.Code)
		}
		seen[it.Code] = true
		if it.Title == "" {
			fe.Add(f("title"), "rule.required", "")
		} else if utf8.RuneCountInString(it.Title) > MaxTitle {
			fe.Add(f("title"), "rule.max_length", strconv.Itoa(MaxTitle))
		}
		for _, v := range []struct{ name, val string }{{"department", it.Department}, {"basis", it.Basis}, {"funding", it.Funding}, {"instead", it.Instead}} {
			if utf8.RuneCountInString(v.val) > MaxTitle {
				fe.Add(f(v.name), "rule.max_length", strconv.Itoa(MaxTitle))
			}
		}
		if !oneOf(it.Section, Sections) {
			fe.Add(f("section"), "rule.one_of", strings.Join(Sections, ", "))
		}
		if !oneOf(it.Carrier, Carriers) {
			fe.Add(f("carrier"), "rule.one_of", strings.Join(Carriers, ", "))
		}
		if !oneOf(it.Kind, Kinds) {
			fe.Add(f("kind"), "rule.one_of", strings.Join(Kinds, ", "))
		}
		if !oneOf(it.Frequency, Frequencies) {
			fe.Add(f("frequency"), "rule.one_of", strings.Join(Frequencies, ", "))
		}
		if it.Hours < 0 || it.Hours > MaxHours {
			fe.Add(f("hours"), "rule.range", "0–"+strconv.Itoa(MaxHours))
		}
		if it.ExpiresOn != "" {
			if _, err := time.Parse(time.DateOnly, it.ExpiresOn); err != nil {
				fe.Add(f("expires_on"), "rule.date", "YYYY-MM-DD")
			}
		}
		switch it.Section {
		case "negative":
			if it.Instead == "" {
				// A community told "no" must be told who does it instead.
				fe.Add(f("instead"), "rule.adm_instead_required", "")
			}
		case "certificate":
			if it.Kind != "certificate" {
				fe.Add(f("kind"), "rule.adm_certificate_kind", "")
			}
		case "assist":
			if it.Department == "" {
				fe.Add(f("department"), "rule.adm_department_required", "")
			}
		case "duty":
			// The community's own duty: no department hands it down.
			if it.Department != "" {
				fe.Add(f("department"), "rule.adm_duty_department", "")
			}
		}
	}
}

// codeForm: an item's code is letters, digits and dashes (LZ-01), as it
// is written in a path and on paper.
func codeForm(code string) bool {
	for _, r := range code {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// checkOwner: the list's owner is the city or a district of it, in the
// editor's scope.
func (s *Service) checkOwner(ctx context.Context, sc authz.Scope, fe *errs.Fields, owner string) {
	city, err := s.Root(ctx)
	if err != nil {
		fe.Add("owner_code", "rule.required", "")
		return
	}
	if owner != city && (len(owner) != 6 || !strings.HasPrefix(owner, city)) {
		fe.Add("owner_code", "rule.adm_owner", "")
		return
	}
	if !sc.Contains(owner) {
		fe.Add("owner_code", "rule.out_of_scope", "")
	}
}

// SaveDraft writes a new draft version of the owner's list (or replaces
// the owner's draft): a list is changed only as a new version, published
// when it is ready; requests keep the version they were made under.
func (s *Service) SaveDraft(ctx context.Context, sc authz.Scope, in ListInput) (List, error) {
	var fe errs.Fields
	in.Title = text.LineField(&fe, "title", in.Title)
	in.Note = text.BlockField(&fe, "note", in.Note)
	if in.Title == "" {
		fe.Add("title", "rule.required", "")
	} else if utf8.RuneCountInString(in.Title) > MaxTitle {
		fe.Add("title", "rule.max_length", strconv.Itoa(MaxTitle))
	}
	if utf8.RuneCountInString(in.Note) > MaxText {
		fe.Add("note", "rule.max_length", strconv.Itoa(MaxText))
	}
	if _, err := time.Parse(time.DateOnly, in.EffectiveFrom); err != nil {
		fe.Add("effective_from", "rule.date", "YYYY-MM-DD")
	} else if in.EffectiveFrom < s.today() {
		fe.Add("effective_from", "rule.adm_not_past", s.today())
	}
	s.checkOwner(ctx, sc, &fe, in.OwnerCode)
	checkItems(&fe, in.Items)
	if err := fe.Err(); err != nil {
		return List{}, err
	}
	var id int64
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.Serialize(ctx, "admission.list."+in.OwnerCode); err != nil {
			return err
		}
		// One draft per owner: saving again replaces it.
		var draft int64
		var version int
		err := tx.QueryRowContext(ctx, `/* admission.draft */ SELECT COALESCE(MAX(CASE WHEN published_at IS NULL THEN id END), 0), COALESCE(MAX(version), 0)
			FROM admission_lists WHERE owner_code = ?`, in.OwnerCode).Scan(&draft, &version)
		if err != nil {
			return fmt.Errorf("admission: draft of %s: %w", in.OwnerCode, err)
		}
		a := authz.ActorFrom(ctx)
		by := "system"
		if a != nil {
			by = a.DisplayName
		}
		var before []Item
		if draft != 0 {
			if before, err = listItems(ctx, tx, draft, ""); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM admission_items WHERE list_id = ?`, draft); err != nil {
				return fmt.Errorf("admission: replace draft %d: %w", draft, err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE admission_lists SET title = ?, effective_from = ?, note = ?, created_by = ?, created_at = ? WHERE id = ?`,
				in.Title, in.EffectiveFrom, in.Note, by, tx.Now(), draft); err != nil {
				return fmt.Errorf("admission: replace draft %d: %w", draft, err)
			}
			id = draft
		} else if err := tx.QueryRowContext(ctx, `INSERT INTO admission_lists (owner_code, version, title, effective_from, note, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, in.OwnerCode, version+1, in.Title, in.EffectiveFrom, in.Note, by, tx.Now()).Scan(&id); err != nil {
			return fmt.Errorf("admission: new draft of %s: %w", in.OwnerCode, err)
		}
		rows := make([][]any, len(in.Items))
		for i, it := range in.Items {
			rows[i] = []any{id, it.Code, it.Section, it.Title, it.Department, it.Basis, it.Carrier, it.Kind, it.Frequency, it.Hours, it.Funding, it.Instead, it.ExpiresOn}
		}
		if err := tx.InsertRows(ctx, "admission_items", []string{"list_id", "code", "section", "title", "department", "basis", "carrier", "kind",
			"frequency", "hours", "funding", "instead", "expires_on"}, rows, 100); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "admission.list.draft", ObjectType: "admission_list", ObjectID: strconv.FormatInt(id, 10),
			Region: in.OwnerCode, Detail: itemChanges(before, in.Items, map[string]any{"title": in.Title, "items": len(in.Items), "effective_from": in.EffectiveFrom})})
	})
	if err != nil {
		return List{}, err
	}
	return s.Version(ctx, sc, id, true)
}

// Publish puts a draft in force from its effective date.
func (s *Service) Publish(ctx context.Context, sc authz.Scope, id int64) (List, error) {
	l, err := s.Version(ctx, sc, id, true)
	if err != nil {
		return l, err
	}
	if l.PublishedAt != nil {
		return l, errs.E(errs.Conflict, "err.adm_published", strconv.Itoa(l.Version))
	}
	if l.EffectiveFrom < s.today() {
		return l, errs.Field("effective_from", "rule.adm_not_past", s.today())
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE admission_lists SET published_at = ? WHERE id = ? AND published_at IS NULL`, tx.Now(), id)
		if err != nil {
			return fmt.Errorf("admission: publish %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "err.adm_published", strconv.Itoa(l.Version))
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "admission.list.publish", ObjectType: "admission_list", ObjectID: strconv.FormatInt(id, 10),
			Region: l.OwnerCode, Detail: map[string]any{"title": l.Title, "version": l.Version, "effective_from": l.EffectiveFrom}})
	})
	if err != nil {
		return l, err
	}
	return s.Version(ctx, sc, id, true)
}

// Starter is the shipped starter list (starter.json): a draft to review
// and publish, built from published practice.
func Starter() (ListInput, error) {
	var in ListInput
	if err := json.Unmarshal(starterList, &in); err != nil {
		return in, fmt.Errorf("admission: starter list: %w", err)
	}
	return in, nil
}

// ItemInForce finds item id and whether it belongs to a version in force
// today for every community of target (a district's item only within that
// district).
func (s *Service) itemInForce(ctx context.Context, q db.Querier, id int64, target string) (*Item, bool, error) {
	it, err := db.One(ctx, q, `/* admission.item */ SELECT `+itemCols+` FROM admission_items i WHERE i.id = ?`, []any{id}, scanItem,
		error(errs.Field("item", "rule.adm_no_item", strconv.FormatInt(id, 10))))
	if err != nil {
		return nil, false, err
	}
	var owner string
	var published *time.Time
	if err := q.QueryRowContext(ctx, `SELECT owner_code, published_at FROM admission_lists WHERE id = ?`, it.ListID).Scan(&owner, &published); err != nil {
		return nil, false, fmt.Errorf("admission: list of item %d: %w", id, err)
	}
	if published == nil {
		// A draft's items exist for nobody but its editors.
		return nil, false, errs.Field("item", "rule.adm_no_item", strconv.FormatInt(id, 10))
	}
	if !strings.HasPrefix(target, owner) {
		return &it, false, nil
	}
	cur, ok, err := inForce(ctx, q, owner, s.today())
	if err != nil {
		return nil, false, err
	}
	return &it, ok && cur.ID == it.ListID, nil
}

// itemChanges adds to detail the codes of the items added, changed and
// removed between a draft's items before and after a save, so that the
// log says which items an editor touched.
func itemChanges(before, after []Item, detail map[string]any) map[string]any {
	old := map[string]Item{}
	for _, it := range before {
		it.ID, it.ListID = 0, 0
		old[it.Code] = it
	}
	var added, changed, removed []string
	for _, it := range after {
		it.ID, it.ListID = 0, 0
		was, ok := old[it.Code]
		switch {
		case !ok:
			added = append(added, it.Code)
		case was != it:
			changed = append(changed, it.Code)
		}
		delete(old, it.Code)
	}
	for code := range old {
		removed = append(removed, code)
	}
	slices.Sort(removed)
	for k, v := range map[string][]string{"added": added, "changed": changed, "removed": removed} {
		if len(v) > 0 {
			detail[k] = v
		}
	}
	return detail
}
