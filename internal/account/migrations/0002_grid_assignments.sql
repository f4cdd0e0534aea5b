-- Which grid workers serve which grids. A grid worker serves one or more
-- grids of their community.
CREATE TABLE account_grid_assignments (
	grid_code TEXT NOT NULL REFERENCES territory_grids (code),
	user_id BIGINT NOT NULL REFERENCES account_users (id),
	assigned_at {{timestamp}} NOT NULL,
	PRIMARY KEY (grid_code, user_id)
);
CREATE INDEX account_grid_assignments_user ON account_grid_assignments (user_id);
