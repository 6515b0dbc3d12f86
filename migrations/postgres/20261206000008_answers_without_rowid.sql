-- The same version as SQLite's, which makes its answers a WITHOUT ROWID
-- table (one b-tree page a written answer instead of two). PostgreSQL keeps
-- a table's rows apart from its indexes whatever one does: nothing changes
-- here.
SELECT 1;
