-- A member's registration (报到) with the community where they live:
-- their workplace Party organisation, skills, the service categories they
-- offer and when they are free; the community confirms it and places them
-- in a grid. A registration lasts until expires_on (half a year from its
-- confirmation), then the member registers again.
CREATE TABLE volunteer_registrations (
	id {{pk}},
	user_id BIGINT NOT NULL,
	user_name TEXT NOT NULL,
	community_code TEXT NOT NULL REFERENCES territory_regions (code),
	workplace TEXT NOT NULL,
	skills TEXT NOT NULL DEFAULT '',
	categories TEXT NOT NULL,
	availability TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL,
	grid_code TEXT REFERENCES territory_regions (code),
	registered_at {{timestamp}} NOT NULL,
	confirmed_at {{timestamp}},
	confirmed_by TEXT NOT NULL DEFAULT '',
	expires_on TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX volunteer_registrations_user ON volunteer_registrations (user_id, community_code);
CREATE INDEX volunteer_registrations_community ON volunteer_registrations (community_code, status, id);
