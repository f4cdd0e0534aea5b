-- Name searches use LIKE '%…%' and initials LIKE '…%', which neither
-- engine answers from a plain b-tree here (SQLite's LIKE is case-folding);
-- the scope's region range narrows them instead. The two indexes only cost
-- writes: a bulk import was a fifth slower with them.
DROP INDEX registry_people_initials;
DROP INDEX registry_people_name;
