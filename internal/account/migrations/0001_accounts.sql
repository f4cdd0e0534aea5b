CREATE TABLE account_users (
	id {{pk}},
	username TEXT NOT NULL UNIQUE,
	display_name TEXT NOT NULL,
	role TEXT NOT NULL,
	region_code TEXT NOT NULL REFERENCES territory_regions (code),
	department_id BIGINT REFERENCES territory_departments (id),
	-- Personal data: AES-GCM sealed, with a keyed hash for exact search.
	phone_enc TEXT NOT NULL DEFAULT '',
	phone_hash TEXT NOT NULL DEFAULT '',
	phone_masked TEXT NOT NULL DEFAULT '',
	password_hash TEXT NOT NULL,
	password_changed_at {{timestamp}} NOT NULL,
	failed_logins INTEGER NOT NULL DEFAULT 0,
	locked_until {{timestamp}},
	disabled_at {{timestamp}},
	last_login_at {{timestamp}},
	created_at {{timestamp}} NOT NULL,
	updated_at {{timestamp}} NOT NULL,
	version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX account_users_region ON account_users (region_code, id);
CREATE INDEX account_users_phone ON account_users (phone_hash);

-- Server-side sessions; the cookie holds a random token, the table its hash.
CREATE TABLE account_sessions (
	token_hash TEXT PRIMARY KEY,
	user_id BIGINT NOT NULL REFERENCES account_users (id),
	created_at {{timestamp}} NOT NULL,
	last_seen_at {{timestamp}} NOT NULL,
	expires_at {{timestamp}} NOT NULL,
	client_ip TEXT NOT NULL,
	user_agent TEXT NOT NULL
);
CREATE INDEX account_sessions_user ON account_sessions (user_id);

-- API tokens for machine clients: shown once, stored hashed.
CREATE TABLE account_tokens (
	id {{pk}},
	user_id BIGINT NOT NULL REFERENCES account_users (id),
	name TEXT NOT NULL,
	prefix TEXT NOT NULL,
	token_hash TEXT NOT NULL UNIQUE,
	created_at {{timestamp}} NOT NULL,
	created_by BIGINT,
	last_used_at {{timestamp}},
	revoked_at {{timestamp}}
);
CREATE INDEX account_tokens_user ON account_tokens (user_id, id);
