-- Which tables does the opened database file hold? Tells a new file (none), a ucsql metastore
-- (ucsql_schema_version among them) and some other DuckDB database (refused).
SELECT table_name
FROM duckdb_tables()
WHERE database_name = current_database() AND NOT temporary
ORDER BY table_name;
