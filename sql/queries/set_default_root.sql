-- Tells this cursor where the default storage root is (the folder beside the metastore file),
-- for the views and queries that turn a recorded relative location into a path
-- (ucsql_location_path in sql/session).
SET VARIABLE ucsql_default_root = $default_root;
