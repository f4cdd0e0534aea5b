package app

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"grassroots/internal/city"
	"grassroots/internal/platform/workday"
)

// city shows or sets the city profile: `grassroots city show`, and
// `grassroots city set -code … [-name …] …`, where the flags not given keep
// their stored values (an empty value clears a field). `grassroots city
// -code …` is read as `city set`.
func (m *Main) city(ctx context.Context, args []string) error {
	if len(args) > 0 && strings.HasPrefix(args[0], "-") && !isHelp(args[0]) {
		args = append([]string{"set"}, args...)
	}
	if done, err := m.group("city", args); done {
		return err
	}
	sub, rest := args[0], args[1:]
	var c Config
	fs := m.flags("city "+sub, defaultDB, &c)
	var in city.Input
	if sub == "set" {
		// -public-url is the shared flag (bindConfig): here it is the
		// profile's public URL.
		fs.StringVar(&in.Code, "code", "", "division code of the city (a municipality: 11 北京, 12 天津, 31 上海, 50 重庆) / 城市的区划代码")
		fs.StringVar(&in.Name, "name", "", "the city's name (default: the division's) / 城市名称")
		fs.StringVar(&in.Jurisdiction, "jurisdiction", "", "Open311 jurisdiction_id, a host name such as example.gov.cn; empty: any / Open311 辖区标识")
		fs.StringVar(&in.Centre, "centre", "", "map centre lon,lat (WGS-84); empty: the middle of the imported outlines / 地图中心")
		fs.StringVar(&in.Bounds, "bounds", "", "map bounds west,south,east,north; empty: those of the imported outlines and grids / 地图范围")
		fs.StringVar(&in.Hours, "hours", "", "office hours, e.g. 09:00-12:00,13:30-17:30 / 作息时间")
		fs.StringVar(&in.SummerHours, "summer-hours", "", "summer hours, e.g. 08:30-12:00,14:30-17:30 / 夏季作息时间")
		fs.StringVar(&in.Summer, "summer", "", "the summer season of the summer hours MM-DD:MM-DD, e.g. 05-01:09-30 / 夏季作息期间")
	}
	pos, err := m.parse(fs, rest, &c)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return m.usageError(fs, "unexpected argument %q", pos[0])
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	// The stored URL, not this command line's: -public-url is read as the
	// value to set, never as an override.
	url := c.PublicURL
	c.PublicURL = ""
	a, ctx, err := m.openAsOperator(ctx, c)
	if err != nil {
		return err
	}
	defer a.DB.Close()
	if sub == "show" {
		showCity(m.Stdout, a.City.View())
		return nil
	}
	cur, _ := a.City.Current()
	keep := func(flag string, v *string, stored string) {
		if !given[flag] {
			*v = stored
		}
	}
	keep("code", &in.Code, cur.Code)
	keep("name", &in.Name, cur.Name)
	keep("jurisdiction", &in.Jurisdiction, cur.Jurisdiction)
	keep("centre", &in.Centre, cur.Centre)
	keep("bounds", &in.Bounds, cur.Bounds)
	keep("hours", &in.Hours, cur.Hours)
	keep("summer-hours", &in.SummerHours, cur.SummerHours)
	keep("summer", &in.Summer, cur.Summer)
	in.PublicURL = url
	keep("public-url", &in.PublicURL, cur.PublicURL)
	if given["code"] && in.Code != cur.Code && !given["name"] {
		in.Name = "" // another city: its division's name
	}
	if in.Code == "" {
		return m.usageError(fs, "name the city with -code (no profile is stored yet)")
	}
	if _, err := a.City.Set(ctx, in); err != nil {
		return describe(a, err)
	}
	fmt.Fprintln(m.Stdout, "city profile saved:")
	showCity(m.Stdout, a.City.View())
	return nil
}

// showCity writes the profile and what is in force, one line a field.
func showCity(w io.Writer, v city.View) {
	p := v.Profile
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if !v.Set {
		fmt.Fprintln(tw, "no city profile is set (尚未设置城市): no Open311 jurisdiction is checked, maps fit the imported outlines")
	} else {
		fmt.Fprintf(tw, "city (城市)\t%s (%s)\n", p.Name, p.Code)
		fmt.Fprintf(tw, "Open311 jurisdiction (辖区标识)\t%s\n", orNone(p.Jurisdiction))
	}
	src := map[string]string{"flag": "from -public-url, which overrides the profile", "profile": "from the profile", "none": "links are relative"}
	fmt.Fprintf(tw, "public URL (公开地址)\t%s (%s)\n", orNone(v.PublicURL), src[v.PublicURLSource])
	if v.Set && p.PublicURL != "" && v.PublicURLSource == "flag" {
		fmt.Fprintf(tw, "  stored public URL\t%s\n", p.PublicURL)
	}
	frame := map[string]string{"profile": "set in the profile", "outlines": "from the imported outlines and grids", "none": "maps fit what they show"}
	centre, bounds := "none", "none"
	if v.Map.Centre != nil {
		centre = fmt.Sprintf("%.6f,%.6f", v.Map.Centre[0], v.Map.Centre[1])
	}
	if v.Map.Bounds != nil {
		b := v.Map.Bounds
		bounds = fmt.Sprintf("%.6f,%.6f,%.6f,%.6f", b[0], b[1], b[2], b[3])
	}
	fmt.Fprintf(tw, "map centre (地图中心)\t%s (%s)\n", centre, frame[v.Map.Source])
	fmt.Fprintf(tw, "map bounds (地图范围)\t%s\n", bounds)
	fmt.Fprintf(tw, "office hours (作息时间)\t%s\n", p.Hours)
	if p.SummerHours != "" {
		fmt.Fprintf(tw, "summer hours (夏季作息)\t%s, %s\n", p.SummerHours, strings.Replace(p.Summer, ":", " to ", 1))
	}
	if v.Set && p.UpdatedAt != nil {
		fmt.Fprintf(tw, "version\t%d, changed by %s at %s\n", p.Version, p.UpdatedBy, p.UpdatedAt.In(workday.CST).Format("2006-01-02 15:04"))
	}
	tw.Flush()
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
