-- Actual units (实有单位) of an area: co-building units (共建单位) and what
-- they share, "two new" organisations (两新组织) with their organisation
-- and work coverage, and new-employment stations and hotspots (新就业群体
-- 站点). kind says which; subkind refines it.
CREATE TABLE units_units (
	id {{pk}},
	region_code TEXT NOT NULL REFERENCES territory_regions (code),
	kind TEXT NOT NULL,
	subkind TEXT NOT NULL,
	name TEXT NOT NULL,
	address TEXT NOT NULL DEFAULT '',
	lon DOUBLE PRECISION,
	lat DOUBLE PRECISION,
	headcount INTEGER NOT NULL DEFAULT 0,
	shares TEXT NOT NULL DEFAULT '',
	has_party_org {{bool}} NOT NULL,
	work_covered {{bool}} NOT NULL,
	created_at {{timestamp}} NOT NULL,
	updated_at {{timestamp}} NOT NULL
);
CREATE INDEX units_units_region ON units_units (region_code, id);
CREATE INDEX units_units_kind ON units_units (kind, region_code);
