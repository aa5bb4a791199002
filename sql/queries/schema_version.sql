-- Which schema version is this metastore file at? Asked first on opening; where the table does
-- not exist (a new file, or not a metastore) sql/queries/database_tables.sql tells which.
SELECT max(version) AS version FROM ucsql_schema_version;
