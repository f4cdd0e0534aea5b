-- A timeline entry is public or internal. Public entries are what the
-- reporter and the public read: the status changes and the replies staff
-- write for the reporter; internal ones (notes, whistles, departments'
-- steps and scores, requests for time) only staff read. Entries written
-- before: the report and every change of status are public, the rest
-- internal.
ALTER TABLE case_events ADD COLUMN is_public {{bool}} NOT NULL DEFAULT FALSE;
UPDATE case_events SET is_public = TRUE WHERE from_status <> to_status OR action = 'report';

-- Self-handling (自行处置): a small problem a grid worker found and fixed on
-- the spot, closed at once without dispatch; counted apart in rankings.
ALTER TABLE cases ADD COLUMN self_handled {{bool}} NOT NULL DEFAULT FALSE;
CREATE INDEX cases_self_handled ON cases(id) WHERE self_handled = TRUE;

-- A whistle withdrawn, or one department called by it withdrawn (replaced
-- by another), with the reason: it no longer holds the case open.
ALTER TABLE case_whistles ADD COLUMN withdrawn_at {{timestamp}};
ALTER TABLE case_whistles ADD COLUMN withdraw_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE case_whistle_parties ADD COLUMN withdrawn_at {{timestamp}};
ALTER TABLE case_whistle_parties ADD COLUMN withdraw_reason TEXT NOT NULL DEFAULT '';

-- Rating links a closing after rework replaced: the old link still says
-- which case it was for and that it was used.
CREATE TABLE case_rate_tokens_used (
	token_hash TEXT PRIMARY KEY,
	case_id BIGINT NOT NULL REFERENCES cases(id),
	rated_at {{timestamp}},
	replaced_at {{timestamp}} NOT NULL
);
