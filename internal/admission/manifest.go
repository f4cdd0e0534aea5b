package admission

import (
	"context"
	"strconv"

	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/module"
	"grassroots/internal/platform/pdf"
	"grassroots/internal/platform/web"
)

// Manifest registers the module: its tables, permissions, menu entries,
// workbench panels, pages and API.
func Manifest(svc *Service) module.Manifest {
	m := Migrations()
	return module.Manifest{
		Name: "admission", Migrations: &m, Grants: Grants(),
		Templates: module.Sub(templateFiles, "templates"), Messages: module.Sub(messageFiles, "messages"),
		Menu: []web.MenuItem{
			{Key: "nav.adm_inbox", Path: "/admission/inbox", Perm: PermInbox, Order: 20, Group: web.GroupWork},
			{Key: "nav.adm_requests", Path: "/admission/requests", Perm: PermRequest, Order: 21, Group: web.GroupWork},
			{Key: "nav.adm_queue", Path: "/admission/queue", Perm: PermDecide, Order: 22, Group: web.GroupWork},
			{Key: "nav.adm_certificates", Path: "/admission/certificates", Perm: PermInbox, Order: 23, Group: web.GroupWork},
			{Key: "nav.adm_lists", Path: "/lists", Perm: PermView, Order: 30, Group: web.GroupRecords},
			{Key: "nav.adm_burden", Path: "/admission/burden", Perm: PermView, Order: 30, Group: web.GroupFigures},
			{Key: "nav.adm_versions", Path: "/admission/lists", Perm: PermEdit, Order: 30, Group: web.GroupAdmin},
		},
		Widgets: svc.widgets(),
		Routes: func(r *web.Router) {
			h := &handler{svc: svc, ui: r.UI(), pdf: &pdf.Maker{}}
			h.routes(r)
			h.apiRoutes(r)
		},
	}
}

// widgets are the module's workbench panels: a community's inbox, the
// approver's queue, a department's requests. Each count is the total of
// the list it links to.
func (s *Service) widgets() []web.Widget {
	return []web.Widget{
		{Name: "admission-inbox", Perm: PermInbox, Order: 20, For: func(a *authz.Actor) bool {
			// A community's inbox, and a subdistrict's of its communities.
			return (len(a.Scope.Region) == 12 || len(a.Scope.Region) == 9) && a.Scope.Department == 0 && !a.Scope.GridsOnly
		}, Load: s.inboxWidget},
		{Name: "admission-queue", Perm: PermDecide, Order: 20, Load: s.queueWidget},
		{Name: "admission-department", Perm: PermRequest, Order: 20, For: func(a *authz.Actor) bool { return a.Scope.Department != 0 }, Load: s.departmentWidget},
	}
}

func (s *Service) inboxWidget(ctx context.Context, a *authz.Actor) (web.Panel, error) {
	p := web.Panel{Title: "wb.adm_inbox"}
	if len(a.Scope.Region) == 12 {
		p.Actions = []web.Action{{Label: "wb.adm_certificate", Href: "/admission/certificates"}}
	}
	for _, it := range []struct {
		label, href string
		f           TaskFilter
		tone        string
	}{
		{"wb.adm_overdue", "/admission/inbox?overdue=1", TaskFilter{Overdue: true, Limit: 1}, web.ToneUrgent},
		{"wb.adm_open", "/admission/inbox?status=open", TaskFilter{Status: TaskOpen, Limit: 1}, web.ToneWarn},
	} {
		l, err := s.Tasks(ctx, a.Scope, it.f)
		if err != nil {
			return p, err
		}
		tone := it.tone
		if *l.Total == 0 {
			tone = ""
		}
		p.Items = append(p.Items, web.Item{Label: it.label, Count: *l.Total, Href: it.href, Tone: tone})
	}
	return p, nil
}

func (s *Service) queueWidget(ctx context.Context, a *authz.Actor) (web.Panel, error) {
	p := web.Panel{Title: "wb.adm_queue", Actions: []web.Action{{Label: "wb.adm_burden", Href: "/admission/burden"}}}
	q, err := s.Requests(ctx, a.Scope, RequestFilter{Queue: true, Limit: 5})
	if err != nil {
		return p, err
	}
	tone := web.ToneWarn
	if *q.Total == 0 {
		tone = ""
	}
	p.Items = append(p.Items, web.Item{Label: "wb.adm_waiting", Count: *q.Total, Href: "/admission/queue", Tone: tone})
	d, err := s.Tasks(ctx, a.Scope, TaskFilter{Status: "review", Limit: 1})
	if err != nil {
		return p, err
	}
	p.Items = append(p.Items, web.Item{Label: "wb.adm_declines", Count: *d.Total, Href: "/admission/inbox?status=review"})
	for _, r := range q.Items {
		row := web.Row{Title: r.Title, Sub: r.DeptName, Href: "/admission/requests/" + strconv.FormatInt(r.ID, 10), Count: -1}
		if r.DecideBy != nil {
			row.Due, row.Badge = r.DecideBy, "wb.adm_decide_by"
		} else {
			row.Badge = "wb.adm_emergency_review"
		}
		p.Rows = append(p.Rows, row)
	}
	if len(q.Items) > 0 {
		p.More = "/admission/queue"
	}
	return p, nil
}

func (s *Service) departmentWidget(ctx context.Context, a *authz.Actor) (web.Panel, error) {
	p := web.Panel{Title: "wb.adm_department", Actions: []web.Action{{Label: "wb.adm_new_request", Href: "/admission/requests/new", Primary: true},
		{Label: "wb.adm_lists", Href: "/lists"}}}
	for _, it := range []struct{ label, status, tone string }{{"wb.adm_pending", Pending, ""}, {"wb.adm_lapsed", "lapsed", web.ToneWarn}} {
		l, err := s.Requests(ctx, a.Scope, RequestFilter{Status: it.status, Limit: 1})
		if err != nil {
			return p, err
		}
		tone := it.tone
		if *l.Total == 0 {
			tone = ""
		}
		p.Items = append(p.Items, web.Item{Label: it.label, Count: *l.Total, Href: "/admission/requests?status=" + it.status, Tone: tone})
	}
	d, err := s.Tasks(ctx, a.Scope, TaskFilter{Status: TaskDeclined, Limit: 1})
	if err != nil {
		return p, err
	}
	p.Items = append(p.Items, web.Item{Label: "wb.adm_declined", Count: *d.Total, Href: "/admission/inbox?status=declined"})
	return p, nil
}
