-- Records can be corrected: buildings and compounds get the version that
-- households and people have, so that an edit made from a stale page is
-- refused instead of overwriting another's. A person's moves between
-- households are kept with their reason and day.
ALTER TABLE registry_buildings ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE registry_compounds ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
CREATE TABLE registry_moves (
	id {{pk}},
	person_id BIGINT NOT NULL REFERENCES registry_people (id),
	from_household_id BIGINT REFERENCES registry_households (id),
	to_household_id BIGINT NOT NULL REFERENCES registry_households (id),
	from_region TEXT NOT NULL,
	to_region TEXT NOT NULL,
	moved_on TEXT NOT NULL,
	reason TEXT NOT NULL,
	created_at {{timestamp}} NOT NULL
);
CREATE INDEX registry_moves_person ON registry_moves (person_id, id);
