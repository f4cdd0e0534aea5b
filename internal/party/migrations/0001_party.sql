-- The Party organisation tree (支部建在连上): community Party committee
-- (社区大党委) → grid Party branch (网格党支部) → building Party group
-- (楼栋党小组), or organisations of units (co-building units, "two new"
-- organisations). path is the materialised chain of ids, "/1/7/19/".
CREATE TABLE party_orgs (
	id {{pk}},
	parent_id BIGINT REFERENCES party_orgs (id),
	path TEXT NOT NULL,
	name TEXT NOT NULL,
	kind TEXT NOT NULL,
	region_code TEXT NOT NULL REFERENCES territory_regions (code),
	building_id BIGINT,
	unit_name TEXT NOT NULL DEFAULT '',
	secretary TEXT NOT NULL DEFAULT '',
	created_at {{timestamp}} NOT NULL,
	updated_at {{timestamp}} NOT NULL
);
CREATE INDEX party_orgs_region ON party_orgs (region_code, id);
CREATE INDEX party_orgs_path ON party_orgs (path);
CREATE INDEX party_orgs_parent ON party_orgs (parent_id);

-- Committee members, including part-time members (兼职委员) from
-- co-building units.
CREATE TABLE party_committee_members (
	id {{pk}},
	org_id BIGINT NOT NULL REFERENCES party_orgs (id),
	name TEXT NOT NULL,
	post TEXT NOT NULL,
	unit TEXT NOT NULL DEFAULT '',
	part_time {{bool}} NOT NULL
);
CREATE INDEX party_committee_members_org ON party_committee_members (org_id);

CREATE TABLE party_members (
	id {{pk}},
	org_id BIGINT NOT NULL REFERENCES party_orgs (id),
	region_code TEXT NOT NULL REFERENCES territory_regions (code),
	person_id BIGINT,
	name TEXT NOT NULL,
	category TEXT NOT NULL,
	status TEXT NOT NULL,
	workplace TEXT NOT NULL DEFAULT '',
	model_household {{bool}} NOT NULL,
	joined_on TEXT NOT NULL DEFAULT '',
	created_at {{timestamp}} NOT NULL,
	updated_at {{timestamp}} NOT NULL
);
CREATE INDEX party_members_region ON party_members (region_code, id);
CREATE INDEX party_members_org ON party_members (org_id);
