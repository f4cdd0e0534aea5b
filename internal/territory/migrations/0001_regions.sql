-- Administrative divisions with their official statistical codes. Codes are
-- hierarchical, so a subtree is a code prefix: code >= prefix AND code < next.
CREATE TABLE territory_regions (
	code TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	level TEXT NOT NULL,
	parent_code TEXT REFERENCES territory_regions (code),
	kind TEXT NOT NULL DEFAULT '',
	updated_at {{timestamp}} NOT NULL
);
CREATE INDEX territory_regions_parent ON territory_regions (parent_code, code);
CREATE INDEX territory_regions_level ON territory_regions (level, code);

-- Functional departments (职能部门), each serving a region subtree.
CREATE TABLE territory_departments (
	id {{pk}},
	name TEXT NOT NULL,
	region_code TEXT NOT NULL REFERENCES territory_regions (code),
	created_at {{timestamp}} NOT NULL,
	UNIQUE (region_code, name)
);
