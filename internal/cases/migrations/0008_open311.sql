-- Open311: the media a client linked (media_url, one per line, never
-- fetched by the server) and the reporter's first and last name as the
-- client sent them; reporter_name keeps the name in its script's order.
ALTER TABLE cases ADD COLUMN media_url TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN reporter_first TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN reporter_last TEXT NOT NULL DEFAULT '';

-- Status updates by time (Open311 servicerequestupdates).
CREATE INDEX case_events_at ON case_events(at, id);

-- Cases are found by the sender's own number (a 12345 work order) too.
CREATE INDEX cases_external_id ON cases(external_id);
