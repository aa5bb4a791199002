-- Which schema version is this metastore file at? (Run only when ucsql_schema_version exists.)
SELECT max(version) AS version FROM ucsql_schema_version;
