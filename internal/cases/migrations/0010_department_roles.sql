-- Department roles: the catalogue names each class's handling department
-- by a role, part of a department's name (the shipped catalogue's
-- 城市管理局); a city maps a role to the name its own departments carry
-- (北京: 城市管理委员会), so that the department of that name in every
-- district matches. A role without a row matches by its own name.
CREATE TABLE case_department_roles (
	role TEXT PRIMARY KEY,
	department TEXT NOT NULL,
	updated_by TEXT NOT NULL,
	updated_at {{timestamp}} NOT NULL
);
