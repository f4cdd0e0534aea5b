package audit

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"grassroots/internal/platform/db"
	"grassroots/internal/platform/errs"
	"grassroots/internal/platform/pii"
)

// The audit log is append-only and kept (网络安全法: at least six months),
// while a resident who moves out has the right to have their personal
// data erased (个人信息保护法 第四十七条). Both hold through
// crypto-shredding: a data subject's personal values are written into
// audit records sealed (AES-256-GCM) under a key of that subject alone,
// kept in audit_subject_keys and itself sealed with the data keyring.
// Erasing the subject destroys the key: every record stays as it was —
// who did what to which object, when and from where — but the values can
// no longer be opened, and the views show them as erased.

// Mask says how a sealed value is shown while it can still be opened.
type Mask string

// Masks. Stored in audit records; do not rename.
const (
	MaskName Mask = "name" // the family name: 张**
	MaskKept Mask = "kept" // a value already masked (ID number, phone): as it is
	MaskYear Mask = "year" // a date: its year only
)

// Erased is what the API shows for a sealed value whose subject has been
// erased.
const Erased = "erased"

// Sealed is one personal value of a data subject inside an audit record's
// before, after or detail. It marshals to
// {"$sealed": "…", "subject": "person:42", "mask": "name"}; the empty value
// marshals to "".
type Sealed struct {
	subject string
	box     string
	mask    Mask
}

type sealedJSON struct {
	Box     string `json:"$sealed"`
	Subject string `json:"subject"`
	Mask    Mask   `json:"mask"`
}

// sealedMarker is how Open finds sealed values in stored JSON.
var sealedMarker = []byte(`"$sealed"`)

// MarshalJSON writes the sealed form.
func (s Sealed) MarshalJSON() ([]byte, error) {
	if s.box == "" {
		return []byte(`""`), nil
	}
	return json.Marshal(sealedJSON{Box: s.box, Subject: s.subject, Mask: s.mask})
}

// Sealer seals the personal values of one data subject.
type Sealer struct {
	subject string
	aead    cipher.AEAD
}

// SubjectSealer returns the sealer of subject (an object type and id, e.g.
// "person:42"), creating the subject's key in tx the first time. A subject
// that has been erased gets no new key: its records stay unreadable.
func SubjectSealer(ctx context.Context, tx *db.Tx, keys *pii.Keyring, subject string) (*Sealer, error) {
	aead, found, err := subjectKey(ctx, tx, keys, subject)
	if err != nil {
		return nil, err
	}
	if !found {
		raw := make([]byte, 32)
		_, _ = rand.Read(raw)
		wrapped, err := keys.Encrypt(base64.StdEncoding.EncodeToString(raw))
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `/* audit.SubjectSealer */ INSERT INTO audit_subject_keys (subject, key_enc, created_at)
			VALUES (?, ?, ?) ON CONFLICT (subject) DO NOTHING`, subject, wrapped, tx.Now()); err != nil {
			return nil, fmt.Errorf("audit: key of %s: %w", subject, err)
		}
		if aead, _, err = subjectKey(ctx, tx, keys, subject); err != nil {
			return nil, err
		}
	}
	if aead == nil {
		return nil, errs.E(errs.Conflict, "err.anonymised")
	}
	return &Sealer{subject: subject, aead: aead}, nil
}

// Seal seals v, to be shown with mask m.
func (s *Sealer) Seal(v string, m Mask) Sealed {
	if v == "" {
		return Sealed{}
	}
	nonce := make([]byte, s.aead.NonceSize())
	_, _ = rand.Read(nonce)
	box := s.aead.Seal(nonce, nonce, []byte(v), []byte(s.subject))
	return Sealed{subject: s.subject, box: base64.RawStdEncoding.EncodeToString(box), mask: m}
}

// Erase destroys subject's key in tx, so that the personal values sealed
// in its audit records can never be opened again. The key row keeps only
// the time of erasure.
func Erase(ctx context.Context, tx *db.Tx, subject string) error {
	return tx.Shred(ctx, func() error {
		if _, err := tx.ExecContext(ctx, `/* audit.Erase */ INSERT INTO audit_subject_keys (subject, key_enc, created_at, erased_at)
		VALUES (?, '', ?, ?) ON CONFLICT (subject) DO UPDATE SET key_enc = '', erased_at = excluded.erased_at`, subject, tx.Now(), tx.Now()); err != nil {
			return fmt.Errorf("audit: erase %s: %w", subject, err)
		}
		return nil
	})
}

// subjectKey opens subject's key. It is nil when the subject has been
// erased, or has no key yet (found false).
func subjectKey(ctx context.Context, q db.Querier, keys *pii.Keyring, subject string) (aead cipher.AEAD, found bool, err error) {
	var wrapped string
	err = q.QueryRowContext(ctx, `/* audit.subjectKey */ SELECT key_enc FROM audit_subject_keys WHERE subject = ?`, subject).Scan(&wrapped)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("audit: key of %s: %w", subject, err)
	}
	if wrapped == "" {
		return nil, true, nil
	}
	b64, err := keys.Decrypt(wrapped)
	if err != nil {
		return nil, true, fmt.Errorf("audit: key of %s: %w", subject, err)
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, true, fmt.Errorf("audit: key of %s: %w", subject, err)
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, true, fmt.Errorf("audit: key of %s: %w", subject, err)
	}
	aead, err = cipher.NewGCM(block)
	return aead, true, err
}

// Open replaces the sealed values in the before, after and detail of es by
// what a reader of the audit log may see: the masked value while the
// subject's key exists, erased once it has been destroyed. Nothing shown
// is ever the clear value.
func Open(ctx context.Context, q db.Querier, keys *pii.Keyring, es []Entry, erased string) ([]Entry, error) {
	aeads := map[string]cipher.AEAD{}
	open := func(v sealedJSON) (string, error) {
		aead, ok := aeads[v.Subject]
		if !ok {
			var err error
			if aead, _, err = subjectKey(ctx, q, keys, v.Subject); err != nil {
				return "", err
			}
			aeads[v.Subject] = aead
		}
		if aead == nil {
			return erased, nil
		}
		box, err := base64.RawStdEncoding.DecodeString(v.Box)
		if err != nil || len(box) < aead.NonceSize() {
			return erased, nil
		}
		plain, err := aead.Open(nil, box[:aead.NonceSize()], box[aead.NonceSize():], []byte(v.Subject))
		if err != nil {
			return erased, nil
		}
		return mask(string(plain), v.Mask), nil
	}
	for i := range es {
		for _, f := range []*any{&es[i].Before, &es[i].After, &es[i].Detail} {
			raw, ok := (*f).(json.RawMessage)
			if !ok || !bytes.Contains(raw, sealedMarker) {
				continue
			}
			var v any
			d := json.NewDecoder(bytes.NewReader(raw))
			d.UseNumber()
			if err := d.Decode(&v); err != nil {
				continue
			}
			v, err := walk(v, open)
			if err != nil {
				return nil, err
			}
			b, err := json.Marshal(v)
			if err != nil {
				return nil, err
			}
			*f = json.RawMessage(b)
		}
	}
	return es, nil
}

// walk replaces every sealed value inside v by what open makes of it.
func walk(v any, open func(sealedJSON) (string, error)) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		if box, ok := x["$sealed"].(string); ok {
			s := sealedJSON{Box: box}
			s.Subject, _ = x["subject"].(string)
			m, _ := x["mask"].(string)
			s.Mask = Mask(m)
			return open(s)
		}
		for k, e := range x {
			w, err := walk(e, open)
			if err != nil {
				return nil, err
			}
			x[k] = w
		}
	case []any:
		for i, e := range x {
			w, err := walk(e, open)
			if err != nil {
				return nil, err
			}
			x[i] = w
		}
	}
	return v, nil
}

func mask(v string, m Mask) string {
	switch m {
	case MaskName:
		return pii.MaskName(v)
	case MaskKept:
		return v
	case MaskYear:
		if len(v) >= 4 {
			return v[:4]
		}
	}
	return "***"
}
