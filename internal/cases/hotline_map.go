package cases

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/text"
	"grassroots/internal/platform/web"
)

// A 12345 export names its categories in the hotline's own words: a path
// (城市管理/市容环境/暴露垃圾) or a name of its catalogue (噪音扰民). The
// city keeps a table from those words to the sub-classes of our catalogue
// (city administrators edit it, district and subdistrict staff read it).
// Without a row of the table a category still works when it is one of
// our sub-class codes, or when its last segment is a sub-class's name
// (or English name, or a keyword no other sub-class has). A category
// that is none of these refuses its row, naming the words and the page
// where they are mapped; the import notes such words in the table,
// unmapped, so that the page lists them with a suggestion by name.

// HotlineCategory is one row of the city's table.
type HotlineCategory struct {
	Name          string    `json:"name" doc:"the hotline's category as its exports write it"`
	Category      string    `json:"category" doc:"our four-digit sub-class; empty: met in an import, not mapped yet"`
	CategoryName  string    `json:"category_name,omitempty"`
	Suggested     string    `json:"suggested,omitempty" doc:"for an unmapped row, a sub-class whose name is like it"`
	SuggestedName string    `json:"suggested_name,omitempty"`
	Seen          int       `json:"seen" doc:"rows of imports that met it unmapped"`
	UpdatedBy     string    `json:"updated_by,omitempty"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// HotlineCategoryInput maps a hotline category to a sub-class; an empty
// category takes the row out of the table.
type HotlineCategoryInput struct {
	Name     string `json:"name"`
	Category string `json:"category" doc:"four-digit sub-class code; empty removes the row"`
}

// categoryKey is a hotline category as the table keys it: full-width
// forms made plain, spaces dropped, its path separators (／ > → \ |)
// written /.
func categoryKey(s string) string {
	s = strings.ToLower(norm.NFKC.String(s))
	s = strings.NewReplacer(">", "/", "→", "/", `\`, "/", "|", "/", "-", "/").Replace(s)
	s = strings.Join(strings.Fields(s), "")
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '/' })
	return strings.Join(parts, "/")
}

// lastSegment is the last part of a category path.
func lastSegment(key string) string {
	if i := strings.LastIndexByte(key, '/'); i >= 0 {
		return key[i+1:]
	}
	return key
}

// categoryResolver turns the categories of one import into sub-classes.
type categoryResolver struct {
	cat   *Catalogue
	table map[string]string // categoryKey → sub-class ("" unmapped)
	names map[string]string // a sub-class's name, English name or keyword → its code ("" when several)
}

func (s *Service) categoryResolver(ctx context.Context) (*categoryResolver, error) {
	cat, err := s.Catalogue(ctx, 0)
	if err != nil {
		return nil, err
	}
	r := &categoryResolver{cat: cat, table: map[string]string{}, names: map[string]string{}}
	rows, err := db.Collect(ctx, s.db, `/* cases.hotlineTable */ SELECT name, category FROM case_hotline_categories`, nil, func(sc db.Scanner) ([2]string, error) {
		var x [2]string
		err := sc.Scan(&x[0], &x[1])
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("cases: hotline categories: %w", err)
	}
	for _, x := range rows {
		r.table[x[0]] = x[1]
	}
	add := func(word, code string) {
		k := categoryKey(word)
		if k == "" {
			return
		}
		if c, ok := r.names[k]; ok && c != code {
			r.names[k] = "" // two sub-classes: a person must choose
			return
		}
		r.names[k] = code
	}
	subs := cat.Subs("")
	for _, c := range subs {
		add(c.Name, c.Code)
		add(c.NameEN, c.Code)
	}
	for _, c := range subs {
		for _, k := range c.Keywords {
			if _, taken := r.names[categoryKey(k)]; !taken {
				add(k, c.Code)
			}
		}
	}
	return r, nil
}

// resolve is the sub-class of a hotline category: its code, its row of
// the table, or its last segment's name.
func (r *categoryResolver) resolve(text string) (string, bool) {
	t := strings.TrimSpace(norm.NFKC.String(text))
	if cg, ok := r.cat.Get(t); ok && cg.Parent != "" {
		return cg.Code, true
	}
	k := categoryKey(t)
	for _, key := range []string{k, lastSegment(k)} {
		if code := r.table[key]; code != "" {
			if cg, ok := r.cat.Get(code); ok && cg.Parent != "" {
				return code, true
			}
		}
	}
	if code := r.names[lastSegment(k)]; code != "" {
		return code, true
	}
	return "", false
}

// suggest is the sub-class whose name (or keyword) is most like a
// hotline category, nil when none is much like it.
func suggest(cat *Catalogue, text string) *Category {
	k := lastSegment(categoryKey(text))
	var best *Category
	bestScore := 0.45
	for _, c := range cat.Subs("") {
		words := append([]string{c.Name}, c.Keywords...)
		for _, w := range words {
			w = categoryKey(w)
			// Pairs of characters, or (a little less) the characters
			// alone: 噪音扰民 is like 噪声扰民.
			score := max(dice(k, w, 2), 0.8*dice(k, w, 1))
			if w != "" && (strings.Contains(k, w) || strings.Contains(w, k)) {
				score = max(score, 0.6+0.4*float64(min(len(w), len(k)))/float64(max(len(w), len(k))))
			}
			if score > bestScore {
				best, bestScore = c, score
			}
		}
	}
	return best
}

// dice is the Sørensen–Dice coefficient of two strings' runs of n
// characters.
func dice(a, b string, n int) float64 {
	pairs := func(s string) map[string]int {
		r := []rune(s)
		m := map[string]int{}
		for i := 0; i+n <= len(r); i++ {
			m[string(r[i:i+n])]++
		}
		return m
	}
	pa, pb := pairs(a), pairs(b)
	n, total := 0, 0
	for k, x := range pa {
		n += min(x, pb[k])
		total += x
	}
	for _, x := range pb {
		total += x
	}
	if total == 0 {
		return 0
	}
	return 2 * float64(n) / float64(total)
}

// noteUnmapped adds the categories an import met and could not map to
// the table, unmapped, so that the table's page lists them. It is its own
// transaction: the import it comes from may commit nothing.
func (s *Service) noteUnmapped(ctx context.Context, met map[string]int, labels map[string]string) error {
	if len(met) == 0 {
		return nil
	}
	keys := make([]string, 0, len(met))
	for k := range met {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		for _, k := range keys {
			label := labels[k]
			if utf8.RuneCountInString(label) > 100 || utf8.RuneCountInString(k) > 100 {
				continue
			}
			if _, err := tx.ExecContext(ctx, `/* cases.noteUnmapped */ INSERT INTO case_hotline_categories (name, label, category, seen, updated_by, updated_at)
				VALUES (?, ?, '', ?, '', ?) ON CONFLICT (name) DO UPDATE SET seen = case_hotline_categories.seen + excluded.seen`,
				k, label, met[k], tx.Now()); err != nil {
				return fmt.Errorf("cases: note hotline category: %w", err)
			}
		}
		return nil
	})
}

// HotlineCategories lists the city's table, unmapped rows first (most
// met first), each unmapped row with a suggestion.
func (s *Service) HotlineCategories(ctx context.Context) ([]HotlineCategory, error) {
	a := authz.ActorFrom(ctx)
	if a == nil || !a.Can(PermSupervise) && !a.Can(PermConfigure) {
		return nil, errs.E(errs.Forbidden, "err.forbidden")
	}
	cat, err := s.Catalogue(ctx, 0)
	if err != nil {
		return nil, err
	}
	out, err := db.Collect(ctx, s.db, `/* cases.hotlineCategories */ SELECT label, category, seen, updated_by, updated_at FROM case_hotline_categories
		ORDER BY CASE WHEN category = '' THEN 0 ELSE 1 END, seen DESC, name LIMIT 5000`, nil, func(r db.Scanner) (HotlineCategory, error) {
		var h HotlineCategory
		err := r.Scan(&h.Name, &h.Category, &h.Seen, &h.UpdatedBy, &h.UpdatedAt)
		h.UpdatedAt = h.UpdatedAt.UTC()
		return h, err
	})
	if err != nil {
		return nil, fmt.Errorf("cases: hotline categories: %w", err)
	}
	for i := range out {
		h := &out[i]
		if cg, ok := cat.Get(h.Category); ok {
			h.CategoryName = categoryPath(cat, cg)
		} else if cg := suggest(cat, h.Name); cg != nil {
			h.Suggested, h.SuggestedName = cg.Code, categoryPath(cat, cg)
		}
	}
	return out, nil
}

// categoryPath is a sub-class's name under its class's: 市容环境 / 暴露垃圾.
func categoryPath(cat *Catalogue, cg *Category) string {
	if p, ok := cat.Get(cg.Parent); ok {
		return p.Name + " / " + cg.Name
	}
	return cg.Name
}

// PutHotlineCategory maps a hotline category to a sub-class (a city
// administrator's work), or takes its row out of the table.
func (s *Service) PutHotlineCategory(ctx context.Context, in HotlineCategoryInput) (HotlineCategory, error) {
	a := authz.ActorFrom(ctx)
	if a == nil || !a.Can(PermConfigure) {
		return HotlineCategory{}, errs.E(errs.Forbidden, "err.forbidden")
	}
	cat, err := s.Catalogue(ctx, 0)
	if err != nil {
		return HotlineCategory{}, err
	}
	var fe errs.Fields
	label := strings.TrimSpace(norm.NFKC.String(text.LineField(&fe, "name", in.Name)))
	key := categoryKey(label)
	in.Category = strings.TrimSpace(in.Category)
	if key == "" || utf8.RuneCountInString(label) > 100 {
		fe.Add("name", "rule.length", "1–100")
	}
	if cg, ok := cat.Get(in.Category); in.Category != "" && (!ok || cg.Parent == "") {
		fe.Add("category", "rule.category", in.Category)
	}
	if err := fe.Err(); err != nil {
		return HotlineCategory{}, err
	}
	h := HotlineCategory{Name: label, Category: in.Category, UpdatedBy: a.Username}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		h.UpdatedAt = tx.Now()
		var err error
		if in.Category == "" {
			_, err = tx.ExecContext(ctx, `/* cases.hotlineCategoryDelete */ DELETE FROM case_hotline_categories WHERE name = ?`, key)
		} else {
			_, err = tx.ExecContext(ctx, `/* cases.hotlineCategoryPut */ INSERT INTO case_hotline_categories (name, label, category, seen, updated_by, updated_at)
				VALUES (?, ?, ?, 0, ?, ?) ON CONFLICT (name) DO UPDATE SET category = excluded.category, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
				key, label, in.Category, a.Username, h.UpdatedAt)
		}
		if err != nil {
			return fmt.Errorf("cases: put hotline category: %w", err)
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "cases.hotline_category.put", ObjectType: "hotline_category", ObjectID: key,
			Region: a.Scope.Region, After: h})
	})
	if cg, ok := cat.Get(h.Category); ok {
		h.CategoryName = categoryPath(cat, cg)
	}
	return h, err
}

func (h *handler) categoryRoutes(r *web.Router) {
	r.API("GET /api/v1/hotline/categories", PermSupervise, web.OpDoc{Summary: "The city's table from 12345 category names to sub-classes of the catalogue, unmapped names met in imports first, each with a suggestion", Tag: "cases",
		Response: []HotlineCategory{}}, h.apiHotlineCategories)
	r.API("POST /api/v1/hotline/categories", PermConfigure, web.OpDoc{Summary: "Map a 12345 category name to a sub-class (an empty category takes the name out of the table)", Tag: "cases",
		Body: HotlineCategoryInput{}, Response: HotlineCategory{}}, web.Submit(http.StatusOK, h.svc.PutHotlineCategory))
	r.Page("GET /cases/hotline/categories", PermSupervise, h.handleHotlineCategories)
	r.Page("POST /cases/hotline/categories", PermConfigure, h.handleHotlineCategoryPut)
}

func (h *handler) apiHotlineCategories(w http.ResponseWriter, r *http.Request) error {
	out, err := h.svc.HotlineCategories(r.Context())
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, out)
}

type hotlineCategoriesPage struct {
	web.Page
	Rows      []HotlineCategory
	Classes   []*Category
	Catalogue *Catalogue
	CanEdit   bool
	Errors    []string
}

func (h *handler) categoriesPage(r *http.Request) (hotlineCategoriesPage, error) {
	p := hotlineCategoriesPage{Page: h.ui.Page(r, "title.hotline_categories")}
	rows, err := h.svc.HotlineCategories(r.Context())
	if err != nil {
		return p, err
	}
	cat, err := h.svc.Catalogue(r.Context(), 0)
	if err != nil {
		return p, err
	}
	p.Rows, p.Classes, p.Catalogue, p.CanEdit = rows, cat.Classes(), cat, p.Actor.Can(PermConfigure)
	return p, nil
}

func (h *handler) handleHotlineCategories(w http.ResponseWriter, r *http.Request) error {
	p, err := h.categoriesPage(r)
	if err != nil {
		return err
	}
	return h.ui.Render(w, r, http.StatusOK, "hotline_categories", "", p)
}

func (h *handler) handleHotlineCategoryPut(w http.ResponseWriter, r *http.Request) error {
	_, err := h.svc.PutHotlineCategory(r.Context(), HotlineCategoryInput{Name: r.PostFormValue("name"), Category: r.PostFormValue("category")})
	if errs.CodeOf(err) == errs.Invalid {
		p, perr := h.categoriesPage(r)
		if perr != nil {
			return perr
		}
		p.Errors = h.ui.FieldMessages(p.Lang, err)
		return h.ui.Render(w, r, http.StatusUnprocessableEntity, "hotline_categories", "", p)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/cases/hotline/categories", "flash.saved")
}
