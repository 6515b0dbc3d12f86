-- The same version as SQLite's, which writes the answers' CHECKs without
-- `IN` lists (SQLite builds a temporary b-tree for each list a row is
-- checked against). PostgreSQL checks a list in place: nothing changes
-- here.
SELECT 1;
