-- What the caller of the current statement may see: ucsql_visible(principal), kept in a table of
-- this cursor (sql/queries/refresh_visible.sql fills it). The system views, SHOW lists and the
-- MLflow search filter on it instead of evaluating the policy for every securable inside each
-- query; the engine refills it only when the caller or an epoch (migration 0003) changed.
-- shows_location: the caller may also see where the securable's files are (SEE_LOCATION: it
-- may load the model, or is the admin); NULL, which shows no location, until a statement that
-- shows locations has it decided (sql/queries/refresh_visible_locations.sql).
CREATE OR REPLACE TEMP TABLE ucsql_visible_now (
    securable_id   BIGINT PRIMARY KEY,
    shows_location BOOLEAN
);
