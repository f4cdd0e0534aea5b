package cases

import "testing"

// TestSuggestDepartment checks the suggestion by name against the names
// real cities give their departments.
func TestSuggestDepartment(t *testing.T) {
	beijing := []string{"城市管理委员会", "城市管理委员会", "住房和城乡建设委员会", "应急管理局", "市场监督管理局", "公安分局", "园林绿化局"}
	for _, tt := range []struct {
		role, want string
		names      []string
	}{
		{"城市管理局", "城市管理委员会", beijing},
		{"住房和城乡建设局", "住房和城乡建设委员会", beijing},
		{"应急管理局", "应急管理局", beijing},
		{"市场监督管理局", "市场监督管理局", beijing},
		{"公安", "公安分局", beijing},
		// Nothing like it: no suggestion rather than a wrong one.
		{"应急管理局", "", []string{"城市管理委员会", "住房和城乡建设委员会"}},
		{"市场监督管理局", "", []string{"城市管理委员会"}},
		{"城市管理局", "", nil},
		// Nanchang's own names: the role itself.
		{"城市管理局", "城市管理局", []string{"城市管理局", "住房和城乡建设局"}},
	} {
		if got := suggestDepartment(tt.role, tt.names); got != tt.want {
			t.Errorf("%s among %v: %q, want %q", tt.role, tt.names, got, tt.want)
		}
	}
}

// TestDepartmentBaseName strips the division's name as departments'
// names carry it.
func TestDepartmentBaseName(t *testing.T) {
	for _, tt := range []struct {
		name     string
		regions  []string
		wantBase string
	}{
		{"东城区城市管理委员会", []string{"北京市", "东城区"}, "城市管理委员会"},
		{"北京市东城区城市管理委员会", []string{"北京市", "东城区"}, "城市管理委员会"},
		{"北京市城市管理委员会", []string{"北京市"}, "城市管理委员会"},
		{"东城城市管理委员会", []string{"北京市", "东城区"}, "城市管理委员会"},
		{"东湖区城市管理局", []string{"江西省", "南昌市", "东湖区"}, "城市管理局"},
		// Nothing would be left: the name stays whole.
		{"东城区", []string{"东城区"}, "东城区"},
	} {
		var prefixes []string
		for _, r := range tt.regions {
			prefixes = append(prefixes, regionNameForms(r)...)
		}
		if got := stripPrefixes(tt.name, prefixes); got != tt.wantBase {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.wantBase)
		}
	}
}
