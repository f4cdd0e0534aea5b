package admission

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"grassroots/internal/platform/audit"
	"grassroots/internal/platform/authz"
	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/text"
)

// A request carries at most MaxFiles files of at most MaxFileBytes each,
// and a task's evidence as many again.
const (
	MaxFiles     = 5
	MaxFileBytes = 10 << 20
	maxFileName  = 100
)

// fileTypes are the files a request or its evidence may carry: the
// documents departments send (PDF, OFD, Word, Excel) and photos. Each is
// known by its extension and its first bytes, both; anything else (a
// script, a page, an archive) is refused.
var fileTypes = []struct {
	ext, mime, magic string
}{
	{".pdf", "application/pdf", "%PDF-"},
	{".ofd", "application/ofd", "PK\x03\x04"},
	{".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "PK\x03\x04"},
	{".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "PK\x03\x04"},
	{".doc", "application/msword", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"},
	{".xls", "application/vnd.ms-excel", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"},
	{".jpg", "image/jpeg", "\xFF\xD8\xFF"},
	{".jpeg", "image/jpeg", "\xFF\xD8\xFF"},
	{".png", "image/png", "\x89PNG\r\n\x1a\n"},
}

// FileKinds names the kinds accepted, for the rule's message.
const FileKinds = "PDF, OFD, Word, Excel, JPEG, PNG"

// Upload is a file as sent, checked by CheckUpload.
type Upload struct {
	Name string
	Type string
	Data []byte
}

// Attachment is a stored file, without its bytes.
type Attachment struct {
	ID          int64     `json:"id"`
	RequestID   int64     `json:"request_id"`
	TaskID      int64     `json:"task_id,omitempty" doc:"set for a community's evidence; empty for the request's own files"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int       `json:"size" doc:"bytes"`
	SHA256      string    `json:"sha256" doc:"hex digest of the file"`
	UploadedBy  string    `json:"uploaded_by"`
	CreatedAt   time.Time `json:"created_at"`
}

// SizeText is the file's size as people read it (KB, MB).
func (a Attachment) SizeText() string {
	switch {
	case a.Size >= 1<<20:
		return strconv.FormatFloat(float64(a.Size)/(1<<20), 'f', 1, 64) + " MB"
	case a.Size >= 1<<10:
		return strconv.Itoa((a.Size+1<<9)>>10) + " KB"
	}
	return strconv.Itoa(a.Size) + " B"
}

// CheckUpload checks one file sent in field: its name (no path, no
// control characters, at most 100 characters), its size and its kind by
// extension and content alike.
func CheckUpload(field, name string, data []byte) (Upload, error) {
	name, rule := text.Line(lastPart(name))
	if rule != "" {
		return Upload{}, errs.Field(field, rule, "")
	}
	if stem := strings.TrimSuffix(name, path.Ext(name)); strings.Trim(stem, ". ") == "" {
		return Upload{}, errs.Field(field, "rule.adm_file_name", "")
	}
	if utf8.RuneCountInString(name) > maxFileName {
		return Upload{}, errs.Field(field, "rule.max_length", strconv.Itoa(maxFileName))
	}
	if len(data) == 0 {
		return Upload{}, errs.Field(field, "rule.adm_file_empty", name)
	}
	if len(data) > MaxFileBytes {
		return Upload{}, errs.Field(field, "rule.adm_file_size", strconv.Itoa(MaxFileBytes>>20))
	}
	ext := strings.ToLower(path.Ext(name))
	for _, t := range fileTypes {
		if t.ext == ext && bytes.HasPrefix(data, []byte(t.magic)) {
			return Upload{Name: name, Type: t.mime, Data: data}, nil
		}
	}
	return Upload{}, errs.Field(field, "rule.adm_file_type", FileKinds)
}

// lastPart is the last part of a name as a browser or a client sends it
// (some send the whole path).
func lastPart(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	return strings.TrimSpace(name[strings.LastIndex(name, "/")+1:])
}

// checkCount refuses more than MaxFiles files in one place, counting
// those already there.
func checkCount(field string, have, adding int) error {
	if have+adding > MaxFiles {
		return errs.Field(field, "rule.adm_file_count", strconv.Itoa(MaxFiles))
	}
	return nil
}

// storeFiles writes files of a request (task 0) or of a task's evidence.
func storeFiles(ctx context.Context, tx *db.Tx, requestID, taskID int64, ups []Upload, by string) ([]int64, error) {
	var task any
	if taskID != 0 {
		task = taskID
	}
	ids := make([]int64, 0, len(ups))
	for _, u := range ups {
		sum := sha256.Sum256(u.Data)
		var id int64
		if err := tx.QueryRowContext(ctx, `/* admission.storeFile */ INSERT INTO admission_files (request_id, task_id, name, content_type, size, sha256, data, uploaded_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			requestID, task, u.Name, u.Type, len(u.Data), hex.EncodeToString(sum[:]), u.Data, by, tx.Now()).Scan(&id); err != nil {
			return nil, fmt.Errorf("admission: store file: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func countFiles(ctx context.Context, q db.Querier, requestID, taskID int64) (int, error) {
	query, args := filesOf(`/* admission.countFiles */ SELECT count(*) FROM admission_files`, requestID, taskID).SQL()
	var n int
	err := q.QueryRowContext(ctx, query, args...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("admission: count files: %w", err)
	}
	return n, nil
}

// filesOf narrows base to the files of a request (task 0) or of a
// task's evidence.
func filesOf(base string, requestID, taskID int64) *db.Query {
	qb := db.NewQuery(base).And("request_id = ?", requestID)
	if taskID == 0 {
		return qb.And("task_id IS NULL")
	}
	return qb.And("task_id = ?", taskID)
}

const fileCols = `id, request_id, COALESCE(task_id, 0), name, content_type, size, sha256, uploaded_by, created_at`

func scanFile(r db.Scanner) (Attachment, error) {
	var a Attachment
	err := r.Scan(&a.ID, &a.RequestID, &a.TaskID, &a.Name, &a.ContentType, &a.Size, &a.SHA256, &a.UploadedBy, &a.CreatedAt)
	a.CreatedAt = a.CreatedAt.UTC()
	return a, err
}

// RequestFiles are the files a request came with, for those who see the
// request. At most MaxFiles: the list is whole.
func (s *Service) RequestFiles(ctx context.Context, sc authz.Scope, requestID int64) ([]Attachment, error) {
	if _, err := s.Request(ctx, sc, requestID); err != nil {
		return nil, err
	}
	return s.files(ctx, requestID, 0)
}

// TaskFiles are the files of a task's request and the evidence its
// community returned, for those who see the task.
func (s *Service) TaskFiles(ctx context.Context, sc authz.Scope, taskID int64) (request, evidence []Attachment, err error) {
	t, err := s.Task(ctx, sc, taskID)
	if err != nil {
		return nil, nil, err
	}
	if request, err = s.files(ctx, t.RequestID, 0); err != nil {
		return nil, nil, err
	}
	evidence, err = s.files(ctx, t.RequestID, taskID)
	return request, evidence, err
}

func (s *Service) files(ctx context.Context, requestID, taskID int64) ([]Attachment, error) {
	query, args := filesOf(`/* admission.files */ SELECT `+fileCols+` FROM admission_files`, requestID, taskID).Tail(" ORDER BY id").SQL()
	out, err := db.Collect(ctx, s.db, query, args, scanFile)
	if err != nil {
		return nil, fmt.Errorf("admission: files of request %d: %w", requestID, err)
	}
	if out == nil {
		out = []Attachment{}
	}
	return out, nil
}

// Download is one stored file with its bytes, for whoever sees the request
// (its own files) or the task (evidence); the read is audited, for a
// form returned may name residents.
func (s *Service) Download(ctx context.Context, sc authz.Scope, id int64) (Attachment, []byte, error) {
	var a Attachment
	var data []byte
	row := s.db.QueryRowContext(ctx, `/* admission.file */ SELECT `+fileCols+`, data FROM admission_files WHERE id = ?`, id)
	err := row.Scan(&a.ID, &a.RequestID, &a.TaskID, &a.Name, &a.ContentType, &a.Size, &a.SHA256, &a.UploadedBy, &a.CreatedAt, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return Attachment{}, nil, errs.NotFoundf("kind.adm_file")
	}
	if err != nil {
		return Attachment{}, nil, fmt.Errorf("admission: file %d: %w", id, err)
	}
	a.CreatedAt = a.CreatedAt.UTC()
	// Evidence goes with its task, a request's own files with it.
	var region string
	if a.TaskID != 0 {
		var t Task
		t, err = s.Task(ctx, sc, a.TaskID)
		region = t.CommunityCode
	} else {
		var r Request
		r, err = s.Request(ctx, sc, a.RequestID)
		region = r.TargetCode
	}
	if errs.CodeOf(err) == errs.NotFound {
		return Attachment{}, nil, errs.NotFoundf("kind.adm_file")
	}
	if err != nil {
		return Attachment{}, nil, err
	}
	if err := audit.RecordRead(ctx, s.db, audit.Entry{Action: "admission.file.read", ObjectType: "admission_file", ObjectID: strconv.FormatInt(id, 10),
		Region: region, Detail: map[string]any{"name": a.Name}}); err != nil {
		return Attachment{}, nil, err
	}
	return a, data, nil
}

// AttachToRequest adds files to a request of the actor's department that
// the gate did not refuse.
func (s *Service) AttachToRequest(ctx context.Context, sc authz.Scope, requestID int64, ups []Upload) ([]Attachment, error) {
	r, err := s.Request(ctx, sc, requestID)
	if err != nil {
		return nil, err
	}
	if sc.Department == 0 || r.DeptID != sc.Department {
		return nil, errs.E(errs.Forbidden, "err.adm_department_only")
	}
	if r.Status == Refused {
		return nil, errs.E(errs.Conflict, "err.adm_files_refused")
	}
	var ids []int64
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.Serialize(ctx, "admission.files."+strconv.FormatInt(requestID, 10)); err != nil {
			return err
		}
		n, err := countFiles(ctx, tx, requestID, 0)
		if err != nil {
			return err
		}
		if err := checkCount("files", n, len(ups)); err != nil {
			return err
		}
		if ids, err = storeFiles(ctx, tx, requestID, 0, ups, actorName(ctx)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "admission.request.files", ObjectType: "admission_request", ObjectID: strconv.FormatInt(requestID, 10),
			Region: r.TargetCode, Detail: map[string]any{"title": r.Title, "files": fileNames(ups), "file_ids": ids}})
	})
	if err != nil {
		return nil, err
	}
	return s.added(ctx, requestID, 0, ids)
}

// added are the files of ids among those of a request or task.
func (s *Service) added(ctx context.Context, requestID, taskID int64, ids []int64) ([]Attachment, error) {
	all, err := s.files(ctx, requestID, taskID)
	return slices.DeleteFunc(all, func(a Attachment) bool { return !slices.Contains(ids, a.ID) }), err
}

// AttachEvidence adds files to the evidence of an open task of the
// actor's community (the filled form, photos); they go with its
// completion.
func (s *Service) AttachEvidence(ctx context.Context, sc authz.Scope, taskID int64, ups []Upload) ([]Attachment, error) {
	var requestID int64
	var ids []int64
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		t, err := unscopedTask(ctx, tx, taskID)
		if err != nil {
			return err
		}
		if sc.Department != 0 || !sc.Contains(t.CommunityCode) {
			return errs.NotFoundf("kind.adm_task")
		}
		if t.Status != TaskOpen {
			return errs.E(errs.Conflict, "err.adm_task_closed")
		}
		requestID = t.RequestID
		ids, err = s.evidence(ctx, tx, t, ups)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.added(ctx, requestID, taskID, ids)
}

// evidence stores ups as the evidence of t, within the limit, and
// returns their ids.
func (s *Service) evidence(ctx context.Context, tx *db.Tx, t Task, ups []Upload) ([]int64, error) {
	if len(ups) == 0 {
		return nil, nil
	}
	if err := tx.Serialize(ctx, "admission.evidence."+strconv.FormatInt(t.ID, 10)); err != nil {
		return nil, err
	}
	n, err := countFiles(ctx, tx, t.RequestID, t.ID)
	if err != nil {
		return nil, err
	}
	if err := checkCount("files", n, len(ups)); err != nil {
		return nil, err
	}
	ids, err := storeFiles(ctx, tx, t.RequestID, t.ID, ups, actorName(ctx))
	if err != nil {
		return nil, err
	}
	return ids, audit.Record(ctx, tx, audit.Entry{Action: "admission.task.files", ObjectType: "admission_task", ObjectID: strconv.FormatInt(t.ID, 10),
		Region: t.CommunityCode, Detail: map[string]any{"title": t.Request.Title, "files": fileNames(ups), "file_ids": ids}})
}

func fileNames(ups []Upload) []string {
	out := make([]string, len(ups))
	for i, u := range ups {
		out[i] = u.Name
	}
	return out
}
