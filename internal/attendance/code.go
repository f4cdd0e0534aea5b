// Package attendance proves that a person was there: a code that changes
// every 30 seconds, shown on the organiser's phone and scanned by the
// attendee's, bound to one occasion (an activity, a meeting) by a key of
// its own; the attendee's position against the venue's fence; and the
// anomalies a list of check-ins shows. It stores nothing: the modules
// whose occasions they are keep the keys and the check-ins.
package attendance

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"strings"
	"time"
)

// Step is how long a code is shown before the next replaces it. A code is
// accepted during its own step and the next, so that one scanned as it
// changes still counts: at most two steps old.
const Step = 30 * time.Second

// KeySize is the size of an occasion's key in bytes.
const KeySize = 32

const macSize = 10 // 80 bits: forging one by guessing is out of reach

// Errors of Verify. Each is refused with its reason; none counts.
var (
	ErrMalformed = errors.New("attendance: not a check-in code")
	ErrForged    = errors.New("attendance: the code was not made by this occasion's key")
	ErrOther     = errors.New("attendance: the code is another occasion's")
	ErrExpired   = errors.New("attendance: the code has expired")
	ErrEarly     = errors.New("attendance: the code is not yet valid")
)

// NewKey is a fresh random key for an occasion.
func NewKey() []byte {
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		panic("attendance: no randomness: " + err.Error())
	}
	return k
}

var enc = base32.StdEncoding.WithPadding(base32.NoPadding)

// StepOf is the number of the step at t.
func StepOf(t time.Time) int64 { return t.Unix() / int64(Step/time.Second) }

// StepEnds is when the step at t ends and the next code is shown.
func StepEnds(t time.Time) time.Time {
	return time.Unix((StepOf(t)+1)*int64(Step/time.Second), 0)
}

// Code is the code of occasion shown at t, made with its key: 42
// letters and digits (upper case, QR alphanumeric mode) carrying the
// occasion, the step and their MAC.
func Code(key []byte, occasion int64, at time.Time) string {
	var b [16 + macSize]byte
	binary.BigEndian.PutUint64(b[0:8], uint64(occasion))
	binary.BigEndian.PutUint64(b[8:16], uint64(StepOf(at)))
	copy(b[16:], mac(key, b[:16]))
	return enc.EncodeToString(b[:])
}

func mac(key, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("grassroots attendance v1\x00"))
	m.Write(msg)
	return m.Sum(nil)[:macSize]
}

// Occasion reads the occasion a code names, so that its key can be found;
// it proves nothing until Verify.
func Occasion(code string) (int64, error) {
	b, err := decode(code)
	if err != nil {
		return 0, err
	}
	return int64(binary.BigEndian.Uint64(b[0:8])), nil
}

func decode(code string) ([]byte, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	b, err := enc.DecodeString(code)
	if err != nil || len(b) != 16+macSize {
		return nil, ErrMalformed
	}
	return b, nil
}

// Verify checks a code scanned at now for occasion: made by its key, for
// it, and shown during this step or the one before. It returns the step
// the code was shown in.
func Verify(key []byte, occasion int64, code string, now time.Time) (int64, error) {
	b, err := decode(code)
	if err != nil {
		return 0, err
	}
	if !hmac.Equal(b[16:], mac(key, b[:16])) {
		// A code of another occasion is made by another key: read its
		// occasion only once its MAC is known to be wrong for this one.
		if int64(binary.BigEndian.Uint64(b[0:8])) != occasion {
			return 0, ErrOther
		}
		return 0, ErrForged
	}
	if int64(binary.BigEndian.Uint64(b[0:8])) != occasion {
		return 0, ErrOther
	}
	step, cur := int64(binary.BigEndian.Uint64(b[8:16])), StepOf(now)
	switch {
	case step > cur:
		return 0, ErrEarly
	case step < cur-1:
		return 0, ErrExpired
	}
	return step, nil
}
