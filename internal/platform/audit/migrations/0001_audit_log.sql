CREATE TABLE audit_log (
	id {{pk}},
	at {{timestamp}} NOT NULL,
	actor_id BIGINT,
	actor_name TEXT NOT NULL,
	actor_role TEXT NOT NULL,
	actor_scope TEXT NOT NULL,
	action TEXT NOT NULL,
	object_type TEXT NOT NULL,
	object_id TEXT NOT NULL,
	region_code TEXT NOT NULL,
	before_json TEXT,
	after_json TEXT,
	detail_json TEXT,
	client_ip TEXT NOT NULL,
	request_id TEXT NOT NULL
);
CREATE INDEX audit_log_region ON audit_log (region_code, id);
CREATE INDEX audit_log_object ON audit_log (object_type, object_id, id);
CREATE INDEX audit_log_actor ON audit_log (actor_name, id);
CREATE INDEX audit_log_at ON audit_log (at);
