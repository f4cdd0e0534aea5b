package cases

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/change"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/pii"
	"grassroots/internal/platform/text"
	"grassroots/internal/platform/workday"
	"grassroots/internal/registry"
	"grassroots/internal/territory"
)

// Deps are the services cases use.
type Deps struct {
	Territory *territory.Service
	Registry  *registry.Service
	Keys      *pii.Keyring
	Calendar  func() *workday.Calendar
	// GridsOf lists the grids a grid worker serves ("my grid").
	GridsOf func(ctx context.Context, userID int64) ([]string, error)
	// Site tells the site's public base URL and Open311 jurisdiction, as
	// the city profile sets them; nil: relative links, no jurisdiction.
	Site func() Site
	// DepartmentStaffed tells which of depts have at least one active
	// account: a whistle to a department without one cannot be answered,
	// and the page and the API say so at once. nil: all are taken as
	// staffed.
	DepartmentStaffed func(ctx context.Context, depts []territory.Department) (map[int64]bool, error)
}

// Site is what cases need to know of the city it serves.
type Site struct {
	// PublicURL is the site's public base URL (Open311 discovery, links
	// sent to residents); empty: links are site-relative.
	PublicURL string
	// Jurisdiction is the Open311 jurisdiction_id this site answers to;
	// empty: any (a client that sends none is always served).
	Jurisdiction string
	// Changed is when the city profile last changed (Open311 discovery).
	Changed time.Time
	// Bounds is the city's extent (west, south, east, north), nil where
	// unknown: a point outside it is nobody's to handle.
	Bounds *[4]float64
}

func (s *Service) site() Site {
	if s.deps.Site == nil {
		return Site{}
	}
	return s.deps.Site()
}

// Service is the cases API.
type Service struct {
	db   *db.DB
	deps Deps

	mu         sync.RWMutex
	catalogues map[int]*Catalogue
	current    int
	settings   Settings
	// photoSlots bounds the photos decoding at once (CheckPhoto).
	photoSlots chan struct{}
	// places names the divisions and grids pages show.
	places placeNames
}

// NewService returns the service; Load reads the catalogue and settings.
func NewService(d *db.DB, deps Deps) *Service {
	return &Service{db: d, deps: deps, catalogues: map[int]*Catalogue{}, photoSlots: make(chan struct{}, 2)}
}

// Load installs the shipped catalogue as version 1 on a new database and
// reads the current catalogue and the settings.
func (s *Service) Load(ctx context.Context) error {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM case_catalogues`).Scan(&n); err != nil {
		return fmt.Errorf("cases: load catalogue: %w", err)
	}
	if n == 0 {
		if _, err := parseCatalogue(defaultCatalogue); err != nil {
			return fmt.Errorf("cases: shipped catalogue: %w", err)
		}
		if _, err := s.db.ExecContext(ctx, `INSERT INTO case_catalogues (version, body, note, created_by, created_at) VALUES (1, ?, ?, 'system', ?)
			ON CONFLICT (version) DO NOTHING`, string(defaultCatalogue), "GB/T 30428", s.db.Now()); err != nil {
			return fmt.Errorf("cases: install catalogue: %w", err)
		}
	}
	return s.Reload(ctx)
}

// TopicConfig is the module's change-feed topic (package change): a new
// catalogue version or new settings touch it, and every instance reads
// them again (Reload).
const TopicConfig = "cases.config"

// Reload reads the current catalogue version and the settings: at start,
// and after a city admin changed them on any instance. Neither goes back:
// a reload that read before a change this instance has just made keeps
// the change.
func (s *Service) Reload(ctx context.Context) error {
	var v int
	if err := s.db.QueryRowContext(ctx, `/* cases.Reload */ SELECT MAX(version) FROM case_catalogues`).Scan(&v); err != nil {
		return fmt.Errorf("cases: load catalogue: %w", err)
	}
	if _, err := s.Catalogue(ctx, v); err != nil {
		return err
	}
	st, err := readSettings(ctx, s.db)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.current = max(s.current, v)
	if !st.UpdatedAt.Before(s.settings.UpdatedAt) {
		s.settings = st
	}
	s.mu.Unlock()
	return nil
}

// Catalogue returns version v of the catalogue (0: the current one).
func (s *Service) Catalogue(ctx context.Context, v int) (*Catalogue, error) {
	s.mu.RLock()
	if v == 0 {
		v = s.current
	}
	c := s.catalogues[v]
	s.mu.RUnlock()
	if c != nil {
		return c, nil
	}
	var body, by string
	var at time.Time
	err := s.db.QueryRowContext(ctx, `/* cases.catalogue */ SELECT body, created_by, created_at FROM case_catalogues WHERE version = ?`, v).Scan(&body, &by, &at)
	if err != nil {
		return nil, errs.NotFoundf("kind.catalogue")
	}
	c, err = parseCatalogue([]byte(body))
	if err != nil {
		return nil, fmt.Errorf("cases: stored catalogue %d: %w", v, err)
	}
	c.Version, c.CreatedBy, c.CreatedAt = v, by, at.UTC()
	s.mu.Lock()
	s.catalogues[v] = c
	s.mu.Unlock()
	return c, nil
}

// PutCatalogue stores a new version of the catalogue; cases registered
// before keep theirs. It stores the document as checked, its text
// cleaned (checkCatalogue), in the form the export gives.
func (s *Service) PutCatalogue(ctx context.Context, body []byte) (*Catalogue, error) {
	c, err := checkCatalogue(body)
	if err != nil {
		return nil, err
	}
	if body, err = json.MarshalIndent(c.Doc, "", " "); err != nil {
		return nil, fmt.Errorf("cases: catalogue: %w", err)
	}
	a := authz.ActorFrom(ctx)
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		var v int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM case_catalogues`).Scan(&v); err != nil {
			return fmt.Errorf("cases: next catalogue version: %w", err)
		}
		c.Version, c.CreatedBy, c.CreatedAt = v, a.Username, tx.Now()
		var prev string
		if err := tx.QueryRowContext(ctx, `SELECT body FROM case_catalogues WHERE version = ?`, v-1).Scan(&prev); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("cases: catalogue %d: %w", v-1, err)
		}
		changes, err := catalogueChanges(prev, c.Doc)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_catalogues (version, body, note, created_by, created_at) VALUES (?, ?, ?, ?, ?)`,
			v, string(body), c.Doc.Note, a.Username, tx.Now()); err != nil {
			if db.IsUniqueViolation(err) {
				return errs.E(errs.Conflict, "err.conflict")
			}
			return fmt.Errorf("cases: store catalogue: %w", err)
		}
		change.Touch(tx, TopicConfig)
		return audit.Record(ctx, tx, audit.Entry{Action: "cases.catalogue.put", ObjectType: "case_catalogue",
			ObjectID: strconv.Itoa(v), Region: a.Scope.Region, After: c.Doc, Detail: changes})
	})
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.catalogues[c.Version] = c
	if c.Version > s.current {
		s.current = c.Version
	}
	s.mu.Unlock()
	return c, nil
}

// ReportInput is a new case.
type ReportInput struct {
	Category     string            `json:"category" doc:"four-digit sub-class code of the catalogue"`
	Description  string            `json:"description"`
	Lon          *float64          `json:"lon,omitempty" doc:"WGS-84"`
	Lat          *float64          `json:"lat,omitempty"`
	Address      string            `json:"address,omitempty" doc:"used to locate the case when there is no point"`
	ContactName  string            `json:"contact_name,omitempty"`
	ContactPhone string            `json:"contact_phone,omitempty"`
	Anonymous    bool              `json:"anonymous,omitempty"`
	ExternalID   string            `json:"external_id,omitempty" doc:"the sender's own id (12345 work order number); a repeated push returns the first case"`
	Attributes   map[string]string `json:"attributes,omitempty" doc:"answers to the category's attributes by code; a multivaluelist's keys separated by commas"`
	Channel      string            `json:"-"`
	// ReceivedAt is when the 12345 hotline received the work order:
	// honoured for the hotline channel only (its push and its import),
	// and the deadlines count from it.
	ReceivedAt *time.Time `json:"received_at,omitempty" doc:"12345 only: when the hotline received the order (RFC 3339); its deadlines count from then"`
	// queue and contact are set by the 12345 import (hotline.go): the
	// division whose 待定位 queue keeps a case whose address matches no
	// building, and the contact cell as read (pii.ReadPhones).
	queue, contact string
	// selfHandled files a problem fixed on the spot (SelfHandle): closed
	// at once, with handled saying what was done; more are the problems
	// of its own fields, reported with the others.
	selfHandled bool
	handled     string
	more        errs.Fields
	// FirstName and LastName are an Open311 client's split of the name,
	// kept apart; the contact name is them in their script's order.
	FirstName, LastName string   `json:"-"`
	MediaURLs           []string `json:"-"`
	Photos              []Photo  `json:"-"`
}

// Photo is an uploaded image.
type Photo struct {
	ContentType string
	Data        []byte
}

// Photo limits.
const (
	MaxPhotos     = 6
	MaxPhotoBytes = 5 << 20
)

// Intake is a new case and the open cases it may duplicate.
type Intake struct {
	Case       *Case    `json:"case"`
	Duplicates []Nearby `json:"possible_duplicates" doc:"open cases of the same category nearby and recent: the whole case where the reporter may read it, else only public facts"`
	Repeated   bool     `json:"repeated" doc:"true when the sender had sent this external_id before: nothing was created"`
}

// Nearby is an open case near a new report. A reporter who may not read
// the case (a resident) learns only public facts: its category, status
// and distance, never who reported it or what they wrote.
type Nearby struct {
	Category     string `json:"category"`
	CategoryName string `json:"category_name"`
	Status       Status `json:"status"`
	Metres       int    `json:"distance_m"`
	Case         *Case  `json:"case,omitempty"`
}

// Report files a new case from the actor: located, classified, given its
// first deadline, checked for duplicates and audited.
func (s *Service) Report(ctx context.Context, in ReportInput) (Intake, error) {
	a := authz.ActorFrom(ctx)
	if a == nil {
		return Intake{}, errs.E(errs.Unauthorized, "err.unauthorized")
	}
	if in.Channel == "" {
		in.Channel = channelOf(a.Role)
	}
	cat, err := s.Catalogue(ctx, 0)
	if err != nil {
		return Intake{}, err
	}
	fe := slices.Clone(in.more)
	in.Description = text.BlockField(&fe, "description", in.Description)
	in.Address = text.LineField(&fe, "address", in.Address)
	in.ExternalID = text.LineField(&fe, "external_id", in.ExternalID)
	in.ContactName = text.LineField(&fe, "contact_name", in.ContactName)
	in.FirstName = text.LineField(&fe, "first_name", in.FirstName)
	in.LastName = text.LineField(&fe, "last_name", in.LastName)
	if in.FirstName != "" || in.LastName != "" {
		in.ContactName = FullName(in.FirstName, in.LastName)
	}
	phone := strings.TrimSpace(in.ContactPhone)
	if p, ok := pii.ReadPhone(phone); ok {
		in.ContactPhone = p
	}
	cg, ok := cat.Get(in.Category)
	if !ok || cg.Parent == "" {
		fe.Add("category", "rule.category", in.Category)
	}
	// Open311 makes the description optional; every other channel says
	// what the problem is.
	if n := utf8.RuneCountInString(in.Description); n == 0 && in.Channel != ChannelOpen311 {
		fe.Add("description", "rule.required", "")
	} else if n > MaxDescription {
		fe.Add("description", "rule.max_length", strconv.Itoa(MaxDescription))
	}
	if utf8.RuneCountInString(in.Address) > 200 {
		fe.Add("address", "rule.max_length", "200")
	}
	if (in.Lon == nil) != (in.Lat == nil) {
		fe.Add("lat", "rule.point_pair", "")
	}
	if in.Lon == nil && in.Address == "" {
		fe.Add("location", "rule.location_required", "")
	}
	if _, ok := pii.ReadPhone(phone); phone != "" && !ok {
		// A standard client's phone is free text: kept as sent.
		if in.Channel != ChannelOpen311 {
			fe.Add("contact_phone", "rule.contact_phone", "")
		} else if utf8.RuneCountInString(phone) > 40 {
			fe.Add("contact_phone", "rule.max_length", "40")
		}
	}
	if utf8.RuneCountInString(in.FirstName) > 50 || utf8.RuneCountInString(in.LastName) > 50 {
		fe.Add("contact_name", "rule.max_length", "50")
	}
	for i, u := range in.MediaURLs {
		if !mediaURL(u) {
			fe.Add("media_url", "rule.url", strconv.Itoa(i+1))
		}
	}
	if len(in.MediaURLs) > MaxPhotos {
		fe.Add("media_url", "rule.photo_count", strconv.Itoa(MaxPhotos))
	}
	if utf8.RuneCountInString(in.ContactName) > 50 {
		fe.Add("contact_name", "rule.max_length", "50")
	}
	if len(in.ExternalID) > 64 {
		fe.Add("external_id", "rule.max_length", "64")
	} else if in.Channel == ChannelHotline && floatNumber.MatchString(in.ExternalID) {
		// A number a spreadsheet shortened (2.02611E+11) is no work order.
		fe.Add("external_id", "rule.hotline_number_text", in.ExternalID)
	}
	if len(in.Photos) > MaxPhotos {
		fe.Add("photos", "rule.photo_count", strconv.Itoa(MaxPhotos))
	}
	if cg != nil {
		for _, at := range cg.Attributes {
			v, ok := in.Attributes[at.Code]
			if at.Required && v == "" {
				fe.Add("attribute["+at.Code+"]", "rule.required", "")
			}
			if !ok || v == "" {
				continue
			}
			switch at.Datatype {
			case "singlevaluelist":
				if !at.has(v) {
					fe.Add("attribute["+at.Code+"]", "rule.one_of", attributeKeys(at))
				}
			case "multivaluelist":
				for _, x := range strings.Split(v, ",") {
					if !at.has(x) {
						fe.Add("attribute["+at.Code+"]", "rule.one_of", attributeKeys(at))
						break
					}
				}
			case "number":
				if _, err := strconv.ParseFloat(v, 64); err != nil {
					fe.Add("attribute["+at.Code+"]", "rule.number", "")
				}
			}
		}
	}
	if err := fe.Err(); err != nil {
		return Intake{}, err
	}
	if in.ContactPhone == "" {
		in.ContactPhone = in.contact
	}
	ac := accessOf(a)
	sender := "u" + strconv.FormatInt(a.UserID, 10)
	if in.ExternalID != "" {
		if c, err := s.repeatOf(ctx, ac, sender, "", in.ExternalID); err == nil {
			return Intake{Case: c, Repeated: true}, nil
		} else if errs.CodeOf(err) != errs.NotFound {
			return Intake{}, err
		}
	}
	c := &Case{Channel: in.Channel, sender: sender, ExternalID: in.ExternalID, Category: cg.Code, CatalogueVersion: cat.Version, Urgency: cg.Urgency,
		Description: in.Description, Address: in.Address, Lon: in.Lon, Lat: in.Lat, Anonymous: in.Anonymous, MediaURLs: in.MediaURLs}
	if err := s.locate(ctx, c, in.queue); err != nil {
		return Intake{}, err
	}
	if a.Role == authz.RoleIntegration && !a.Scope.Contains(c.RegionCode) {
		// A system files cases in its own territory only: one it could
		// not read back is no case of its own.
		return Intake{}, errs.Field("location", "rule.location_scope", "")
	}
	if in.selfHandled && !a.Scope.Contains(c.RegionCode) {
		// Fixed on the spot in one's own grids or community only; a
		// problem elsewhere is reported to those who serve it.
		return Intake{}, errs.Field("location", "rule.self_handle_scope", "")
	}
	if len(in.Attributes) > 0 {
		var parts []string
		for _, at := range cg.Attributes {
			if v := in.Attributes[at.Code]; v != "" {
				parts = append(parts, at.Answer(v))
			}
		}
		if len(parts) > 0 {
			c.Description += "\n[" + strings.Join(parts, "; ") + "]"
		}
	}
	if !in.Anonymous {
		if a.Role != authz.RoleIntegration {
			c.ReporterID = a.UserID
		}
		c.ReporterName = strings.TrimSpace(in.ContactName)
		c.reporterFirst, c.reporterLast = in.FirstName, in.LastName
		if c.ReporterName == "" && a.Role != authz.RoleIntegration {
			c.ReporterName = a.DisplayName
		}
		if in.ContactPhone != "" {
			if c.phoneEnc, err = s.deps.Keys.Encrypt(in.ContactPhone); err != nil {
				return Intake{}, err
			}
		}
	}
	// Staff, grid workers and the hotline have accepted what they file.
	c.Status = Submitted
	if in.Channel == ChannelPatrol || in.Channel == ChannelStaff || in.Channel == ChannelHotline {
		c.Status = Accepted
	}
	dups := []Nearby{}
	if in.selfHandled {
		// Fixed on the spot: closed by the community that fixed it,
		// never dispatched.
		c.Status, c.SelfHandled = Closed, true
		c.UnitKind, c.UnitName = UnitCommunity, communityOf(c.RegionCode)
	} else if dups, err = s.nearby(ctx, a, c, 5); err != nil {
		return Intake{}, err
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		now := tx.Now()
		start, err := receivedAt(in, now)
		if err != nil {
			return err
		}
		c.CreatedAt, c.UpdatedAt = start, now
		s.enter(c, cg, c.Status, start)
		if c.SelfHandled {
			c.HandledAt, c.ClosedAt = &start, &start
		}
		if err := insertCase(ctx, tx, c); err != nil {
			return err
		}
		ev := &Event{CaseID: c.ID, Action: "report", ToStatus: c.Status, Detail: `{"channel":"` + c.Channel + `"}`}
		if c.SelfHandled {
			ev = &Event{CaseID: c.ID, Action: "self_handle", ToStatus: Closed, Note: in.handled, Public: true}
		}
		if err := insertEvent(ctx, tx, authz.ActorFrom(ctx), ev); err != nil {
			return err
		}
		c.lastEvent = ev.ID
		for _, p := range in.Photos {
			if err := insertPhoto(ctx, tx, c.ID, ev.ID, p); err != nil {
				return err
			}
		}
		if c.unlocated {
			// In the same transaction: a case filed is a case queued.
			if err := enqueue(ctx, tx, c); err != nil {
				return err
			}
		}
		c.mask(s.deps.Keys)
		entry := audit.Entry{Action: "cases.report", ObjectType: "case", ObjectID: strconv.FormatInt(c.ID, 10), Region: c.RegionCode, After: c}
		if c.SelfHandled {
			entry.Action, entry.Detail = "cases.self_handle", map[string]any{"handled": in.handled}
		}
		return audit.Record(ctx, tx, entry)
	})
	if errs.CodeOf(err) == errs.Conflict && in.ExternalID != "" {
		// Two pushes of one work order by this sender raced; the other
		// one made the case.
		if c, err := s.repeatOf(ctx, ac, sender, "", in.ExternalID); err == nil {
			return Intake{Case: c, Repeated: true}, nil
		}
		// This sender sent it before, and the case has since left its
		// sight (placed or moved elsewhere): a fault of this one order,
		// not of the request or the file around it.
		return Intake{}, errs.Field("external_id", "rule.received_before", in.ExternalID)
	}
	if err != nil {
		return Intake{}, err
	}
	s.decorate(ctx, c)
	return Intake{Case: c, Duplicates: dups}, nil
}

func attributeKeys(a Attribute) string {
	var ks []string
	for _, v := range a.Values {
		ks = append(ks, v.Key)
	}
	return strings.Join(ks, ", ")
}

// repeatOf finds the case a sender made for external id ext before, or,
// when channel is given, a case of that channel with the same id that ac
// may read (a 12345 export imported by a colleague). It reads only what
// ac may read: a repeat never shows anybody else's case.
func (s *Service) repeatOf(ctx context.Context, ac access, sender, channel, ext string) (*Case, error) {
	qb := db.NewQuery(`/* cases.repeatOf */ SELECT `+caseCols+` FROM cases c`).And("c.external_id = ?", ext)
	if channel != "" {
		qb.And("c.sender = ? OR c.channel = ?", sender, channel)
	} else {
		qb.And("c.sender = ?", sender)
	}
	// No ORDER BY: (sender, external_id) is unique, and an order by id
	// would let PostgreSQL walk the primary key past every case to find
	// that there is no repeat.
	q, args := ac.limit(qb).Tail("LIMIT 1").SQL()
	c, err := db.One(ctx, s.db, q, args, scanCase, error(errs.NotFoundf("kind.case")))
	if err != nil {
		return nil, err
	}
	s.decorate(ctx, c)
	return c, nil
}

// enter moves c into status st at now: a new step with its deadline from
// the case's category and its warning point.
func (s *Service) enter(c *Case, cg *Category, st Status, now time.Time) {
	c.Status = st
	c.Step++
	if c.ID == 0 {
		c.Step = 1
	}
	c.StepStartedAt = now
	c.StepWarnAt, c.StepDueAt = nil, nil
	step := st.step()
	if step == "" {
		return
	}
	cal := s.deps.Calendar()
	lim := cg.Limits.ptrs()[slices.Index(Steps, step)]
	due := lim.After(cal, now)
	if st == Dispatched {
		r := cg.Limits.Respond.After(cal, now)
		c.RespondDueAt, c.HandleDueAt, c.AcknowledgedAt = &r, &due, nil
	}
	c.StepDueAt = &due
	c.StepWarnAt = s.warnAt(cal, lim.Unit, now, due)
}

// warnAt is the moment the last share of a step's time begins.
func (s *Service) warnAt(cal *workday.Calendar, unit byte, start, due time.Time) *time.Time {
	share := s.Settings().WarnShare
	var w time.Time
	if unit == 'm' {
		w = start.Add(time.Duration(float64(due.Sub(start)) * (1 - share)))
	} else {
		w = cal.AddHours(start, time.Duration(float64(cal.Between(start, due))*(1-share)))
	}
	w = w.UTC()
	return &w
}

// nearby lists the open cases near a new report for actor a: whole cases
// that a may read, public facts of the others only to a reporter who may
// read no cases at all (so a resident learns that a problem is known,
// not who reported it).
func (s *Service) nearby(ctx context.Context, a *authz.Actor, c *Case, limit int) ([]Nearby, error) {
	ac := accessOf(a)
	public := ac.own != 0
	if public {
		ac = access{sc: authz.All}
	}
	hits, err := s.nearHits(ctx, ac, c, limit)
	if err != nil {
		return nil, err
	}
	cat, err := s.Catalogue(ctx, 0)
	if err != nil {
		return nil, err
	}
	out := []Nearby{}
	for _, h := range hits {
		n := Nearby{Category: h.c.Category, CategoryName: h.c.CategoryName, Status: h.c.Status, Metres: int(math.Round(h.d))}
		if !public {
			n.Case = h.c
		} else {
			// The public facts of a public class only, and the distance
			// to the next 100 m: several answers must not pin a report
			// down to a door.
			if cg, ok := cat.Get(h.c.Category); !ok || !cg.Public() {
				continue
			}
			n.Metres = int(math.Ceil(h.d/100)) * 100
			if n.Metres == 0 {
				n.Metres = 100
			}
		}
		out = append(out, n)
	}
	return out, nil
}

// duplicates lists the open cases of c's category that ac may read within
// the configured distance and days, nearest first: the merge candidates.
func (s *Service) duplicates(ctx context.Context, ac access, c *Case, limit int) ([]*Case, error) {
	hits, err := s.nearHits(ctx, ac, c, limit)
	out := make([]*Case, 0, len(hits))
	for _, h := range hits {
		out = append(out, h.c)
	}
	return out, err
}

type nearHit struct {
	c *Case
	d float64
}

func (s *Service) nearHits(ctx context.Context, ac access, c *Case, limit int) ([]nearHit, error) {
	if c.Lat == nil {
		return nil, nil
	}
	st := s.Settings()
	lat, lon := *c.Lat, *c.Lon
	dLat := float64(st.DedupMetres) / 111320
	dLon := dLat / math.Max(math.Cos(lat*math.Pi/180), 0.01)
	since := s.db.Now().AddDate(0, 0, -st.DedupDays)
	qb := db.NewQuery(`/* cases.unscopedNearPoints */ SELECT c.id, c.lat, c.lon FROM cases c`).
		And("c.category = ?", c.Category).And("c.lat BETWEEN ? AND ?", lat-dLat, lat+dLat).
		And("c.lon BETWEEN ? AND ?", lon-dLon, lon+dLon).And("c.created_at >= ?", since).
		And("c.status NOT IN ('closed', 'rejected', 'merged')")
	if c.ID != 0 {
		qb.And("c.id <> ?", c.ID)
	}
	// The candidates are ids and points only, read without the scope (a
	// scope condition over a whole city made PostgreSQL read the city's
	// cases through its region index); each one becomes a case only
	// through findCase with ac below, so nothing leaves unscoped.
	q, args := qb.Tail("LIMIT 200").SQL()
	type hit struct {
		id int64
		d  float64
	}
	hits, err := db.Collect(ctx, s.db, q, args, func(r db.Scanner) (hit, error) {
		var h hit
		var hlat, hlon float64
		err := r.Scan(&h.id, &hlat, &hlon)
		h.d = metres(lat, lon, hlat, hlon)
		return h, err
	})
	if err != nil {
		return nil, fmt.Errorf("cases: duplicates: %w", err)
	}
	hits = slices.DeleteFunc(hits, func(h hit) bool { return h.d > float64(st.DedupMetres) })
	slices.SortFunc(hits, func(a, b hit) int { return cmp.Compare(a.d, b.d) })
	// The nearest candidates the actor may read, read together: a page of
	// them by key, the scope checked on those rows only.
	var out []nearHit
	for len(hits) > 0 && len(out) < limit {
		page := hits[:min(len(hits), 2*limit)]
		hits = hits[len(page):]
		ids := make([]any, len(page))
		for i, h := range page {
			ids[i] = h.id
		}
		qb := ac.limit(db.NewQuery(`/* cases.nearCases */ SELECT `+caseCols+` FROM (SELECT * FROM cases WHERE id IN (`+db.In(len(ids))+`) LIMIT 200) c`, ids...))
		q, args := qb.SQL()
		cs, err := db.Collect(ctx, s.db, q, args, scanCase)
		if err != nil {
			return nil, fmt.Errorf("cases: duplicates: %w", err)
		}
		byID := map[int64]*Case{}
		for _, c := range cs {
			byID[c.ID] = c
		}
		for _, h := range page {
			if f := byID[h.id]; f != nil && len(out) < limit {
				s.decorate(ctx, f)
				out = append(out, nearHit{c: f, d: h.d})
			}
		}
	}
	return out, nil
}

// metres is the great-circle distance between two points.
func metres(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371000
	p1, p2 := lat1*math.Pi/180, lat2*math.Pi/180
	dp, dl := p2-p1, (lon2-lon1)*math.Pi/180
	h := math.Sin(dp/2)*math.Sin(dp/2) + math.Cos(p1)*math.Cos(p2)*math.Sin(dl/2)*math.Sin(dl/2)
	return 2 * r * math.Asin(math.Sqrt(h))
}

func insertPhoto(ctx context.Context, tx *db.Tx, caseID, eventID int64, p Photo) error {
	_, err := tx.ExecContext(ctx, `/* cases.photo */ INSERT INTO case_photos (case_id, event_id, content_type, size, data, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		caseID, nullID(eventID), p.ContentType, len(p.Data), p.Data, tx.Now())
	if err != nil {
		return fmt.Errorf("cases: photo: %w", err)
	}
	return nil
}

// AddPhoto adds evidence to an open case the actor reported, manages or
// handles.
func (s *Service) AddPhoto(ctx context.Context, caseID int64, p Photo) (int64, error) {
	a := authz.ActorFrom(ctx)
	var id int64
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		c, err := findCase(ctx, tx, accessOf(authz.ActorFrom(ctx)), caseID)
		if err != nil {
			return err
		}
		mine := c.ReporterID == a.UserID || a.Can(PermManage) && a.Scope.Department == 0 || a.Can(PermHandle) && isHandler(a, c)
		if !mine {
			return errs.E(errs.Forbidden, "err.forbidden")
		}
		if !c.Status.Open() {
			return errs.E(errs.Conflict, "err.case_move", "photo", string(c.Status))
		}
		if err := tx.QueryRowContext(ctx, `/* cases.addPhoto */ INSERT INTO case_photos (case_id, content_type, size, data, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			c.ID, p.ContentType, len(p.Data), p.Data, tx.Now()).Scan(&id); err != nil {
			return fmt.Errorf("cases: photo: %w", err)
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "cases.photo", ObjectType: "case", ObjectID: strconv.FormatInt(c.ID, 10),
			Region: c.RegionCode, After: map[string]any{"photo_id": id, "size": len(p.Data)}})
	})
	return id, err
}

// Photo returns one photo of a case the actor may see; the reporter sees
// the photos of the public entries (their report, the handling, replies,
// a fix on the spot), not those of internal entries. A photo added
// without an entry (POST /api/v1/cases/{id}/photos) says nothing of who
// may see it, so it counts as internal.
func (s *Service) Photo(ctx context.Context, caseID, photoID int64) (Photo, error) {
	a := authz.ActorFrom(ctx)
	if _, err := findCase(ctx, s.db, accessOf(a), caseID); err != nil {
		return Photo{}, err
	}
	var p Photo
	var public sql.NullBool
	err := s.db.QueryRowContext(ctx, `/* cases.photo_read */ SELECT p.content_type, p.data, e.is_public FROM case_photos p
		LEFT JOIN case_events e ON e.id = p.event_id WHERE p.id = ? AND p.case_id = ?`, photoID, caseID).
		Scan(&p.ContentType, &p.Data, &public)
	if err != nil || readsPublic(a) && !(public.Valid && public.Bool) {
		return Photo{}, errs.NotFoundf("kind.photo")
	}
	return p, nil
}

// Case returns one case the actor may see, with masked contact.
func (s *Service) Case(ctx context.Context, id int64) (*Case, error) {
	c, err := findCase(ctx, s.db, accessOf(authz.ActorFrom(ctx)), id)
	if err != nil {
		return nil, err
	}
	s.decorate(ctx, c)
	return c, nil
}

func (s *Service) decorate(ctx context.Context, c *Case) {
	c.mask(s.deps.Keys)
	if cat, err := s.Catalogue(ctx, c.CatalogueVersion); err == nil {
		if cg, ok := cat.Get(c.Category); ok {
			c.CategoryName, c.categoryEN = cg.Name, cg.NameEN
		}
	}
	// People read places and units by name, never by code.
	c.RegionName = s.placeOf(ctx, c.RegionCode)
	c.UnitLabel = c.UnitName
	if c.UnitKind == UnitCommunity {
		c.UnitLabel = s.regionName(ctx, c.UnitName)
	}
}

// Contact returns the reporter's phone unmasked, for the call-back; every
// read is audited.
func (s *Service) Contact(ctx context.Context, id int64) (string, error) {
	c, err := findCase(ctx, s.db, accessOf(authz.ActorFrom(ctx)), id)
	if err != nil {
		return "", err
	}
	if !authz.ActorFrom(ctx).Can(PermManage) {
		return "", errs.E(errs.Forbidden, "err.forbidden")
	}
	phone := ""
	if c.phoneEnc != "" {
		if phone, err = s.deps.Keys.Decrypt(c.phoneEnc); err != nil {
			return "", err
		}
	}
	err = audit.RecordRead(ctx, s.db, audit.Entry{Action: "cases.contact.read", ObjectType: "case", ObjectID: strconv.FormatInt(id, 10), Region: c.RegionCode})
	return phone, err
}

// newToken returns a random token and its stored hash.
func newToken() (string, string) {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	t := hex.EncodeToString(b)
	return t, hashToken(t)
}

func hashToken(t string) string {
	h := sha256.Sum256([]byte(t))
	return hex.EncodeToString(h[:])
}
