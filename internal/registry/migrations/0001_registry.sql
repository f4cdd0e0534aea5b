-- 一标三实: standard addresses, actual population, actual houses, actual
-- units. region_code is the grid (or the community where no grid is known);
-- scope applies to it like to every other table.

CREATE TABLE registry_buildings (
	id {{pk}},
	region_code TEXT NOT NULL REFERENCES territory_regions (code),
	compound TEXT NOT NULL DEFAULT '',
	name TEXT NOT NULL,
	address TEXT NOT NULL,
	floors INTEGER NOT NULL DEFAULT 0,
	units INTEGER NOT NULL DEFAULT 0,
	lon DOUBLE PRECISION,
	lat DOUBLE PRECISION,
	created_at {{timestamp}} NOT NULL,
	updated_at {{timestamp}} NOT NULL,
	UNIQUE (address)
);
CREATE INDEX registry_buildings_region ON registry_buildings (region_code, id);

-- A household lives in one house (a room of a building); the house's use
-- is the "actual house" fact: self-occupied, rented or vacant.
CREATE TABLE registry_households (
	id {{pk}},
	region_code TEXT NOT NULL REFERENCES territory_regions (code),
	building_id BIGINT REFERENCES registry_buildings (id),
	room TEXT NOT NULL DEFAULT '',
	address TEXT NOT NULL,
	house_use TEXT NOT NULL DEFAULT 'self_occupied',
	created_at {{timestamp}} NOT NULL,
	updated_at {{timestamp}} NOT NULL,
	version INTEGER NOT NULL DEFAULT 1,
	UNIQUE (address)
);
CREATE INDEX registry_households_region ON registry_households (region_code, id);
CREATE INDEX registry_households_building ON registry_households (building_id);

-- People. ID numbers and phones are sealed (AES-GCM) with a keyed hash for
-- exact search and a masked form for lists; the plain values are nowhere.
CREATE TABLE registry_people (
	id {{pk}},
	region_code TEXT NOT NULL REFERENCES territory_regions (code),
	household_id BIGINT REFERENCES registry_households (id),
	name TEXT NOT NULL,
	name_initials TEXT NOT NULL,
	id_enc TEXT NOT NULL,
	id_hash TEXT NOT NULL,
	id_masked TEXT NOT NULL,
	phone_enc TEXT NOT NULL DEFAULT '',
	phone_hash TEXT NOT NULL DEFAULT '',
	phone_masked TEXT NOT NULL DEFAULT '',
	birth_date TEXT NOT NULL,
	sex TEXT NOT NULL,
	relation TEXT NOT NULL,
	residence TEXT NOT NULL,
	tags TEXT NOT NULL DEFAULT '',
	moved_out_at {{timestamp}},
	created_at {{timestamp}} NOT NULL,
	updated_at {{timestamp}} NOT NULL,
	version INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX registry_people_id_hash ON registry_people (id_hash);
CREATE INDEX registry_people_region ON registry_people (region_code, id);
CREATE INDEX registry_people_household ON registry_people (household_id);
CREATE INDEX registry_people_phone ON registry_people (phone_hash);
CREATE INDEX registry_people_initials ON registry_people (name_initials);
CREATE INDEX registry_people_name ON registry_people (name);
