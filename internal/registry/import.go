package registry

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/tabular"
	"grassroots/internal/platform/text"
)

// PeopleHeader is the header of the people import and export files, in
// Chinese as the people who fill them in expect.
var PeopleHeader = []string{"姓名", "身份证号", "手机号", "与户主关系", "人口类型", "标签", "住址", "网格代码", "房屋用途"}

// Labels the files use for the stored values.
var (
	relationLabels  = map[string]string{"户主": "head", "配偶": "spouse", "子女": "child", "父母": "parent", "孙子女": "grandchild", "兄弟姐妹": "sibling", "其他": "other"}
	residenceLabels = map[string]string{"户籍": "registered", "常住": "permanent", "流动": "floating"}
	tagLabels       = map[string]string{"独居老人": "elderly_alone", "残疾人": "disability", "低保": "subsistence", "退役军人": "veteran", "留守儿童": "left_behind_child", "重点关爱": "key_care", "党员": "party_member"}
	useLabels       = map[string]string{"自住": "self_occupied", "出租": "rented", "空置": "vacant"}
)

// RowError is one bad cell of an import.
type RowError = tabular.RowError

// ImportReport tells what an import did.
type ImportReport struct {
	Rows          int `json:"rows"`
	Created       int `json:"created"`
	Updated       int `json:"updated"`
	Unchanged     int `json:"unchanged"`
	NewHouseholds int `json:"new_households"`
	// LinkedHouseholds are the new households whose address is that of a
	// registered building, and which were linked to it.
	LinkedHouseholds int        `json:"linked_households"`
	Errors           []RowError `json:"errors,omitempty"`
	Committed        bool       `json:"committed"`

	newHouseholdsByRegion map[string]int
}

// ImportOptions controls an import.
type ImportOptions struct {
	KeepGood bool
	Progress func(done, total int)
}

// ReadTable reads a CSV or .xlsx upload into rows, the header first,
// within tabular's limits (tabular.MaxRows…); it stops when ctx is done.
func ReadTable(ctx context.Context, name string, data []byte) ([][]string, error) {
	return tabular.Read(ctx, name, data)
}

type existingPerson struct {
	id                                                 int64
	name, phoneHash, relation, residence, tags, region string
	household                                          int64
}

// importItem is one good row, sealed and ready to write.
type importItem struct {
	row  int
	r    personRow
	addr string
	use  HouseUse
}

// ImportPeople loads people from rows (PeopleHeader first). Every row is
// checked and every bad cell reported with its row and column; nothing is
// written if any row is bad unless KeepGood. Households are found or made
// by address. A person already registered (same ID number) is updated
// when something differs, so importing the same file twice changes
// nothing. Rows are checked and sealed first, then written in bulk: a few
// queries per thousand rows, not per row.
func (s *Service) ImportPeople(ctx context.Context, rows [][]string, opt ImportOptions) (ImportReport, error) {
	var rep ImportReport
	if len(rows) == 0 || !slices.Equal(trimAll(rows[0]), PeopleHeader) {
		return rep, errs.Field("header", "rule.csv_header", strings.Join(PeopleHeader, ","))
	}
	rows = rows[1:]
	rep.Rows = len(rows)
	total := 2 * len(rows) // checking, then writing
	progress := func(done int) {
		if opt.Progress != nil && (done%5000 == 0 || done == total) {
			opt.Progress(done, total)
		}
	}
	sc := authz.ScopeFrom(ctx)
	// Regions are checked once each, before the rows.
	regionOK := map[string]bool{}
	for _, rec := range rows {
		if len(rec) > 7 {
			region := strings.TrimSpace(rec[7])
			if _, known := regionOK[region]; !known {
				var fe errs.Fields
				s.checkRegion(ctx, &fe, region)
				regionOK[region] = len(fe) == 0
			}
		}
	}
	// Checking and sealing (AES-GCM, HMAC, pinyin) is CPU work: spread it
	// over the cores, keeping the rows' order.
	checked := make([]checkedRow, len(rows))
	workers := max(1, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	var done atomic.Int64
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(rows); i += workers {
				checked[i] = s.checkRow(rows[i], i+2, regionOK)
				if n := done.Add(1); opt.Progress != nil && n%5000 == 0 {
					progress(int(n))
				}
			}
		}(w)
	}
	wg.Wait()
	seen := map[string]int{} // id hash → first row, for duplicates inside the file
	items := make([]importItem, 0, len(rows))
	for _, c := range checked {
		if c.err != nil {
			return rep, c.err
		}
		if len(c.bad) > 0 {
			rep.Errors = append(rep.Errors, c.bad...)
			continue
		}
		if first, dup := seen[c.item.r.idHash]; dup {
			rep.Errors = append(rep.Errors, RowError{Row: c.item.row, Column: PeopleHeader[1], Rule: "rule.duplicate_row", Param: strconv.Itoa(first)})
			continue
		}
		seen[c.item.r.idHash] = c.item.row
		items = append(items, c.item)
	}
	progress(len(rows))
	if len(rep.Errors) > 0 && !opt.KeepGood {
		return ImportReport{Rows: rep.Rows, Errors: rep.Errors}, nil
	}
	err := s.write(ctx, func(tx *db.Tx) error {
		hh, err := s.importHouseholds(ctx, tx, sc, items, &rep)
		if err != nil {
			return err
		}
		old, err := existingPeople(ctx, tx, items)
		if err != nil {
			return err
		}
		now := tx.Now()
		var inserts [][]any
		var placed []placedItem
		places := map[string]string{} // region → its name, for the rows placed elsewhere than their household
		for n, it := range items {
			progress(len(rows) + n + 1)
			h, ok := hh[it.addr]
			if !ok {
				rep.Errors = append(rep.Errors, RowError{Row: it.row, Column: PeopleHeader[6], Rule: "rule.household_elsewhere", Param: it.addr})
				continue
			}
			if h.region != it.r.regionCode {
				// A member lives where the household is, as on entry
				// (PersonInput.RegionCode): the row's grid must be the
				// household's, the one it already has or the one the
				// first row of its address gave it.
				name, known := places[h.region]
				if !known {
					if name, err = s.placeName(ctx, h.region); err != nil {
						return err
					}
					places[h.region] = name
				}
				rep.Errors = append(rep.Errors, RowError{Row: it.row, Column: PeopleHeader[7], Rule: "rule.import_household_region", Param: name})
				continue
			}
			it.r.householdID = h.id
			prev, found := old[it.r.idHash]
			if found && !sc.Contains(prev.region) {
				rep.Errors = append(rep.Errors, RowError{Row: it.row, Column: PeopleHeader[1], Rule: "rule.person_elsewhere"})
				continue
			}
			placed = append(placed, placedItem{importItem: it, prev: prev, found: found})
		}
		if placed, err = oneHead(ctx, tx, placed, &rep); err != nil {
			return err
		}
		for _, it := range placed {
			if !it.found {
				inserts = append(inserts, it.r.args(now))
				rep.Created++
				continue
			}
			if err := updateImported(ctx, tx, it.prev, it.r, &rep); err != nil {
				return err
			}
		}
		if len(rep.Errors) > 0 && !opt.KeepGood {
			return errImportRefused
		}
		if err := tx.InsertRows(ctx, "registry_people", personInsertCols, inserts, 100); err != nil {
			return err
		}
		// Totals: new rows are added as deltas; regions of updated people
		// (who may have moved or changed residence) are recounted.
		delta := map[string]*[4]int{} // region → residents, floating, households, special care
		add := func(region string, i, n int) {
			if delta[region] == nil {
				delta[region] = &[4]int{}
			}
			delta[region][i] += n
		}
		for _, row := range inserts {
			if row[13] == string(Floating) {
				add(row[0].(string), 1, 1)
			} else {
				add(row[0].(string), 0, 1)
			}
			if IsCare(row[14].(string)) {
				add(row[0].(string), 3, 1)
			}
		}
		for region, n := range rep.newHouseholdsByRegion {
			add(region, 2, n)
		}
		if err := addCounts(ctx, tx, delta); err != nil {
			return err
		}
		recount := map[string]bool{}
		for _, it := range items {
			if p, ok := old[it.r.idHash]; ok {
				recount[p.region], recount[it.r.regionCode] = true, true
			}
		}
		if err := refreshCounts(ctx, tx, recount); err != nil {
			return err
		}
		progress(total)
		return audit.Record(ctx, tx, audit.Entry{Action: "registry.person.import", ObjectType: "person", ObjectID: "*", Region: sc.Region,
			Detail: map[string]int{"rows": rep.Rows, "created": rep.Created, "updated": rep.Updated, "errors": len(rep.Errors),
				"new_households": rep.NewHouseholds, "linked_households": rep.LinkedHouseholds}})
	})
	if errors.Is(err, errImportRefused) {
		return ImportReport{Rows: rep.Rows, Errors: rep.Errors}, nil
	}
	if err != nil {
		return ImportReport{Rows: rep.Rows, Errors: rep.Errors}, err
	}
	rep.Committed = true
	return rep, nil
}

// placedItem is a good row placed in its household: the person it
// registers, or updates when found (prev).
type placedItem struct {
	importItem
	prev  existingPerson
	found bool
}

// oneHead leaves out the rows that would give a household a second head
// (户主), each reported on the relation's column with the head's name: a
// head the household keeps (one the file does not change, or leaves its
// head), or else the first head the file gives it. A head re-imported as
// the head of their own household is no second one, so that a household
// recorded with two before the rule can be imported again unchanged.
func oneHead(ctx context.Context, tx *db.Tx, items []placedItem, rep *ImportReport) ([]placedItem, error) {
	var ids []int64
	for _, it := range items {
		if it.r.relation == "head" {
			ids = append(ids, it.r.householdID)
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	type head struct {
		household, person int64
		name              string
	}
	heads := map[int64][]head{} // household → its current heads
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := db.Collect(ctx, tx, `/* registry.oneHead */ SELECT household_id, id, name FROM registry_people
			WHERE relation = 'head' AND moved_out_at IS NULL AND household_id IN (`+db.In(len(chunk))+`)`, args,
			func(r db.Scanner) (head, error) {
				var h head
				err := r.Scan(&h.household, &h.person, &h.name)
				return h, err
			})
		if err != nil {
			return nil, fmt.Errorf("registry: heads of imported households: %w", err)
		}
		for _, h := range rows {
			heads[h.household] = append(heads[h.household], h)
		}
	}
	var refused []RowError
	// A row left out may have been taking a head out of a household (the
	// head moved or demoted by the file): the rows are checked again
	// until none is left out.
	for {
		written := map[int64]bool{} // people the file rewrites
		for _, it := range items {
			if it.found {
				written[it.prev.id] = true
			}
		}
		kept := map[int64]string{} // household → the name of the head it keeps or is first given
		for _, it := range items {
			if it.found && it.r.relation == "head" && it.prev.relation == "head" && it.prev.household == it.r.householdID {
				if n, ok := kept[it.r.householdID]; !ok || it.r.name < n {
					kept[it.r.householdID] = it.r.name
				}
			}
		}
		for hid, hs := range heads {
			for _, h := range hs {
				if n, ok := kept[hid]; !written[h.person] && (!ok || h.name < n) {
					kept[hid] = h.name
				}
			}
		}
		out := items[:0:0]
		left := 0
		for _, it := range items {
			hid := it.r.householdID
			if it.r.relation != "head" || it.found && it.prev.relation == "head" && it.prev.household == hid {
				out = append(out, it)
				continue
			}
			if name, ok := kept[hid]; ok {
				refused = append(refused, RowError{Row: it.row, Column: column("relation"), Rule: "rule.head_exists", Param: name})
				left++
				continue
			}
			kept[hid] = it.r.name
			out = append(out, it)
		}
		items = out
		if left == 0 {
			break
		}
	}
	slices.SortFunc(refused, func(a, b RowError) int { return a.Row - b.Row })
	rep.Errors = append(rep.Errors, refused...)
	return items, nil
}

// checkedRow is the outcome of checking one row.
type checkedRow struct {
	item importItem
	bad  []RowError
	err  error
}

// checkRow validates and seals one row of the people file.
func (s *Service) checkRow(rec []string, rowNo int, regionOK map[string]bool) checkedRow {
	for len(rec) < len(PeopleHeader) {
		rec = append(rec, "")
	}
	var tags []string
	for _, t := range strings.FieldsFunc(rec[5], func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == ';' }) {
		tags = append(tags, tabular.Label(tagLabels, t))
	}
	region := strings.TrimSpace(rec[7])
	addr, addrRule := text.Line(rec[6])
	in := PersonInput{Name: rec[0], IDNumber: rec[1], Phone: rec[2], Relation: tabular.Label(relationLabels, rec[3]),
		Residence: Residence(tabular.Label(residenceLabels, rec[4])), Tags: tags, RegionCode: region}
	use := HouseUse(tabular.Label(useLabels, rec[8]))
	if use == "" {
		use = SelfOccupied
	}
	var bad []RowError
	if !regionOK[region] {
		bad = append(bad, RowError{Row: rowNo, Column: PeopleHeader[7], Rule: "rule.grid_or_community", Param: region})
	}
	if addr == "" {
		bad = append(bad, RowError{Row: rowNo, Column: PeopleHeader[6], Rule: "rule.required"})
	} else if addrRule != "" {
		bad = append(bad, RowError{Row: rowNo, Column: PeopleHeader[6], Rule: addrRule})
	}
	if !slices.Contains(HouseUses, use) {
		bad = append(bad, RowError{Row: rowNo, Column: PeopleHeader[8], Rule: "rule.one_of", Param: "自住, 出租, 空置"})
	}
	var fe errs.Fields
	idn, info := s.validatePerson(&fe, &in)
	for _, f := range fe {
		bad = append(bad, RowError{Row: rowNo, Column: column(f.Field), Rule: f.Rule, Param: f.Param})
	}
	if len(bad) > 0 {
		return checkedRow{bad: bad}
	}
	r, err := s.seal(in, idn, info)
	return checkedRow{item: importItem{row: rowNo, r: r, addr: addr, use: use}, err: err}
}

// personInsertCols are the columns of personRow.args.
var personInsertCols = []string{"region_code", "household_id", "name", "name_initials", "id_enc", "id_hash", "id_masked", "phone_enc",
	"phone_hash", "phone_masked", "birth_date", "sex", "relation", "residence", "tags", "created_at", "updated_at"}

// importHouseholds finds the households of the items' addresses, creating
// the missing ones, and returns address → household; addresses whose
// household lies outside the actor's scope are left out.
func (s *Service) importHouseholds(ctx context.Context, tx *db.Tx, sc authz.Scope, items []importItem, rep *ImportReport) (map[string]householdRef, error) {
	want := map[string]importItem{}
	var addrs []string
	for _, it := range items {
		if _, ok := want[it.addr]; !ok {
			want[it.addr] = it
			addrs = append(addrs, it.addr)
		}
	}
	found, err := householdsByAddress(ctx, tx, addrs)
	if err != nil {
		return nil, err
	}
	var missing [][]any
	var missingAddrs []string
	var links []linkRequest
	now := tx.Now()
	for _, a := range addrs {
		if _, ok := found[a]; ok {
			continue
		}
		it := want[a]
		missing = append(missing, []any{it.r.regionCode, a, string(it.use), now, now, nil})
		missingAddrs = append(missingAddrs, a)
		links = append(links, linkRequest{Address: a, Region: it.r.regionCode})
		if rep.newHouseholdsByRegion == nil {
			rep.newHouseholdsByRegion = map[string]int{}
		}
		rep.newHouseholdsByRegion[it.r.regionCode]++
	}
	// A new household at the address of a registered building is that
	// building's.
	buildings, err := s.linkAddresses(ctx, tx, links)
	if err != nil {
		return nil, err
	}
	for i, b := range buildings {
		if b != 0 {
			missing[i][5] = b
			rep.LinkedHouseholds++
		}
	}
	if err := tx.InsertRows(ctx, "registry_households", []string{"region_code", "address", "house_use", "created_at", "updated_at", "building_id"}, missing, 200); err != nil {
		return nil, err
	}
	rep.NewHouseholds += len(missing)
	made, err := householdsByAddress(ctx, tx, missingAddrs)
	if err != nil {
		return nil, err
	}
	out := make(map[string]householdRef, len(addrs))
	for a, h := range found {
		if sc.Contains(h.region) {
			out[a] = h
		}
	}
	for a, h := range made {
		out[a] = h
	}
	return out, nil
}

type householdRef struct {
	id     int64
	region string
}

func householdsByAddress(ctx context.Context, q db.Querier, addrs []string) (map[string]householdRef, error) {
	out := make(map[string]householdRef, len(addrs))
	for start := 0; start < len(addrs); start += 500 {
		chunk := addrs[start:min(start+500, len(addrs))]
		args := make([]any, len(chunk))
		for i, a := range chunk {
			args[i] = a
		}
		type row struct {
			addr string
			h    householdRef
		}
		rows, err := db.Collect(ctx, q, `/* registry.householdsByAddress */ SELECT address, id, region_code FROM registry_households WHERE address IN (`+db.In(len(chunk))+`)`,
			args, func(r db.Scanner) (row, error) {
				var x row
				err := r.Scan(&x.addr, &x.h.id, &x.h.region)
				return x, err
			})
		if err != nil {
			return nil, fmt.Errorf("registry: households by address: %w", err)
		}
		for _, x := range rows {
			out[x.addr] = x.h
		}
	}
	return out, nil
}

// existingPeople finds the people already registered with the items' ID
// numbers (by keyed hash).
func existingPeople(ctx context.Context, q db.Querier, items []importItem) (map[string]existingPerson, error) {
	out := map[string]existingPerson{}
	for start := 0; start < len(items); start += 500 {
		chunk := items[start:min(start+500, len(items))]
		args := make([]any, len(chunk))
		for i, it := range chunk {
			args[i] = it.r.idHash
		}
		type row struct {
			hash string
			p    existingPerson
		}
		rows, err := db.Collect(ctx, q, `/* registry.existingPeople */ SELECT id_hash, id, name, phone_hash, relation, residence, tags, region_code,
			COALESCE(household_id, 0) FROM registry_people WHERE id_hash IN (`+db.In(len(chunk))+`)`, args,
			func(r db.Scanner) (row, error) {
				var x row
				err := r.Scan(&x.hash, &x.p.id, &x.p.name, &x.p.phoneHash, &x.p.relation, &x.p.residence, &x.p.tags, &x.p.region, &x.p.household)
				return x, err
			})
		if err != nil {
			return nil, fmt.Errorf("registry: existing people: %w", err)
		}
		for _, x := range rows {
			out[x.hash] = x.p
		}
	}
	return out, nil
}

// updateImported updates a registered person when the row differs.
func updateImported(ctx context.Context, tx *db.Tx, old existingPerson, r personRow, rep *ImportReport) error {
	if old.name == r.name && old.phoneHash == r.phoneHash && old.relation == r.relation && old.residence == r.residence &&
		old.tags == r.tags && old.region == r.regionCode && old.household == r.householdID {
		rep.Unchanged++
		return nil
	}
	_, err := tx.ExecContext(ctx, `/* registry.updateImported */ UPDATE registry_people SET name = ?, name_initials = ?, phone_enc = ?,
		phone_hash = ?, phone_masked = ?, relation = ?, residence = ?, tags = ?, region_code = ?, household_id = ?, updated_at = ?,
		version = version + 1 WHERE id = ?`, r.name, r.initials, r.phoneEnc, r.phoneHash, r.phoneMasked, r.relation, r.residence, r.tags,
		r.regionCode, r.householdID, tx.Now(), old.id)
	if err != nil {
		return fmt.Errorf("registry: update person %d: %w", old.id, err)
	}
	rep.Updated++
	return nil
}

var errImportRefused = errors.New("import refused")

func trimAll(h []string) []string {
	out := make([]string, len(h))
	for i, x := range h {
		out[i] = strings.TrimSpace(strings.TrimPrefix(x, "\ufeff"))
	}
	return out
}

// column names the file column of a field.
func column(field string) string {
	switch field {
	case "name":
		return PeopleHeader[0]
	case "id_number":
		return PeopleHeader[1]
	case "phone":
		return PeopleHeader[2]
	case "relation":
		return PeopleHeader[3]
	case "residence":
		return PeopleHeader[4]
	case "tags":
		return PeopleHeader[5]
	case "region_code":
		return PeopleHeader[7]
	}
	return field
}
