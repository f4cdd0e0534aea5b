package city_test

import (
	"testing"

	"grassroots/internal/city"
)

// TestCheckPublicURL: a site root with a port a browser could reach, and
// nothing else.
func TestCheckPublicURL(t *testing.T) {
	for in, ok := range map[string]bool{"https://grassroots.example.gov.cn": true, "https://g.example.gov.cn:8443/": true,
		"https://evil.example:99999": false, "https://g.example:0": false, "https://g.example:http": false, "ftp://g.example": false} {
		if _, err := city.CheckPublicURL(in); (err == nil) != ok {
			t.Errorf("CheckPublicURL(%q): %v, want ok %v", in, err, ok)
		}
	}
}
