-- Members signed up for an activity: up to its capacity, then a waiting
-- list that moves up when someone cancels (oldest first).
CREATE TABLE volunteer_signups (
	activity_id BIGINT NOT NULL REFERENCES volunteer_activities (id),
	user_id BIGINT NOT NULL,
	user_name TEXT NOT NULL,
	status TEXT NOT NULL,
	at {{timestamp}} NOT NULL,
	PRIMARY KEY (activity_id, user_id)
);
CREATE INDEX volunteer_signups_waiting ON volunteer_signups (activity_id, status, at);
