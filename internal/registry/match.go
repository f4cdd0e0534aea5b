package registry

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/territory"
)

// A 12345 work order, an Open311 request or a resident gives an address
// as free text: 江西省南昌市东湖区民巷路１号3号楼2单元301室 for the standard
// address 南昌市东湖区民巷路1号3栋. MatchAddress finds the building it means.
// Both sides are normalised the same way (addressKey): full-width digits
// and letters made plain, 号楼/幢/座/# spelled 栋, Chinese numerals before
// 号/栋/单元/室 made digits, brackets, spaces and punctuation dropped, and
// the names of divisions in front (province, city, district, subdistrict,
// community, as the territory names them) taken off, never a name that
// begins a street's (南昌路). A text is read every way its names in front
// can be taken off (测试市府路 is 测试市 and 府路, or 测试 and 市府路), so
// that the reading of the building's own divisions is among them. A
// building whose key begins one of the text's keys is the match (the rest
// is the unit and room); else
// a building of the same street, or of the division the text names, whose
// numbers (house, building) are the text's first numbers and whose street
// differs by a typing slip. Nothing here is one city's: the names come from
// the territory the city imported.

// MatchThreshold is the score from which a match is taken without a
// person choosing: the street name may differ by a slip (one character
// in five), the house and building numbers may not.
const MatchThreshold = 0.8

// AddressMatch is what MatchAddress found for a free-text address.
type AddressMatch struct {
	// The building matched (the best candidate when not matched).
	BuildingID int64    `json:"building_id,omitempty"`
	Address    string   `json:"address,omitempty" doc:"the standard address matched"`
	RegionCode string   `json:"region_code,omitempty" doc:"the building's grid (or community)"`
	Lon        *float64 `json:"lon,omitempty"`
	Lat        *float64 `json:"lat,omitempty"`
	Score      float64  `json:"score" doc:"1 for the same address; from MatchThreshold a match"`
	// Division is the deepest division the text names in front of the
	// street (district, subdistrict or community), "" when none: where
	// the place is when no building matched.
	Division string `json:"division,omitempty"`
	// Candidates are the best buildings, best first (the match among
	// them), for a person to choose from when none matched.
	Candidates []AddressCandidate `json:"candidates,omitempty"`
}

// AddressCandidate is a building an address may mean.
type AddressCandidate struct {
	BuildingID int64    `json:"building_id"`
	Address    string   `json:"address"`
	RegionCode string   `json:"region_code"`
	Lon        *float64 `json:"lon,omitempty"`
	Lat        *float64 `json:"lat,omitempty"`
	Score      float64  `json:"score"`
}

// Percent is the score as a whole percentage, for pages.
func (c AddressCandidate) Percent() int { return int(c.Score*100 + 0.5) }

// MatchAddress finds the building of the city's registry that a free-text
// address means, without scope (other modules locate what they receive by
// its address alone): ok when the best candidate scores MatchThreshold or
// more. When none does, the match still tells the division the text
// names and the nearest candidates.
func (s *Service) MatchAddress(ctx context.Context, text string) (AddressMatch, bool, error) {
	var m AddressMatch
	idx, err := s.divisions(ctx)
	if err != nil {
		return m, false, err
	}
	text = normaliseAddress(text)
	key, division := idx.strip(text)
	m.Division = division
	if key == "" {
		return m, false, nil
	}
	// The text as strip read it first; then the other readings, among
	// them the building's own.
	keys := []string{key}
	for _, k := range idx.readings(text) {
		if k != key {
			keys = append(keys, k)
		}
	}
	cands, err := s.prefixCandidates(ctx, keys)
	if err != nil {
		return m, false, err
	}
	if len(cands) == 0 {
		if cands, err = s.nearCandidates(ctx, key, division); err != nil {
			return m, false, err
		}
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].Score > cands[j].Score })
	m.Candidates = cands[:min(len(cands), 5)]
	if len(cands) == 0 {
		return m, false, nil
	}
	b := cands[0]
	m.BuildingID, m.Address, m.RegionCode, m.Lon, m.Lat, m.Score = b.BuildingID, b.Address, b.RegionCode, b.Lon, b.Lat, b.Score
	if b.Score < MatchThreshold {
		return m, false, nil
	}
	m.Division = cut(b.RegionCode, 12)
	return m, true, nil
}

// DivisionOf is the deepest division that names (a district, subdistrict
// or community, as a 12345 export gives them in columns of their own,
// top down) point to, "" when they name none.
func (s *Service) DivisionOf(ctx context.Context, names ...string) (string, error) {
	idx, err := s.divisions(ctx)
	if err != nil {
		return "", err
	}
	_, d := idx.strip(normaliseAddress(strings.Join(names, "")))
	return d, nil
}

// prefixCandidates are the buildings whose key (or compound key) begins
// one of keys, the readings of one address, where a number ends: the one
// that leaves least of its reading (the unit and room) is the building
// meant, and of those the one of the earliest reading.
func (s *Service) prefixCandidates(ctx context.Context, keys []string) ([]AddressCandidate, error) {
	var pre []any
	seen := map[string]bool{}
	for _, key := range keys {
		r := []rune(key)
		for n := min(len(r), 80); n >= 2; n-- {
			// 民巷路1号 begins 民巷路12号 in letters, not in numbers.
			if n < len(r) && isNum(r[n-1]) && isNum(r[n]) {
				continue
			}
			if p := string(r[:n]); !seen[p] {
				seen[p] = true
				pre = append(pre, p)
			}
		}
	}
	if len(pre) == 0 {
		return nil, nil
	}
	in := db.In(len(pre))
	rows, err := s.buildingKeys(ctx, `/* registry.matchPrefix */ SELECT id, region_code, address, lon, lat, match_key, alias_key FROM registry_buildings
		WHERE match_key IN (`+in+`) OR alias_key IN (`+in+`) LIMIT 50`, append(pre, pre...))
	if err != nil {
		return nil, err
	}
	type found struct {
		c   AddressCandidate
		via int // the reading matched
	}
	var out []found
	for _, b := range rows {
		best, via := -1, 0
		for i, key := range keys {
			for _, k := range []string{b.match, b.alias} {
				if left, ok := numberPrefix(key, k); ok && (best < 0 || left < best) {
					best, via = left, i
				}
			}
		}
		if best < 0 {
			continue
		}
		score := 0.95 - 0.001*float64(best)
		if best == 0 {
			score = 1
		}
		out = append(out, found{AddressCandidate{BuildingID: b.id, Address: b.address, RegionCode: b.region, Lon: b.lon, Lat: b.lat,
			Score: max(score, MatchThreshold)}, via})
	}
	sort.SliceStable(out, func(i, j int) bool {
		return out[i].c.Score > out[j].c.Score || out[i].c.Score == out[j].c.Score && out[i].via < out[j].via
	})
	cands := make([]AddressCandidate, len(out))
	for i, f := range out {
		cands[i] = f.c
	}
	return cands, nil
}

// numberPrefix reports whether k begins key where a number ends (民巷路1号
// begins 民巷路1号3栋, not 民巷路12号), and how many letters of key follow.
func numberPrefix(key, k string) (int, bool) {
	if k == "" || !strings.HasPrefix(key, k) {
		return 0, false
	}
	rest := key[len(k):]
	last, _ := utf8.DecodeLastRuneInString(k)
	next, _ := utf8.DecodeRuneInString(rest)
	if rest != "" && isNum(last) && isNum(next) {
		return 0, false
	}
	return utf8.RuneCountInString(rest), true
}

// nearCandidates scores the buildings of key's street, and of the
// division the text named, against key: the same numbers and a street
// name a slip away match; the same street with other numbers is offered
// only.
func (s *Service) nearCandidates(ctx context.Context, key, division string) ([]AddressCandidate, error) {
	street, pairs := parseKey(key)
	var rows []buildingKey
	if len(pairs) > 0 {
		// The same numbers on a street spelt a little otherwise.
		var nums []any
		for i := range pairs {
			nums = append(nums, numberKey(pairs[:i+1]))
		}
		bs, err := s.buildingKeys(ctx, `/* registry.matchNumbers */ SELECT id, region_code, address, lon, lat, match_key, alias_key FROM registry_buildings
			WHERE number_key IN (`+db.In(len(nums))+`) LIMIT 500`, nums)
		if err != nil {
			return nil, err
		}
		rows = append(rows, bs...)
	}
	if street != "" {
		bs, err := s.buildingKeys(ctx, `/* registry.matchStreet */ SELECT id, region_code, address, lon, lat, match_key, alias_key FROM registry_buildings
			WHERE street_key = ? LIMIT 500`, []any{street})
		if err != nil {
			return nil, err
		}
		rows = append(rows, bs...)
	}
	if len(division) >= 6 {
		lo, hi := authz.PrefixRange(division)
		q := `/* registry.matchDivision */ SELECT id, region_code, address, lon, lat, match_key, alias_key FROM registry_buildings WHERE region_code >= ?`
		args := []any{lo}
		if hi != "" {
			q += ` AND region_code < ?`
			args = append(args, hi)
		}
		bs, err := s.buildingKeys(ctx, q+` LIMIT 2000`, args)
		if err != nil {
			return nil, err
		}
		rows = append(rows, bs...)
	}
	seen := map[int64]bool{}
	var out []AddressCandidate
	for _, b := range rows {
		if seen[b.id] || b.match == "" {
			continue
		}
		seen[b.id] = true
		bStreet, bPairs := parseKey(b.match)
		sim := similarity(street, bStreet)
		score := sim
		if len(bPairs) == 0 || len(bPairs) > len(pairs) || !samePairs(bPairs, pairs[:len(bPairs)]) {
			score = sim * 0.5 // the street, not the building
		}
		if score < 0.4 {
			continue
		}
		out = append(out, AddressCandidate{BuildingID: b.id, Address: b.address, RegionCode: b.region, Lon: b.lon, Lat: b.lat, Score: score})
	}
	return out, nil
}

type buildingKey struct {
	id                            int64
	region, address, match, alias string
	lon, lat                      *float64
}

func (s *Service) buildingKeys(ctx context.Context, q string, args []any) ([]buildingKey, error) {
	out, err := db.Collect(ctx, s.db, q, args, func(r db.Scanner) (buildingKey, error) {
		var b buildingKey
		err := r.Scan(&b.id, &b.region, &b.address, &b.lon, &b.lat, &b.match, &b.alias)
		return b, err
	})
	if err != nil {
		return nil, fmt.Errorf("registry: match address: %w", err)
	}
	return out, nil
}

// addressKeys are the keys a building is found by: its address and its
// compound's name with its own, each without the names of the divisions
// its grid lies in; and the street and the numbers of the first.
func (idx *divisionIndex) addressKeys(address, compound, name, region string) addressKeys {
	var k addressKeys
	k.match = idx.stripOwn(normaliseAddress(address), region)
	var pairs []pair
	k.street, pairs = parseKey(k.match)
	k.numbers = numberKey(pairs)
	if compound != "" {
		k.alias = idx.stripOwn(normaliseAddress(compound+name), region)
	}
	return k
}

// addressKeys are the stored keys of a building (columns match_key,
// street_key, number_key, alias_key).
type addressKeys struct{ match, street, numbers, alias string }

// numberKey is the numbers of an address with their units, 1299号5栋.
func numberKey(pairs []pair) string {
	var b strings.Builder
	for _, p := range pairs {
		b.WriteString(p.n + p.unit)
	}
	return b.String()
}

// FillAddressKeys writes the match keys of the buildings that have none
// (those from before the keys, or loaded by other means); it runs at
// start and is cheap when there is nothing to do.
func (s *Service) FillAddressKeys(ctx context.Context) error {
	var after int64
	for {
		type row struct {
			id                              int64
			region, address, compound, name string
		}
		rows, err := db.Collect(ctx, s.db, `/* registry.fillAddressKeys */ SELECT id, region_code, address, compound, name FROM registry_buildings
			WHERE match_key = '' AND id > ? ORDER BY id LIMIT 500`, []any{after}, func(r db.Scanner) (row, error) {
			var x row
			err := r.Scan(&x.id, &x.region, &x.address, &x.compound, &x.name)
			return x, err
		})
		if err != nil {
			return fmt.Errorf("registry: fill address keys: %w", err)
		}
		if len(rows) == 0 {
			return nil
		}
		err = s.db.Tx(ctx, func(tx *db.Tx) error {
			for _, x := range rows {
				idx, err := s.divisionsFor(ctx, x.region)
				if err != nil {
					return err
				}
				k := idx.addressKeys(x.address, x.compound, x.name, x.region)
				if _, err := tx.ExecContext(ctx, `/* registry.fillAddressKeys */ UPDATE registry_buildings SET match_key = ?, street_key = ?, number_key = ?, alias_key = ?
					WHERE id = ?`, k.match, k.street, k.numbers, k.alias, x.id); err != nil {
					return fmt.Errorf("registry: fill address keys: %w", err)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		after = rows[len(rows)-1].id
	}
}

// divisionIndex is the names of the city's divisions down to the
// communities, normalised as addresses are, longest first.
type divisionIndex struct {
	names  []divisionName
	first  map[rune][]divisionName // names by their first letter, longest first
	byCode map[string][]string     // a division's names (full and short)
}

type divisionName struct {
	name  string
	codes []string
}

// divisionsFor is divisions read again when they lack a division of
// region (added since they were read): a building's key must be made
// with the names of all its divisions.
func (s *Service) divisionsFor(ctx context.Context, region string) (*divisionIndex, error) {
	idx, err := s.divisions(ctx)
	if err != nil {
		return nil, err
	}
	for _, n := range []int{4, 6, 9, 12} {
		if len(region) >= n && idx.byCode[region[:n]] == nil {
			s.names.Clear()
			return s.divisions(ctx)
		}
	}
	return idx, nil
}

// divisions reads the division names, kept a minute and cleared when the
// territory's divisions change on any instance (names change seldom; a
// name a minute late only stays in front of a key).
func (s *Service) divisions(ctx context.Context) (*divisionIndex, error) {
	return s.names.Load("", func() (*divisionIndex, error) {
		idx := &divisionIndex{byCode: map[string][]string{}}
		byName := map[string][]string{}
		for _, l := range []territory.Level{territory.LevelProvince, territory.LevelCity, territory.LevelDistrict, territory.LevelSubdistrict, territory.LevelCommunity} {
			after := ""
			for {
				rs, err := s.terr.UnscopedRegions(ctx, territory.RegionFilter{Level: l, After: after, Limit: 5000})
				if err != nil {
					return nil, err
				}
				for _, r := range rs {
					for _, n := range nameForms(r.Name, l) {
						if n = normaliseAddress(n); len([]rune(n)) >= 2 {
							byName[n] = append(byName[n], r.Code)
							idx.byCode[r.Code] = append(idx.byCode[r.Code], n)
						}
					}
				}
				if len(rs) < 5000 {
					break
				}
				after = rs[len(rs)-1].Code
			}
		}
		for n, codes := range byName {
			idx.names = append(idx.names, divisionName{name: n, codes: codes})
		}
		sort.Slice(idx.names, func(i, j int) bool {
			a, b := len(idx.names[i].name), len(idx.names[j].name)
			return a > b || a == b && idx.names[i].name < idx.names[j].name
		})
		idx.first = map[rune][]divisionName{}
		for _, n := range idx.names {
			r, _ := utf8.DecodeRuneInString(n.name)
			idx.first[r] = append(idx.first[r], n)
		}
		return idx, nil
	})
}

var (
	provinceSuffix = regexp.MustCompile(`(省|市|自治区|特别行政区|壮族自治区|回族自治区|维吾尔自治区)$`)
	citySuffix     = regexp.MustCompile(`(市|地区|盟|自治州)$`)
	// A residents' committee is written by its community's name
	// (甲一社区居委会 → 甲一社区), a villagers' committee by its village's
	// (东湖村委会 → 东湖村, never 东湖, which begins 东湖区).
	residentsSuffix = regexp.MustCompile(`(居民委员会|居委会)$`)
	villageSuffix   = regexp.MustCompile(`村?(村民委员会|村委会)$`)
)

// nameForms are the ways an address writes a division's name: in full,
// and for a province or city also without 省/市 (江西, 南昌), for a
// community without 居委会 (甲一社区居委会 → 甲一社区), for a village
// without 委会 (东湖村委会 → 东湖村).
func nameForms(name string, l territory.Level) []string {
	out := []string{name}
	var short string
	switch l {
	case territory.LevelProvince:
		short = provinceSuffix.ReplaceAllString(name, "")
	case territory.LevelCity:
		short = citySuffix.ReplaceAllString(name, "")
	case territory.LevelCommunity:
		short = residentsSuffix.ReplaceAllString(name, "")
		if village := villageSuffix.ReplaceAllString(name, "村"); village != name {
			short = village
		}
	}
	if short != name && len([]rune(short)) >= 2 {
		out = append(out, short)
	}
	return out
}

// streetWords are what follows a name that is not a division's but the
// start of a street's: 南昌路 and 江西大道 are roads, not 南昌 and 江西.
// They are words: 东湖区大士院北区路 begins with the district 东湖区, its
// 大 begins no 大道.
var streetWords = []string{"大道", "大街", "胡同", "路", "街", "道", "巷", "弄"}

// partOfStreet reports whether rest, what follows a division's name in a
// key, makes that name the start of a street's.
func partOfStreet(rest string) bool {
	for _, w := range streetWords {
		if strings.HasPrefix(rest, w) {
			return true
		}
	}
	return false
}

// cutName is key without the division name n in front, when n is in
// front and is the division's, not the start of a street's name; ok
// false otherwise. Buildings and typed addresses are cut by this one
// rule, so that their keys agree.
func cutName(key, n string) (string, bool) {
	rest, ok := strings.CutPrefix(key, n)
	if !ok || partOfStreet(rest) {
		return key, false
	}
	return rest, true
}

// strip takes the names of divisions off the front of key, again and
// again (江西省南昌市东湖区…), the longest first, and tells the deepest
// division they name consistently (each below the one before).
func (idx *divisionIndex) strip(key string) (string, string) {
	division := ""
	for changed := true; changed && key != ""; {
		changed = false
		first, _ := utf8.DecodeRuneInString(key)
		for _, n := range idx.first[first] {
			rest, ok := cutName(key, n.name)
			if !ok {
				continue
			}
			key, changed = rest, true
			var below []string
			for _, c := range n.codes {
				if strings.HasPrefix(c, division) && len(c) > len(division) {
					below = append(below, c)
				}
			}
			if len(below) == 1 {
				division = below[0]
			}
			break
		}
	}
	return key, division
}

// maxReadings bounds the readings of one address.
const maxReadings = 32

// readings are the keys key may be read as: key itself and what is left
// after taking off, again and again, any division name in front (not only
// the longest, as strip does). A building's key is its address without
// the names of its own divisions (stripOwn), by the same rule, so one of
// them is the building's whatever names other divisions bear, and
// wherever a name can be read two ways (测试市府路 is 测试市 and 府路, or
// 测试 and 市府路).
func (idx *divisionIndex) readings(key string) []string {
	out := []string{key}
	seen := map[string]bool{key: true}
	for i := 0; i < len(out) && len(out) < maxReadings; i++ {
		k := out[i]
		first, _ := utf8.DecodeRuneInString(k)
		for _, n := range idx.first[first] {
			if rest, ok := cutName(k, n.name); ok && rest != "" && !seen[rest] && len(out) < maxReadings {
				seen[rest] = true
				out = append(out, rest)
			}
		}
	}
	return out
}

// stripOwn takes the names of region's own divisions (its ancestors) off
// the front of key: a building's address is keyed by the divisions that
// existed when it was created, whatever is added later.
func (idx *divisionIndex) stripOwn(key, region string) string {
	var own []string
	for _, n := range []int{2, 4, 6, 9, 12} {
		if len(region) >= n {
			own = append(own, idx.byCode[region[:n]]...)
		}
	}
	sort.SliceStable(own, func(i, j int) bool { return len(own[i]) > len(own[j]) })
	for changed := true; changed; {
		changed = false
		for _, n := range own {
			if rest, ok := cutName(key, n); ok && rest != "" {
				key, changed = rest, true
				break
			}
		}
	}
	return key
}

var (
	remark   = regexp.MustCompile(`\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|<[^<>]*>`)
	cnNumber = regexp.MustCompile(`([零〇一二两三四五六七八九十百]+)(号楼|号院|号|栋|幢|座|单元|楼|层|室|期|区|组)`)
	dashForm = regexp.MustCompile(`([0-9]+)-([0-9]+)-([0-9]+)$`)
	building = regexp.MustCompile(`([0-9]+|[a-z])(?:号楼|栋楼|#楼|#|幢|座|栋)`)
	room     = regexp.MustCompile(`([0-9]+)(?:号房|房间|房|室)`)
	zeros    = regexp.MustCompile(`(^|[^0-9])0+([0-9])`)
)

// normaliseAddress is an address in the form keys are compared in (see
// above); NormaliseAddress is the same, for other modules' display.
func normaliseAddress(s string) string {
	s = strings.ToLower(norm.NFKC.String(s))
	s = remark.ReplaceAllString(s, "")
	s = cnNumber.ReplaceAllStringFunc(s, func(m string) string {
		sub := cnNumber.FindStringSubmatch(m)
		if n, ok := chineseNumber(sub[1]); ok {
			return strconv.Itoa(n) + sub[2]
		}
		return m
	})
	s = strings.Join(strings.Fields(s), "")
	s = dashForm.ReplaceAllString(s, "${1}栋${2}单元${3}室")
	s = building.ReplaceAllString(s, "${1}栋")
	s = room.ReplaceAllString(s, "${1}室")
	s = zeros.ReplaceAllString(s, "${1}${2}")
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, s)
}

// NormaliseAddress is an address as MatchAddress compares it: 南昌市东湖区
// 民巷路１号３号楼 and 南昌市东湖区民巷路1号3栋 normalise the same.
func NormaliseAddress(s string) string { return normaliseAddress(s) }

// chineseNumber reads 三, 十二, 二十三, 一百零五 (up to 999).
func chineseNumber(s string) (int, bool) {
	digit := map[rune]int{'零': 0, '〇': 0, '一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}
	total, cur := 0, 0
	for _, r := range s {
		switch {
		case r == '十':
			if cur == 0 {
				cur = 1
			}
			total += cur * 10
			cur = 0
		case r == '百':
			if cur == 0 {
				cur = 1
			}
			total += cur * 100
			cur = 0
		default:
			d, ok := digit[r]
			if !ok {
				return 0, false
			}
			cur = cur*10 + d // 一零五 reads as 105
		}
	}
	return total + cur, true
}

// pair is a number and the unit word after it (1 号, 3 栋, 2 单元).
type pair struct{ n, unit string }

// parseKey splits a key into its street (what comes before the first
// number) and its numbers with their units.
func parseKey(key string) (string, []pair) {
	r := []rune(key)
	i := 0
	for i < len(r) && !isNum(r[i]) {
		i++
	}
	street := string(r[:i])
	var out []pair
	for i < len(r) {
		j := i
		for j < len(r) && isNum(r[j]) {
			j++
		}
		k := j
		for k < len(r) && !isNum(r[k]) {
			k++
		}
		out = append(out, pair{n: string(r[i:j]), unit: string(r[j:k])})
		i = k
	}
	return street, out
}

func samePairs(a, b []pair) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func isNum(r rune) bool { return r >= '0' && r <= '9' }

// similarity is 1 minus the edit distance over the longer length.
func similarity(a, b string) float64 {
	x, y := []rune(a), []rune(b)
	if len(x) == 0 && len(y) == 0 {
		return 1
	}
	prev := make([]int, len(y)+1)
	cur := make([]int, len(y)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(x); i++ {
		cur[0] = i
		for j := 1; j <= len(y); j++ {
			c := prev[j-1]
			if x[i-1] != y[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return 1 - float64(prev[len(y)])/float64(max(len(x), len(y)))
}

func cut(code string, n int) string { return code[:min(n, len(code))] }
