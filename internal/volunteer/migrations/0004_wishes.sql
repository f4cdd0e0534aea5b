-- Micro-wishes (微心愿): an item or a service for a named beneficiary who
-- has consented, posted by the community; a member claims one and, once
-- it is delivered, the beneficiary's one-time code (given to them when
-- the wish was posted, stored hashed) confirms it. The beneficiary's name
-- is sealed; lists show it masked.
CREATE TABLE volunteer_wishes (
	id {{pk}},
	community_code TEXT NOT NULL REFERENCES territory_regions (code),
	title TEXT NOT NULL,
	detail TEXT NOT NULL DEFAULT '',
	category TEXT NOT NULL,
	beneficiary_enc TEXT NOT NULL,
	beneficiary_masked TEXT NOT NULL,
	code_hash TEXT NOT NULL,
	status TEXT NOT NULL,
	posted_by TEXT NOT NULL,
	posted_at {{timestamp}} NOT NULL,
	claimed_by BIGINT,
	claimed_name TEXT NOT NULL DEFAULT '',
	claimed_at {{timestamp}},
	failed_codes INTEGER NOT NULL DEFAULT 0,
	done_at {{timestamp}}
);
CREATE INDEX volunteer_wishes_community ON volunteer_wishes (community_code, status, id);
