-- Service activities of a community (双报到: members serve where they
-- live) and the verified presence at them. key_enc is the activity's
-- check-in key, sealed with the data key: whoever holds it can make the
-- codes the organiser's phone shows.
CREATE TABLE volunteer_activities (
	id {{pk}},
	community_code TEXT NOT NULL REFERENCES territory_regions (code),
	title TEXT NOT NULL,
	category TEXT NOT NULL,
	place TEXT NOT NULL,
	lat DOUBLE PRECISION,
	lon DOUBLE PRECISION,
	radius INTEGER NOT NULL,
	starts_at {{timestamp}} NOT NULL,
	ends_at {{timestamp}} NOT NULL,
	capacity INTEGER NOT NULL,
	min_stay INTEGER NOT NULL,
	key_enc TEXT NOT NULL,
	created_by TEXT NOT NULL,
	created_at {{timestamp}} NOT NULL
);
CREATE INDEX volunteer_activities_community ON volunteer_activities (community_code, id);

-- Each verified scan of an activity's code: a member's check-in, then
-- their check-out; one of each. device is a hash of the phone's
-- identifier (the browser's own id for this site); the position is what
-- the phone said, with its accuracy in metres.
CREATE TABLE volunteer_scans (
	id {{pk}},
	activity_id BIGINT NOT NULL REFERENCES volunteer_activities (id),
	user_id BIGINT NOT NULL,
	user_name TEXT NOT NULL,
	is_out {{bool}} NOT NULL,
	at {{timestamp}} NOT NULL,
	device TEXT NOT NULL,
	lat DOUBLE PRECISION,
	lon DOUBLE PRECISION,
	accuracy DOUBLE PRECISION,
	UNIQUE (activity_id, user_id, is_out)
);
CREATE INDEX volunteer_scans_user ON volunteer_scans (user_id, at);
