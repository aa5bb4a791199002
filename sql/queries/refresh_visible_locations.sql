-- Of the securables in this cursor's ucsql_visible_now (filled for $principal by
-- sql/queries/refresh_visible.sql), which may $principal see the storage location of?
-- (SEE_LOCATION: it may load the model, or is the admin.)
UPDATE ucsql_visible_now
SET shows_location = securable_id IN (
    SELECT securable_id FROM ucsql_authorize($principal, NULL, 'SEE_LOCATION') WHERE allowed);
