package web

import (
	"context"
	"time"

	"grassroots/internal/platform/authz"
)

// Widget is one panel of the workbench (工作台), the home page of every
// signed-in actor. Modules contribute widgets through their manifests;
// the workbench lays out those that are for the actor and loads each from
// its own endpoint, so a slow module never holds the page up.
type Widget struct {
	// Name is unique across modules: it names the panel's endpoint
	// (/workbench/w/{name}) and its entry in the API.
	Name string
	// Perm is what the actor must hold; For, when set, narrows it further
	// (a role, a grid assignment).
	Perm  authz.Perm
	For   func(a *authz.Actor) bool
	Order int
	// Load builds the panel for the actor. Every count in it is the total
	// of the list its link opens.
	Load func(ctx context.Context, a *authz.Actor) (Panel, error)
}

// Shows reports whether the widget is for a.
func (w Widget) Shows(a *authz.Actor) bool {
	if a == nil || !a.Can(w.Perm) {
		return false
	}
	return w.For == nil || w.For(a)
}

// Panel is what a widget shows: actions to start, to-dos with their
// counts, key figures and a short list. Labels are message keys; the
// workbench translates them.
type Panel struct {
	Title   string   `json:"title"`
	Actions []Action `json:"actions,omitempty"`
	Items   []Item   `json:"items,omitempty"`
	Figures []Figure `json:"figures,omitempty"`
	Rows    []Row    `json:"rows,omitempty"`
	// More links to the whole list behind Rows.
	More string `json:"more,omitempty"`
	// Empty is the message shown when the panel has nothing at all.
	Empty string `json:"empty,omitempty"`
	// CountedAt is when counts that are kept by a periodic sweep were
	// last counted; zero when every count is live.
	CountedAt *time.Time `json:"counted_at,omitempty"`
}

// Tones of items and rows.
const (
	ToneUrgent = "urgent" // overdue, waiting past its time
	ToneWarn   = "warn"   // due soon
	ToneOK     = "ok"
)

// Action is a button that starts work (我要反映, 自行处置).
type Action struct {
	Label   string `json:"label"`
	Href    string `json:"href"`
	Primary bool   `json:"primary,omitempty"`
}

// Item is a to-do: how many items wait, and the list that shows exactly
// them.
type Item struct {
	Label string `json:"label"`
	Count int64  `json:"count"`
	Href  string `json:"href"`
	Tone  string `json:"tone,omitempty"`
}

// Figure is a key figure with its drill-down.
type Figure struct {
	Label string `json:"label"`
	Value string `json:"value"`
	Href  string `json:"href,omitempty"`
	// Note qualifies the value ("本月", "近 30 天"); a message key.
	Note string `json:"note,omitempty"`
}

// Row is one entry of a panel's short list: data (a case number, a name)
// with a badge whose label is a message key.
type Row struct {
	Title string `json:"title"`
	Sub   string `json:"sub,omitempty"`
	// Note is a message key shown beside Sub (a whistle's ground).
	Note  string `json:"note,omitempty"`
	Href  string `json:"href,omitempty"`
	Badge string `json:"badge,omitempty"`
	// BadgeArgs fill the badge's message (a time left).
	BadgeArgs []any      `json:"-"`
	Tone      string     `json:"tone,omitempty"`
	Due       *time.Time `json:"due,omitempty"`
	// Count is a figure shown at the row's end (overdue cases of a child
	// division); -1 shows none.
	Count int64 `json:"count"`
}
