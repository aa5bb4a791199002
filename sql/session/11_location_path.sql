-- The folder a recorded storage location names: a relative location is inside the default
-- storage root (the folder beside the metastore file, which this cursor's ucsql_default_root
-- variable holds, sql/queries/set_default_root.sql); an absolute one is itself. So a metastore
-- moved or copied together with its folder still finds every version's files.
CREATE OR REPLACE TEMP MACRO ucsql_location_path(recorded) AS
    CASE WHEN recorded IS NULL OR starts_with(recorded, '/') THEN recorded
         ELSE getvariable('ucsql_default_root') || '/' || recorded END;
