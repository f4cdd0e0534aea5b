package admission

import (
	"context"
	"crypto/rand"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/pdf"
	"grassroots/internal/platform/pii"
	"grassroots/internal/platform/text"
	"grassroots/internal/platform/web"
	"grassroots/internal/territory"
)

// Certificate is a certificate a community issued from a listed item.
type Certificate struct {
	ID            int64  `json:"id"`
	Number        string `json:"number"`
	CommunityCode string `json:"community_code"`
	CommunityName string `json:"community_name"`
	ItemID        int64  `json:"item_id"`
	ItemCode      string `json:"item_code"`
	ItemTitle     string `json:"item_title"`
	// Holder is masked in lists (张*), whole on a certificate read by
	// itself (an audited read) and on the verification page, which shows
	// what the certificate states.
	Holder    string     `json:"holder" doc:"masked in lists; whole on a certificate read by itself (audited)"`
	IDMasked  string     `json:"id_masked,omitempty" doc:"the ID number as printed: masked"`
	Statement string     `json:"statement,omitempty" doc:"what is certified; only on a certificate read by itself"`
	Purpose   string     `json:"purpose,omitempty"`
	IssuedOn  string     `json:"issued_on" doc:"YYYY-MM-DD"`
	IssuedBy  string     `json:"issued_by"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	// RevokeReason is why it was revoked, for its issuers: the public
	// verification says only that it was, and when.
	RevokeReason string `json:"revoke_reason,omitempty" doc:"why it was revoked; only on a certificate read by itself, never on the public check"`
	// Code is the verification code printed on it; only to its issuer.
	Code string `json:"code,omitempty" doc:"the verification code printed on it; only on a certificate read by itself"`

	holderEnc, statementEnc, codeEnc string
}

const certCols = `c.id, c.number, c.community_code, c.item_id, i.code, i.title, c.holder_enc, c.id_masked, c.statement_enc, c.purpose, c.issued_on,
	c.issued_by, c.revoked_at, c.revoke_reason, c.code_enc`

const certFrom = ` FROM admission_certificates c JOIN admission_items i ON i.id = c.item_id`

func scanCert(r db.Scanner) (Certificate, error) {
	var c Certificate
	var revoked *time.Time
	err := r.Scan(&c.ID, &c.Number, &c.CommunityCode, &c.ItemID, &c.ItemCode, &c.ItemTitle, &c.holderEnc, &c.IDMasked, &c.statementEnc, &c.Purpose,
		&c.IssuedOn, &c.IssuedBy, &revoked, &c.RevokeReason, &c.codeEnc)
	c.RevokedAt = utc(revoked)
	return c, err
}

// CertificateInput is what a community certifies, for whom.
type CertificateInput struct {
	Community string `json:"community,omitempty" doc:"the issuing community; the actor's own by default"`
	ItemID    int64  `json:"item_id" doc:"a certificate item of the list in force"`
	Holder    string `json:"holder" doc:"the person's name as it is to be printed"`
	IDNumber  string `json:"id_number,omitempty" doc:"printed masked; never stored whole"`
	Statement string `json:"statement" doc:"what is certified, as it is to be printed"`
	Purpose   string `json:"purpose,omitempty" doc:"what it is for (申请低保, 子女入学…)"`
}

// codeAlphabet has no 0/O, 1/I/L: a code is read off paper.
const codeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// newCode is a verification code of 12 characters (about 59 bits), in
// groups of four. Each character is drawn uniformly: a byte of 248 or more
// (the remainder after whole runs of the alphabet) is drawn again.
func newCode() string {
	const n = 12
	limit := byte(256 / len(codeAlphabet) * len(codeAlphabet))
	var sb strings.Builder
	buf := make([]byte, 2*n)
	for count := 0; count < n; {
		_, _ = rand.Read(buf)
		for _, x := range buf {
			if x >= limit || count == n {
				continue
			}
			if count > 0 && count%4 == 0 {
				sb.WriteByte('-')
			}
			sb.WriteByte(codeAlphabet[int(x)%len(codeAlphabet)])
			count++
		}
	}
	return sb.String()
}

// NormaliseCode reads a code as typed: case, spaces and dashes aside.
func NormaliseCode(s string) string {
	var sb strings.Builder
	for _, r := range strings.ToUpper(s) {
		if strings.ContainsRune(codeAlphabet, r) {
			sb.WriteRune(r)
		}
	}
	t := sb.String()
	if len(t) != 12 {
		return ""
	}
	return t[:4] + "-" + t[4:8] + "-" + t[8:]
}

// Issue issues a certificate of a listed certificate item. Anything else
// asked of a community as a certificate is refused with the body that
// issues it instead (a negative item) or as not listed.
func (s *Service) Issue(ctx context.Context, sc authz.Scope, in CertificateInput) (Certificate, error) {
	var fe errs.Fields
	in.Holder = text.LineField(&fe, "holder", in.Holder)
	in.Statement = text.BlockField(&fe, "statement", in.Statement)
	in.Purpose = text.LineField(&fe, "purpose", in.Purpose)
	if in.Community == "" && len(sc.Region) == 12 {
		in.Community = sc.Region
	}
	if sc.Department != 0 || len(in.Community) != 12 || !digits(in.Community) || !sc.Contains(in.Community) {
		fe.Add("community", "rule.out_of_scope", "")
	}
	if in.Holder == "" {
		fe.Add("holder", "rule.required", "")
	} else if utf8.RuneCountInString(in.Holder) > 50 {
		fe.Add("holder", "rule.max_length", "50")
	}
	if in.Statement == "" {
		fe.Add("statement", "rule.required", "")
	} else if utf8.RuneCountInString(in.Statement) > 500 {
		fe.Add("statement", "rule.max_length", "500")
	}
	if utf8.RuneCountInString(in.Purpose) > 100 {
		fe.Add("purpose", "rule.max_length", "100")
	}
	idMasked := ""
	if id := pii.NormaliseID(in.IDNumber); id != "" {
		if _, err := pii.ParseID(id, s.db.Now()); err != nil {
			fe.Add("id_number", "rule.id_number", "")
		}
		idMasked = pii.MaskID(id)
	}
	if in.ItemID == 0 {
		fe.Add("item_id", "rule.required", "")
	}
	if err := fe.Err(); err != nil {
		return Certificate{}, err
	}
	it, ok, err := s.itemInForce(ctx, s.db, in.ItemID, in.Community)
	if err != nil {
		return Certificate{}, errs.Field("item_id", "rule.adm_cert_not_listed", "")
	}
	switch {
	case it.Section == "negative" && it.Kind == "certificate":
		return Certificate{}, errs.Field("item_id", "rule.adm_cert_instead", it.Instead)
	case it.Section != "certificate" || !ok || it.Expired(s.today()):
		return Certificate{}, errs.Field("item_id", "rule.adm_cert_not_listed", "")
	}
	code := NormaliseCode(newCode())
	sealed := make([]string, 3)
	for i, v := range []string{in.Holder, in.Statement, code} {
		if sealed[i], err = s.deps.Keys.Encrypt(v); err != nil {
			return Certificate{}, err
		}
	}
	var id int64
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		now := tx.Now()
		if err := tx.QueryRowContext(ctx, `/* admission.issue */ INSERT INTO admission_certificates (community_code, item_id, number, holder_enc, id_masked,
			statement_enc, purpose, issued_on, issued_by, code_hash, code_enc, created_at) VALUES (?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			in.Community, it.ID, sealed[0], idMasked, sealed[1], in.Purpose, s.today(), actorName(ctx), s.deps.Keys.Hash(code), sealed[2], now).Scan(&id); err != nil {
			return fmt.Errorf("admission: issue: %w", err)
		}
		number := fmt.Sprintf("ZM%s-%07d", s.today()[:4], id)
		if _, err := tx.ExecContext(ctx, `UPDATE admission_certificates SET number = ? WHERE id = ?`, number, id); err != nil {
			return fmt.Errorf("admission: issue: %w", err)
		}
		var t tally
		t.add(month(now), in.Community, 0, "certificate", 1, it.Hours)
		if err := t.flush(ctx, tx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "admission.certificate.issue", ObjectType: "admission_certificate", ObjectID: strconv.FormatInt(id, 10),
			Region: in.Community, Detail: map[string]any{"number": number, "item": it.Code, "holder": pii.MaskName(in.Holder)}})
	})
	if err != nil {
		return Certificate{}, err
	}
	return s.Certificate(ctx, sc, id)
}

// open fills a certificate's sealed fields.
func (s *Service) open(c *Certificate) error {
	var err error
	for _, f := range []struct {
		dst *string
		src string
	}{{&c.Holder, c.holderEnc}, {&c.Statement, c.statementEnc}, {&c.Code, c.codeEnc}} {
		if *f.dst, err = s.deps.Keys.Decrypt(f.src); err != nil {
			return fmt.Errorf("admission: certificate %d: %w", c.ID, err)
		}
	}
	return nil
}

// Certificate reads one certificate of the actor's area whole (an
// audited read of personal data).
func (s *Service) Certificate(ctx context.Context, sc authz.Scope, id int64) (Certificate, error) {
	c, err := db.One(ctx, s.db, `/* admission.certificate */ SELECT `+certCols+certFrom+` WHERE c.id = ?`, []any{id}, scanCert,
		error(errs.NotFoundf("kind.adm_certificate")))
	if err != nil {
		return c, err
	}
	if sc.Department != 0 || !sc.Contains(c.CommunityCode) {
		return Certificate{}, errs.NotFoundf("kind.adm_certificate")
	}
	if err := s.open(&c); err != nil {
		return c, err
	}
	if err := s.nameCerts(ctx, []*Certificate{&c}); err != nil {
		return c, err
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		return audit.Record(ctx, tx, audit.Entry{Action: "admission.certificate.read", ObjectType: "admission_certificate", ObjectID: strconv.FormatInt(id, 10),
			Region: c.CommunityCode, Detail: map[string]any{"number": c.Number}})
	})
	return c, err
}

func (s *Service) nameCerts(ctx context.Context, cs []*Certificate) error {
	codes := make([]string, len(cs))
	for i, c := range cs {
		codes[i] = c.CommunityCode
	}
	names, err := s.deps.Territory.UnscopedNames(ctx, codes)
	if err != nil {
		return err
	}
	for _, c := range cs {
		c.CommunityName = names[c.CommunityCode]
	}
	return nil
}

// Certificates lists the certificates of the actor's area, newest
// first, holders masked, with the total.
func (s *Service) Certificates(ctx context.Context, sc authz.Scope, afterID int64, limit int) (web.List[Certificate], error) {
	if limit <= 0 || limit > web.MaxLimit {
		limit = 50
	}
	where := func(qb *db.Query) *db.Query {
		qb.Scope(sc, "c.community_code", "")
		if sc.Department != 0 {
			qb.And("1 = 0")
		}
		return qb
	}
	l, err := web.Newest(ctx, s.db, "admission.certificates", certCols, certFrom, "c.id", where, afterID, limit, scanCert, func(c Certificate) int64 { return c.ID })
	if err != nil {
		return l, err
	}
	ptrs := make([]*Certificate, len(l.Items))
	for i := range l.Items {
		c := &l.Items[i]
		holder, err := s.deps.Keys.Decrypt(c.holderEnc)
		if err != nil {
			return l, err
		}
		c.Holder, c.RevokeReason = pii.MaskName(holder), ""
		ptrs[i] = c
	}
	return l, s.nameCerts(ctx, ptrs)
}

// Verified is what the public verification page shows of a certificate:
// what the certificate itself states, and whether it stands.
type Verified struct {
	Number        string `json:"number"`
	ItemTitle     string `json:"item_title"`
	CommunityName string `json:"community_name"`
	Holder        string `json:"holder,omitempty" doc:"as printed; not shown once revoked"`
	IDMasked      string `json:"id_masked,omitempty" doc:"as printed: masked; not shown once revoked"`
	Statement     string `json:"statement,omitempty" doc:"not shown once revoked"`
	Purpose       string `json:"purpose,omitempty"`
	IssuedOn      string `json:"issued_on"`
	Revoked       bool   `json:"revoked"`
	RevokedOn     string `json:"revoked_on,omitempty" doc:"YYYY-MM-DD"`
}

// Verify finds the certificate a code was printed on. Anyone may ask; an
// unknown, forged or altered code is answered as unknown, and nothing
// beyond what the certificate states is shown.
func (s *Service) Verify(ctx context.Context, code string) (Verified, error) {
	n := NormaliseCode(code)
	if n == "" {
		return Verified{}, codeError("rule.adm_code_form", "XXXX-XXXX-XXXX")
	}
	c, err := db.One(ctx, s.db, `/* admission.verify */ SELECT `+certCols+certFrom+` WHERE c.code_hash = ?`, []any{s.deps.Keys.Hash(n)}, scanCert,
		error(codeError("rule.adm_code_unknown", "")))
	if err != nil {
		return Verified{}, err
	}
	if err := s.open(&c); err != nil {
		return Verified{}, err
	}
	if err := s.nameCerts(ctx, []*Certificate{&c}); err != nil {
		return Verified{}, err
	}
	v := Verified{Number: c.Number, ItemTitle: c.ItemTitle, CommunityName: c.CommunityName, IssuedOn: c.IssuedOn}
	if c.RevokedAt != nil {
		// A withdrawn certificate proves nothing: the page says so and
		// shows no more of the person it was about.
		v.Revoked, v.RevokedOn = true, c.RevokedAt.In(s.deps.Calendar().Location()).Format(time.DateOnly)
		return v, nil
	}
	v.Holder, v.IDMasked, v.Statement, v.Purpose = c.Holder, c.IDMasked, c.Statement, c.Purpose
	// Whoever asks sees a person's name: the read is recorded, with the
	// asker's address.
	e := audit.Entry{Action: "admission.certificate.verify", ObjectType: "admission_certificate", ObjectID: strconv.FormatInt(c.ID, 10),
		Region: c.CommunityCode}
	if authz.ActorFrom(ctx) == nil {
		e.ActorName, e.ActorRole = "public", "public"
	}
	if err := audit.RecordRead(ctx, s.db, e); err != nil {
		return Verified{}, err
	}
	return v, nil
}

// codeError is a problem with a verification code as typed, the field
// named as the page labels it (验证码), not as field.code (代码).
func codeError(rule, param string) error {
	return &errs.Error{Code: errs.Invalid, Key: "err.invalid", Fields: []errs.FieldError{{Field: "code", Rule: rule, Param: param, Label: "adm.code"}}}
}

// Revocation is why a certificate is withdrawn.
type Revocation struct {
	Reason string `json:"reason" doc:"why it is revoked, up to 200 characters; kept with it and audited, not shown on the public check"`
}

// Revoke withdraws a certificate of the actor's community, for the reason
// given: the verification page then says that it was, and when.
func (s *Service) Revoke(ctx context.Context, sc authz.Scope, id int64, in Revocation) (Certificate, error) {
	var fe errs.Fields
	reason := text.LineField(&fe, "reason", in.Reason)
	switch {
	case len(fe) > 0:
	case reason == "":
		fe.Add("reason", "rule.required", "")
	case utf8.RuneCountInString(reason) > 200:
		fe.Add("reason", "rule.max_length", "200")
	}
	for i := range fe {
		fe[i].Label = "adm.revoke_reason" // field.reason is a case's 原因
	}
	if err := fe.Err(); err != nil {
		return Certificate{}, err
	}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var community string
		var revoked *time.Time
		err := tx.QueryRowContext(ctx, `SELECT community_code, revoked_at FROM admission_certificates WHERE id = ?`, id).Scan(&community, &revoked)
		if err != nil || sc.Department != 0 || !sc.Contains(community) {
			return errs.NotFoundf("kind.adm_certificate")
		}
		if revoked != nil {
			return errs.E(errs.Conflict, "err.adm_revoked")
		}
		if _, err := tx.ExecContext(ctx, `/* admission.revoke */ UPDATE admission_certificates SET revoked_at = ?, revoke_reason = ? WHERE id = ?`,
			tx.Now(), reason, id); err != nil {
			return fmt.Errorf("admission: revoke %d: %w", id, err)
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "admission.certificate.revoke", ObjectType: "admission_certificate", ObjectID: strconv.FormatInt(id, 10),
			Region: community, Detail: map[string]any{"reason": reason}})
	})
	if err != nil {
		return Certificate{}, err
	}
	return s.Certificate(ctx, sc, id)
}

// CertificatePDF prints a certificate (A4, Chinese) with its verification
// code and the address of the public page that checks it: the whole
// address when the city has set its public address (城市设置), else the
// path only.
func (s *Service) CertificatePDF(ctx context.Context, sc authz.Scope, maker *pdf.Maker, id int64) ([]byte, Certificate, error) {
	c, err := s.Certificate(ctx, sc, id)
	if err != nil {
		return nil, c, err
	}
	d, err := maker.New(c.ItemTitle, 14)
	if err != nil {
		return nil, c, err
	}
	title := c.ItemTitle
	if i := strings.IndexAny(title, "（("); i > 0 {
		title = title[:i]
	}
	d.SetFontSize(22)
	d.CellFormat(0, 16, title, "", 1, "C", false, 0, "")
	d.SetFontSize(11)
	d.CellFormat(0, 8, "编号："+c.Number, "", 1, "R", false, 0, "")
	d.Ln(6)
	d.SetFontSize(14)
	for i, p := range certificateBody(c) {
		if i > 0 {
			d.Ln(3)
		}
		pdf.Paragraph(d, 0, 9, p, "L")
	}
	d.Ln(16)
	d.CellFormat(0, 9, c.CommunityName, "", 1, "R", false, 0, "")
	d.CellFormat(0, 9, c.IssuedOn, "", 1, "R", false, 0, "")
	d.Ln(16)
	d.SetFontSize(10)
	pdf.Paragraph(d, 0, 6, "验证码："+c.Code+"\n可在 "+s.verifyURL()+" 输入验证码核验本证明的真伪。本证明依据社区工作事项准入清单“"+c.ItemCode+" "+c.ItemTitle+"”出具。", "L")
	if c.RevokedAt != nil {
		d.Ln(4)
		d.SetTextColor(200, 22, 29)
		pdf.Paragraph(d, 0, 6, "本证明已于 "+c.RevokedAt.In(s.deps.Calendar().Location()).Format(time.DateOnly)+" 撤销。", "L")
	}
	b, err := pdf.Bytes(d)
	return b, c, err
}

// verifyURL is the address of the public verification page: whole when
// the public address is set, the path only when not.
func (s *Service) verifyURL() string {
	return strings.TrimRight(s.deps.PublicURL(), "/") + "/verify"
}

// certificateBody are the paragraphs of a certificate: whom it is about
// and what it states, its purpose, and 特此证明. A statement written whole
// (兹证明张三自……) is printed as written, not under a second 兹证明: the
// ID number goes after the holder's name in it, or the holder is named on
// a line of their own when the statement does not begin with the name.
// Nor is 特此证明 said twice.
func certificateBody(c Certificate) []string {
	const opening, closing = "兹证明", "特此证明"
	id := ""
	if c.IDMasked != "" {
		id = "（公民身份号码 " + c.IDMasked + "）"
	}
	stmt := strings.TrimSpace(c.Statement)
	var out []string
	if rest, ok := strings.CutPrefix(stmt, opening); ok {
		rest = strings.TrimLeft(rest, " 　")
		switch after, named := strings.CutPrefix(rest, c.Holder); {
		case named && id != "":
			stmt = opening + c.Holder + id + after
		case !named:
			out = append(out, "证明对象："+c.Holder+id)
		}
	} else {
		stmt = opening + c.Holder + id + "：" + stmt
	}
	if r, _ := utf8.DecodeLastRuneInString(stmt); !strings.ContainsRune("。！？；…", r) {
		stmt += "。"
	}
	out = append(out, stmt)
	if c.Purpose != "" {
		out = append(out, "用途："+c.Purpose)
	}
	if !strings.HasSuffix(strings.TrimRight(stmt, "。！!. "), closing) {
		out = append(out, closing+"。")
	}
	return out
}

// communityOf is the community code of a division code of a community or
// below, "" above.
func communityOf(code string) string {
	if len(code) < 12 || territory.CityCodeLen(code) >= 12 {
		return ""
	}
	return code[:12]
}
