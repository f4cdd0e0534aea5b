package registry

import "testing"

func TestInitials(t *testing.T) {
	for in, want := range map[string]string{"张三": "zs", "欧阳明月": "oymy", "李4号": "l4h", "王（演示）": "wys", "Tom": "tom", "": ""} {
		if got := Initials(in); got != want {
			t.Errorf("Initials(%q) = %q, want %q", in, got, want)
		}
	}
}
