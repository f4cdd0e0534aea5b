-- The hours and points ledger: append-only, every entry with its reason.
-- A confirmed activity adds each member's verified minutes; nothing is
-- ever changed or taken out (a correction is another entry).
ALTER TABLE volunteer_activities ADD COLUMN confirmed_at {{timestamp}};
ALTER TABLE volunteer_activities ADD COLUMN confirmed_by TEXT NOT NULL DEFAULT '';
CREATE TABLE volunteer_ledger (
	id {{pk}},
	user_id BIGINT NOT NULL,
	user_name TEXT NOT NULL,
	community_code TEXT NOT NULL REFERENCES territory_regions (code),
	activity_id BIGINT REFERENCES volunteer_activities (id),
	minutes INTEGER NOT NULL,
	points DOUBLE PRECISION NOT NULL,
	reason TEXT NOT NULL,
	at {{timestamp}} NOT NULL,
	recorded_by TEXT NOT NULL,
	UNIQUE (activity_id, user_id)
);
CREATE INDEX volunteer_ledger_user ON volunteer_ledger (user_id, at);
