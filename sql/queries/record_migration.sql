-- Records that migration $version ($description, the file name) has been applied.
INSERT INTO ucsql_schema_version VALUES ($version, $description, current_timestamp);
