package cases

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"grassroots/internal/platform/errs"
	"grassroots/internal/territory"
)

// MaxDescription is the longest description a report may have (Open311's
// 4,000 characters).
const MaxDescription = 4000

// FullName joins a first and a last name in the order the name's script
// expects. A Latin (or other spaced) name reads "first last". A Chinese
// name is written family name first without a space: a client that
// follows the Open311 fields (first_name = given name) sends 明 / 王 and
// gets 王明; one that splits what the reporter typed at the first space
// (FixMyStreet sends "张 三" as first 张, last 三) gets 张三 back. The
// family name is recognised from the common surnames; where neither part
// is one, the parts keep the order they came in.
func FullName(first, last string) string {
	first, last = strings.TrimSpace(first), strings.TrimSpace(last)
	if first == "" || last == "" {
		return first + last
	}
	if !han(first) && !han(last) {
		return first + " " + last
	}
	if surname(last) && !surname(first) {
		return last + first
	}
	return first + last
}

// han reports whether s is written in Chinese characters.
func han(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// surname reports whether s is a common Chinese family name (single or
// compound).
func surname(s string) bool {
	switch utf8.RuneCountInString(s) {
	case 1:
		return strings.Contains(singleSurnames, s)
	case 2:
		return slices.Contains(compoundSurnames, s)
	}
	return false
}

// The commonest family names, which between them cover nine in ten
// people in mainland China, and the compound ones still in use.
const singleSurnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩邓冯曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付傅方邹熊白孟秦邱侯江尹薛闫阎段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤康易乔赖文施洪辛柯庄樊殷祝颜童牛翁葛伍苗邢骆安温倪左涂丘尤鲁庞纪聂耿单焦甘詹欧符俞兰关祁凌盛卞岳齐饶柴裴谷包车褚卫戚喻柏窦鲍岑滕毕邬卜穆萧"

var compoundSurnames = []string{"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯", "轩辕", "令狐", "端木", "独孤", "南宫", "西门", "万俟", "闻人", "澹台", "呼延", "赫连", "申屠", "司空", "钟离"}

// mediaURL reports whether u is an absolute http(s) link a client may
// attach: stored and shown as a link, never fetched by the server.
func mediaURL(u string) bool {
	if len(u) > 2000 {
		return false
	}
	p, err := url.Parse(u)
	return err == nil && (p.Scheme == "https" || p.Scheme == "http") && p.Host != "" && p.User == nil
}

// has reports whether v is one of a list attribute's keys.
func (a Attribute) has(v string) bool {
	return slices.ContainsFunc(a.Values, func(x AttributeValue) bool { return x.Key == v })
}

// Answer is an answer to the attribute as people read it: its question
// and the names of the chosen values, never their keys.
func (a Attribute) Answer(v string) string {
	label := a.Description
	if label == "" {
		label = a.Code
	}
	if a.Datatype != "singlevaluelist" && a.Datatype != "multivaluelist" {
		return label + "：" + v
	}
	var names []string
	for _, k := range strings.Split(v, ",") {
		name := k
		for _, x := range a.Values {
			if x.Key == k {
				name = x.Name
			}
		}
		names = append(names, name)
	}
	return label + "：" + strings.Join(names, "、")
}

// placeNames keeps the names of divisions and grids for a few minutes:
// pages name the place of every case they list, and names change seldom.
type placeNames struct {
	mu sync.Mutex
	at time.Time
	m  map[string]string
}

// placeTTL is how long a name is kept.
const placeTTL = 5 * time.Minute

// regionName is the name of division or grid code, or the code where it
// is not known. Names are public facts of the territory, read for a
// case the caller has already read.
func (s *Service) regionName(ctx context.Context, code string) string {
	if code == "" {
		return ""
	}
	p := &s.places
	p.mu.Lock()
	if p.m == nil || time.Since(p.at) > placeTTL || len(p.m) > 200000 {
		p.m, p.at = map[string]string{}, time.Now()
	}
	name, ok := p.m[code]
	p.mu.Unlock()
	if ok {
		return name
	}
	// The siblings come with it: a list's cases lie in few communities.
	parent := parentCode(code)
	names := map[string]string{code: code}
	if parent != "" {
		if rs, err := s.deps.Territory.UnscopedRegions(ctx, territory.RegionFilter{Parent: parent, Limit: 10000}); err == nil {
			for _, r := range rs {
				names[r.Code] = r.Name
			}
		} else {
			return code
		}
	}
	p.mu.Lock()
	for k, v := range names {
		p.m[k] = v
	}
	p.mu.Unlock()
	return names[code]
}

// parentCode is the code of the division above code (grid → community →
// subdistrict → district → city), "" above the city.
func parentCode(code string) string {
	switch n := len(code); {
	case n > 12:
		return code[:12]
	case n > 9:
		return code[:9]
	case n > 6:
		return code[:6]
	case n == 6:
		return code[:territory.CityCodeLen(code)]
	}
	return ""
}

// placeOf names where a case lies: its grid and community, or the
// division that keeps it while it waits to be placed.
func (s *Service) placeOf(ctx context.Context, code string) string {
	if len(code) > 12 {
		return s.regionName(ctx, code[:12]) + " " + s.regionName(ctx, code)
	}
	return s.regionName(ctx, code)
}

// categoryChoice is how a sub-class reads in the report form's search:
// its name and its class's, in lang.
func categoryChoice(cat *Catalogue, c *Category, lang string) string {
	if p, ok := cat.Get(c.Parent); ok {
		return c.Label(lang) + "（" + p.Label(lang) + "）"
	}
	return c.Label(lang)
}

// findCategory finds the sub-class a person typed into the search: the
// entry picked from the list, a name (Chinese or English) or code, or
// else the only sub-class whose name or keywords contain the text. Text
// that fits several or none is refused with what it fits.
func findCategory(cat *Catalogue, typed, lang string) (string, error) {
	text := strings.ToLower(strings.TrimSpace(typed))
	subs := cat.Subs("")
	for _, c := range subs {
		for _, n := range []string{c.Code, c.Name, c.NameEN, categoryChoice(cat, c, "zh-CN"), categoryChoice(cat, c, "en")} {
			if n != "" && strings.ToLower(n) == text {
				return c.Code, nil
			}
		}
	}
	var hits []*Category
	for _, c := range subs {
		names := append([]string{c.Name, c.NameEN}, c.Keywords...)
		if slices.ContainsFunc(names, func(n string) bool { return n != "" && strings.Contains(strings.ToLower(n), text) }) {
			hits = append(hits, c)
		}
	}
	switch len(hits) {
	case 1:
		return hits[0].Code, nil
	case 0:
		return "", errs.Field("category", "rule.category_unknown_text", typed)
	}
	var names []string
	for _, c := range hits[:min(len(hits), 6)] {
		names = append(names, c.Label(lang))
	}
	return "", errs.Field("category", "rule.category_ambiguous", strings.Join(names, "、"))
}
