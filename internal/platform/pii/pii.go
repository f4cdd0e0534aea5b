// Package pii protects personal data (个人信息保护法): phone and ID numbers
// are encrypted at rest with AES-256-GCM, found by exact value through a
// keyed hash, and masked wherever they are listed.
//
// Keys form a keyring. The first key encrypts; every key decrypts, so a key
// can be rotated by putting a new one first and re-encrypting at leisure.
package pii

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Keyring holds the data keys.
type Keyring struct {
	ids     []string
	aeads   map[string]cipher.AEAD
	hashKey []byte
}

// ParseKeyring reads "id:base64key[,id:base64key…]"; each key is 32 bytes.
// The first key encrypts new values. The search-hash key is derived from
// the first key listed last-to-first stable: it is derived from the oldest
// key so that hashes stay valid across rotations.
func ParseKeyring(spec string) (*Keyring, error) {
	kr := &Keyring{aeads: map[string]cipher.AEAD{}}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		id, b64, ok := strings.Cut(part, ":")
		if !ok || id == "" || strings.ContainsAny(id, ":") {
			return nil, fmt.Errorf("data key %q: want id:base64 (e.g. k1:…)", shorten(part))
		}
		key, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || len(key) != 32 {
			return nil, fmt.Errorf("data key %s: want 32 bytes in base64 (generate with `grassroots keygen`)", id)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("data key %s: %w", id, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("data key %s: %w", id, err)
		}
		if _, dup := kr.aeads[id]; dup {
			return nil, fmt.Errorf("data key %s listed twice", id)
		}
		kr.ids = append(kr.ids, id)
		kr.aeads[id] = aead
		m := hmac.New(sha256.New, key)
		m.Write([]byte("grassroots search hash"))
		kr.hashKey = m.Sum(nil) // the last key listed (the oldest) wins
	}
	if len(kr.ids) == 0 {
		return nil, errors.New("no data key configured")
	}
	return kr, nil
}

func shorten(s string) string {
	if len(s) > 6 {
		return s[:6] + "…"
	}
	return s
}

// NewKeySpec returns a fresh key in the form ParseKeyring reads.
func NewKeySpec(id string) string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return id + ":" + base64.StdEncoding.EncodeToString(b)
}

// Encrypt seals plain with the primary key; the empty string stays empty.
func (kr *Keyring) Encrypt(plain string) (string, error) {
	if plain == "" {
		return "", nil
	}
	id := kr.ids[0]
	aead := kr.aeads[id]
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("pii: nonce: %w", err)
	}
	sealed := aead.Seal(nonce, nonce, []byte(plain), []byte(id))
	return id + ":" + base64.RawStdEncoding.EncodeToString(sealed), nil
}

// Decrypt opens a value sealed by Encrypt with any key of the ring.
func (kr *Keyring) Decrypt(sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	id, b64, ok := strings.Cut(sealed, ":")
	aead := kr.aeads[id]
	if !ok || aead == nil {
		return "", fmt.Errorf("pii: value sealed with unknown key %q", id)
	}
	raw, err := base64.RawStdEncoding.DecodeString(b64)
	if err != nil || len(raw) < aead.NonceSize() {
		return "", errors.New("pii: corrupt sealed value")
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(id))
	if err != nil {
		return "", errors.New("pii: sealed value does not open (wrong key or tampered)")
	}
	return string(plain), nil
}

// Hash is the keyed search hash of a value: equal values give equal hashes,
// and without the key the hash tells nothing. It is HMAC-SHA256 cut to 128
// bits, written in 22 base64url characters: collisions stay out of reach
// (2^64 values before one is likely) and the indexes on it stay small,
// which made bulk imports a quarter faster than full 64-character hex.
func (kr *Keyring) Hash(plain string) string {
	if plain == "" {
		return ""
	}
	m := hmac.New(sha256.New, kr.hashKey)
	m.Write([]byte(plain))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// MaskPhone shows a mobile's first three and last four digits
// (138****5678), a landline's area code and last four (0791-****3456), a
// foreign number's country code and last four (+44 ** **** 0000); the
// digits between are masked, separators kept. Anything shorter than eight
// digits keeps only its first and last character.
func MaskPhone(p string) string {
	if len(p) == 11 && ValidPhone(p) {
		return p[:3] + "****" + p[7:]
	}
	r := []rune(p)
	digits := 0
	for _, c := range r {
		if c >= '0' && c <= '9' {
			digits++
		}
	}
	if digits < 8 {
		return maskMiddle(p, 1, 1)
	}
	head := 0 // through the first separator when it comes early: 0791- , +44
	for i, c := range r {
		if (c == '-' || c == ' ') && i <= 5 {
			head = i + 1
			break
		}
	}
	if head == 0 {
		head = 3
	}
	seen := 0
	for i := len(r) - 1; i >= head; i-- {
		if r[i] < '0' || r[i] > '9' {
			continue
		}
		if seen++; seen > 4 {
			r[i] = '*'
		}
	}
	return string(r)
}

// MaskID shows the first and last four characters of an ID number.
func MaskID(id string) string { return maskMiddle(id, 4, 4) }

// MaskName keeps the family name: 张** .
func MaskName(n string) string {
	if utf8.RuneCountInString(n) <= 1 {
		return n
	}
	r := []rune(n)
	return string(r[0]) + strings.Repeat("*", len(r)-1)
}

func maskMiddle(s string, head, tail int) string {
	r := []rune(s)
	if len(r) <= head+tail {
		return strings.Repeat("*", len(r))
	}
	return string(r[:head]) + strings.Repeat("*", len(r)-head-tail) + string(r[len(r)-tail:])
}

// ValidPhone reports whether p is an 11-digit mainland mobile number.
func ValidPhone(p string) bool {
	if len(p) != 11 || p[0] != '1' || p[1] < '3' || p[1] > '9' {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
	}
	return true
}

// HashLen is the length of a Hash; older databases hold 64-character hex
// hashes until Rehash-style data migrations replace them.
const HashLen = 22
