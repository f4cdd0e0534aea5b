package admission

import (
	"encoding/json"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/tabular"
	"grassroots/internal/platform/web"
)

// The burden figures' page and export. Their routes are registered with
// the module's others in http.go; the figures themselves are burden.go's.

type burdenPage struct {
	labels
	Report  Report
	Metrics []string
	// EffectMetrics are the figures compared before and since a version.
	EffectMetrics []string
	Chart         template.JS
	Month         string
	CanDrill      bool
	// Heading says whose figures these are: the division, the month, and
	// for a department that they are its own.
	Heading string
	// Active are the children with any figure; Quiet those with none,
	// named on one line instead of a row (a card on a phone) of zeros.
	Active, Quiet []Figures
	// Averages: the version's two periods differ in length, so their
	// monthly averages are compared; when they do not, their totals.
	Averages bool
}

// Link is where a child's row leads: its own report.
func (p burdenPage) Link(code string) string {
	if len(code) > 12 {
		return ""
	}
	return "/admission/burden?region=" + code + "&month=" + p.Month
}

// Effect is metric m's figure in the version's period before (or since)
// as the comparison shows it: the monthly average when the periods
// differ in length, else the total.
func (p burdenPage) Effect(before bool, m string) string {
	v := p.Report.Version
	if v == nil {
		return ""
	}
	if !p.Averages {
		if before {
			return strconv.FormatInt(v.BeforeTotal[m], 10)
		}
		return strconv.FormatInt(v.SinceTotal[m], 10)
	}
	x := v.Since[m]
	if before {
		x = v.Before[m]
	}
	return strconv.FormatFloat(x, 'f', 1, 64)
}

// BeforeLabel and SinceLabel name the version's two periods: the
// version, its months and how many.
func (p burdenPage) BeforeLabel() string {
	v := p.Report.Version
	return p.T("adm.effect_before", v.Previous, p.period(v.BeforeFrom, v.BeforeTo), v.MonthsBefore)
}

func (p burdenPage) SinceLabel() string {
	v := p.Report.Version
	return p.T("adm.effect_since", v.Version, p.period(v.SinceFrom, v.SinceTo), v.MonthsSince)
}

func (p burdenPage) period(from, to string) string {
	if from == to {
		return from
	}
	return p.T("adm.month_range", from, to)
}

// SplitMonth is the month the version took effect in part way, which
// counts in neither period (empty: it took effect on the 1st).
func (p burdenPage) SplitMonth() string {
	if v := p.Report.Version; v != nil && !strings.HasSuffix(v.EffectiveFrom, "-01") {
		return v.EffectiveFrom[:7]
	}
	return ""
}

// EffectNote says why a version is not compared (empty: it is).
func (p burdenPage) EffectNote() string {
	v := p.Report.Version
	if v == nil {
		return ""
	}
	switch v.NotCompared {
	case "no_previous":
		return p.T("adm.effect_no_previous", v.Version)
	case "no_month_before":
		return p.T("adm.effect_no_month_before", v.Previous, v.Version)
	case "no_whole_month":
		return p.T("adm.effect_no_whole_month", v.Version, v.EffectiveFrom, p.Report.Month)
	}
	return ""
}

// burdenHeading names what a report's figures are: the division and the
// month, and a department's own requests when a department reads them.
func burdenHeading(p web.Page, rep Report) string {
	h := rep.Name + " · " + rep.Month
	if rep.Department != "" {
		h += " · " + p.T("adm.dept_own", rep.Department)
	}
	return h
}

func (h *handler) handleBurden(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	rep, err := h.svc.Burden(ctx, authz.ScopeFrom(ctx), strings.TrimSpace(q.Get("region")), q.Get("month"))
	if err != nil {
		return err
	}
	p := burdenPage{labels: labels{h.ui.Page(r, "title.adm_burden")}, Report: rep, Metrics: Metrics, Month: rep.Month,
		CanDrill: authz.ScopeFrom(ctx).Department == 0, EffectMetrics: []string{"tasks", "form", "offlist", "refused", "declined", "emergency", "misused"}}
	p.Heading = burdenHeading(p.Page, rep)
	for _, c := range rep.Children {
		if c.Quiet() {
			p.Quiet = append(p.Quiet, c)
		} else {
			p.Active = append(p.Active, c)
		}
	}
	if v := rep.Version; v != nil {
		p.Averages = v.MonthsBefore != v.MonthsSince
	}
	p.Chart = burdenChart(p.Page, rep)
	return h.ui.Render(w, r, http.StatusOK, "admission_burden", "", p)
}

// burdenChart is the ECharts option of the twelve months' trend, with a
// line where the latest version took effect. Its legend wraps rather
// than running off a phone's screen, and the plot starts below it: the
// legend's lines at each width are estimated from its names, since
// ECharts does not move the plot for it.
func burdenChart(p web.Page, rep Report) template.JS {
	metrics := []string{"tasks", "offlist", "declined", "certificate"}
	var months []string
	series := map[string][]int64{}
	for _, f := range rep.Trend {
		months = append(months, f.Code)
		for _, m := range metrics {
			series[m] = append(series[m], f.N[m])
		}
	}
	var ss []any
	var legend []string
	for i, m := range metrics {
		name := p.T("adm.metric." + m)
		legend = append(legend, name)
		line := map[string]any{"type": "line", "name": name, "data": series[m]}
		if v := rep.Version; v != nil && i == 0 {
			// Where the latest version took effect, its label on the side
			// of the line with more room.
			align := "right"
			for j, mo := range months {
				if mo == v.EffectiveFrom[:7] && j < len(months)/2 {
					align = "left"
				}
			}
			line["markLine"] = map[string]any{"symbol": "none", "silent": true, "data": []any{map[string]any{"xAxis": v.EffectiveFrom[:7]}},
				"label": map[string]any{"formatter": p.T("adm.version_marker", v.Version), "position": "end", "align": align}}
		}
		ss = append(ss, line)
	}
	const lineHeight, gridGap = 24, 16
	opt := map[string]any{"tooltip": map[string]any{"trigger": "axis"},
		"legend": map[string]any{"data": legend, "top": 0, "type": "plain"},
		"grid":   map[string]any{"left": 8, "right": 8, "bottom": 8, "top": legendLines(legend, 1200)*lineHeight + gridGap, "containLabel": true},
		"xAxis":  map[string]any{"type": "category", "data": months}, "yAxis": map[string]any{"type": "value"}, "series": ss}
	// Narrower charts, widest first: ECharts applies every query that
	// matches, the last one winning.
	var media []any
	for _, width := range []int{960, 720, 560, 420, 320} {
		media = append(media, map[string]any{"query": map[string]any{"maxWidth": width},
			"option": map[string]any{"grid": map[string]any{"top": legendLines(legend, width)*lineHeight + gridGap}}})
	}
	opt["media"] = media
	b, _ := json.Marshal(opt)
	return template.JS(b)
}

// legendLines estimates the lines a plain ECharts legend of names takes
// in a chart width pixels wide: each item its symbol (25), a gap (5) and
// its name at 12 px (a Chinese character 12, any other about 7), items
// 10 apart, the legend padded 5 on each side.
func legendLines(names []string, width int) int {
	lines, x := 1, 0
	for _, n := range names {
		w := 30
		for _, r := range n {
			if r >= 0x2E80 {
				w += 12
			} else {
				w += 7
			}
		}
		switch {
		case x == 0:
			x = w
		case x+10+w > width-10:
			lines, x = lines+1, w
		default:
			x += 10 + w
		}
	}
	return lines
}

func (h *handler) handleBurdenXLSX(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	q := r.URL.Query()
	rep, err := h.svc.Burden(ctx, authz.ScopeFrom(ctx), strings.TrimSpace(q.Get("region")), q.Get("month"))
	if err != nil {
		return err
	}
	p := h.ui.Page(r, "title.adm_burden")
	// A department's own figures keep no signboards or ledgers: those are
	// the community's, whoever asked for them.
	kept := rep.Department == ""
	head := func(first string, withKept bool) []tabular.Cell {
		out := []tabular.Cell{tabular.Text(first).Bold()}
		for _, m := range Metrics {
			out = append(out, tabular.Text(p.T("adm.metric."+m)).Bold())
		}
		out = append(out, tabular.Text(p.T("adm.hours")).Bold())
		if withKept {
			out = append(out, tabular.Text(p.T("adm.signboards_kept")).Bold(), tabular.Text(p.T("adm.ledgers_kept")).Bold())
		}
		return out
	}
	row := func(name string, f Figures, withKept bool) []tabular.Cell {
		out := []tabular.Cell{tabular.Text(name)}
		for _, m := range Metrics {
			out = append(out, tabular.Count(f.N[m]))
		}
		out = append(out, tabular.Decimal(f.Hours, 1))
		if withKept {
			out = append(out, tabular.Count(f.Signboards), tabular.Count(f.Ledgers))
		}
		return out
	}
	rows := [][]tabular.Cell{
		{tabular.Text(p.T("title.adm_burden") + " · " + burdenHeading(p, rep)).Bold()},
		{tabular.Text(p.T("adm.burden_counting"))},
		{},
		head(p.T("adm.unit"), kept),
	}
	for _, f := range rep.Children {
		rows = append(rows, row(f.Name, f, kept))
	}
	rows = append(rows, row(p.T("adm.total")+" "+rep.Name, rep.Total, kept), []tabular.Cell{})
	rows = append(rows, []tabular.Cell{tabular.Text(p.T("adm.departments")).Bold()}, []tabular.Cell{tabular.Text(p.T("adm.departments_intro"))})
	if len(rep.Departments) == 0 {
		rows = append(rows, []tabular.Cell{tabular.Text(p.T("adm.no_departments"))})
	} else {
		rows = append(rows, head(p.T("adm.department"), false))
		for _, f := range rep.Departments {
			rows = append(rows, row(f.Name, f, false))
		}
	}
	name := p.T("adm.export_file", rep.Name, rep.Month)
	if rep.Department != "" {
		name = p.T("adm.export_file_dept", rep.Name, rep.Month, rep.Department)
	}
	return tabular.WriteWorkbook(w, safeFileName(name)+".xlsx", tabular.Sheet{Name: sheetName(p.T("adm.sheet")), Rows: rows})
}

// safeFileName keeps a download's name to what every system saves: no
// path separators or characters Windows refuses, at most 120 characters.
func safeFileName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || strings.ContainsRune(`\/:*?"<>|`, r) {
			return '_'
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) > 120 {
		s = string([]rune(s)[:120])
	}
	return s
}

// sheetName is s as Excel takes a sheet's name: at most 31 characters,
// none of : \ / ? * [ ].
func sheetName(s string) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]`, r) {
			return ' '
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) > 31 {
		s = string([]rune(s)[:31])
	}
	return s
}
