package volunteer_test

import (
	"testing"

	"grassroots/internal/apptest"
)

// TestMain fails a full run in which some page of the module was rendered
// by none of its tests.
func TestMain(m *testing.M) { apptest.Main(m, "volunteer") }
