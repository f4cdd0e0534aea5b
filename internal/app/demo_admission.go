package app

import (
	"context"
	"fmt"
	"io"
	"time"

	"grassroots/internal/admission"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/workday"
)

// seedAdmission publishes the starter access list for the city and puts
// the demo departments' requests through the gate: a listed item to the
// subdistrict, an off-list request waiting for the district, one approved
// and then declined by 民巷社区 as not on the list, an emergency waiting
// for its review, refused attempts; 民巷社区 completes a task, keeps a
// signboard and a ledger and issues a certificate. Once only.
func seedAdmission(ctx context.Context, a *App, out io.Writer) error {
	sys := authz.WithActor(ctx, authz.System("demo"))
	city, err := a.Admission.Root(sys)
	if err != nil {
		return err
	}
	had, err := a.Admission.Versions(sys, authz.All, city, true)
	if err != nil || len(had) > 0 {
		return err
	}
	today := a.DB.Now().In(workday.CST).Format(time.DateOnly)
	in, err := admission.Starter()
	if err != nil {
		return err
	}
	in.OwnerCode, in.EffectiveFrom = city, today
	l, err := a.Admission.SaveDraft(sys, authz.All, in)
	if err != nil {
		return fmt.Errorf("demo access list: %w", describe(a, err))
	}
	if l, err = a.Admission.Publish(sys, authz.All, l.ID); err != nil {
		return fmt.Errorf("demo access list: %w", describe(a, err))
	}
	item := func(code string) int64 {
		for _, it := range l.Items {
			if it.Code == code {
				return it.ID
			}
		}
		return 0
	}
	dept := func(name string) (authz.Scope, error) {
		d, err := a.Territory.EnsureDepartment(sys, name+demoMark, demoDistrict)
		return authz.Scope{Region: d.RegionCode, Department: d.ID}, err
	}
	later, err := a.Admission.EarliestOffList(sys)
	if err != nil {
		return err
	}
	start, _ := time.Parse(time.DateOnly, later)
	month := start.AddDate(0, 1, 0).Format(time.DateOnly)
	week := a.DB.Now().In(workday.CST).AddDate(0, 0, 7).Format(time.DateOnly)
	type ask struct {
		dept string
		in   admission.RequestInput
	}
	filed := map[string]admission.Request{}
	refused := 0
	for _, x := range []ask{
		{"东湖区城市管理局", admission.RequestInput{Title: "生活垃圾分类入户宣传", ItemID: item("XZ-21"), Target: demoSubdistrict, StartsOn: today, DueOn: week}},
		{"南昌市公安局东湖分局", admission.RequestInput{Title: "出租房屋和流动人口信息季度采集", ItemID: item("XZ-12"), Target: demoCommunityA, StartsOn: today, DueOn: week}},
		{"东湖区住房和城乡建设局", admission.RequestInput{Title: "物业小区消防通道占用情况统计表", Kind: "form", Target: demoSubdistrict, StartsOn: later, DueOn: month, Hours: 6,
			Detail: "逐小区填报消防通道占用情况，按月更新"}},
		{"东湖区住房和城乡建设局", admission.RequestInput{Title: "既有住宅加装电梯意愿摸底（第二轮）", Kind: "survey", Target: demoCommunityA, StartsOn: later, DueOn: month, Hours: 8}},
		{"东湖区应急管理局", admission.RequestInput{Title: "汛期危旧房屋逐户排查", Kind: "inspection", Target: demoCommunityA, StartsOn: today, DueOn: today,
			Emergency: "life_property", Reason: "气象台发布暴雨红色预警，须当日排查危旧房屋住户并转移"}},
		{"东湖区市场监督管理局", admission.RequestInput{Title: "社区食品经营户检查", Kind: "inspection", Target: demoSubdistrict, StartsOn: later, DueOn: month}},
		{"东湖区城市管理局", admission.RequestInput{Title: "门前三包社区考核评比", Kind: "assessment", Target: demoSubdistrict, StartsOn: later, DueOn: month}},
		{"东湖区城市管理局", admission.RequestInput{Title: "招商引资线索摸排", ItemID: item("FM-01"), Target: demoSubdistrict, StartsOn: today, DueOn: week}},
	} {
		sc, err := dept(x.dept)
		if err != nil {
			return err
		}
		r, err := a.Admission.File(sys, sc, x.in)
		if err != nil {
			// The refused attempts are part of the demo: counted against
			// their departments.
			refused++
			continue
		}
		filed[x.in.Title] = r
	}
	// The district approves the survey; 民巷社区 declines it as done by the
	// property companies already.
	district := authz.Scope{Region: demoDistrict}
	survey := filed["既有住宅加装电梯意愿摸底（第二轮）"]
	if _, err := a.Admission.Decide(sys, district, survey.ID, admission.DecisionInput{Approve: true, Note: "同意，经费随事项下拨"}); err != nil {
		return fmt.Errorf("demo approval: %w", describe(a, err))
	}
	community := authz.Scope{Region: demoCommunityA}
	tasks, err := a.Admission.Tasks(sys, community, admission.TaskFilter{Status: admission.TaskOpen, Limit: 200})
	if err != nil {
		return err
	}
	for _, t := range tasks.Items {
		var act admission.TaskAction
		switch t.RequestID {
		case survey.ID:
			act = admission.TaskAction{Action: "decline", Note: "第一轮摸底已由物业公司逐户完成，不应由社区重复开展"}
		case filed["出租房屋和流动人口信息季度采集"].ID:
			act = admission.TaskAction{Action: "done", Note: "已采集出租房屋 46 套、流动人口 112 人，录入系统"}
		default:
			continue
		}
		if _, err := a.Admission.Act(sys, community, t.ID, act); err != nil {
			return fmt.Errorf("demo task: %w", describe(a, err))
		}
	}
	for _, b := range []admission.BurdenInput{
		{Community: demoCommunityA, Kind: "signboard", Name: "垃圾分类示范社区", Department: "东湖区城市管理局"},
		{Community: demoCommunityA, Kind: "signboard", Name: "平安创建示范点", Department: "南昌市公安局东湖分局"},
		{Community: demoCommunityA, Kind: "ledger", Name: "消防安全检查台账", Department: "东湖区应急管理局"},
	} {
		if _, err := a.Admission.RegisterBurden(sys, community, b); err != nil {
			return fmt.Errorf("demo signboard: %w", describe(a, err))
		}
	}
	c, err := a.Admission.Issue(sys, community, admission.CertificateInput{Community: demoCommunityA, ItemID: item("ZM-01"), Holder: "刘洋" + demoMark,
		Statement: "自 2019 年起在本社区民巷小区居住至今", Purpose: "办理居住证"})
	if err != nil {
		return fmt.Errorf("demo certificate: %w", describe(a, err))
	}
	names, _ := a.Territory.UnscopedNames(sys, []string{demoCommunityA})
	fmt.Fprintf(out, "Access list: the starter list (%d items) in force; %d requests through the gate, %d refused; %s issued certificate %s (verify: %s).\n",
		len(l.Items), len(filed), refused, names[demoCommunityA], c.Number, c.Code)
	return nil
}
