-- Holiday arrangements loaded after the build: one row per year, the file
-- as given (from,to,kind,name). A stored year replaces the embedded one.
CREATE TABLE calendar_years (
	year INTEGER PRIMARY KEY,
	source TEXT NOT NULL,
	loaded_by TEXT NOT NULL,
	loaded_at {{timestamp}} NOT NULL
);
