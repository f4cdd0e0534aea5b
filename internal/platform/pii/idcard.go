package pii

import (
	"errors"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"
)

// Citizen ID numbers after GB 11643-1999: 6 digits of the issuing division,
// 8 of the birth date, 3 of sequence (odd for men, even for women) and a
// check character by ISO 7064 MOD 11-2 (0–9 or X).

// IDInfo is what an ID number tells.
type IDInfo struct {
	Birth time.Time
	Male  bool
}

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idChecks = "10X98765432"

// Reasons an ID number is refused; each is a catalogue rule key.
var (
	ErrIDLength = errors.New("rule.id_length")
	ErrIDDigits = errors.New("rule.id_digits")
	ErrIDRegion = errors.New("rule.id_region")
	ErrIDBirth  = errors.New("rule.id_birth")
	ErrIDCheck  = errors.New("rule.id_check")
)

// IDCheckChar computes the check character of the first 17 digits.
func IDCheckChar(first17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(first17[i]-'0') * idWeights[i]
	}
	return idChecks[sum%11]
}

// ParseID validates an 18-character ID number (a lower-case x is
// accepted) and returns its birth date and sex. now bounds the birth date.
func ParseID(id string, now time.Time) (IDInfo, error) {
	if len(id) != 18 {
		return IDInfo{}, ErrIDLength
	}
	for i := 0; i < 17; i++ {
		if id[i] < '0' || id[i] > '9' {
			return IDInfo{}, ErrIDDigits
		}
	}
	last := id[17]
	if last == 'x' {
		last = 'X'
	}
	if (last < '0' || last > '9') && last != 'X' {
		return IDInfo{}, ErrIDDigits
	}
	if id[0] < '1' || id[0] > '9' || id[0:2] == "10" || id[0:2] == "20" {
		return IDInfo{}, ErrIDRegion
	}
	birth, err := time.Parse("20060102", id[6:14])
	if err != nil || birth.Year() < 1880 || birth.After(now) {
		return IDInfo{}, ErrIDBirth
	}
	if IDCheckChar(id) != last {
		return IDInfo{}, ErrIDCheck
	}
	return IDInfo{Birth: birth, Male: (id[16]-'0')%2 == 1}, nil
}

// NormaliseID turns an ID number as typed into its stored form: NFKC
// first, so that full-width digits and Ｘ (typed with a Chinese input
// method) become ASCII, then trimmed, and the check character
// upper-cased.
func NormaliseID(id string) string {
	id = strings.TrimSpace(norm.NFKC.String(id))
	if len(id) == 18 && id[17] == 'x' {
		return id[:17] + "X"
	}
	return id
}

// NormalisePhone turns a phone number as typed into its stored form:
// NFKC (full-width digits become ASCII), then without the spaces and
// dashes people group the digits with (138 0013 8000, 138-0013-8000).
func NormalisePhone(p string) string {
	p = norm.NFKC.String(p)
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\u00a0' {
			return -1
		}
		return r
	}, strings.TrimSpace(p))
}
