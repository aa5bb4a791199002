-- Every securable's id, as one list (to check that decisions made in bulk cover them all).
SELECT list(securable_id) AS securable_ids FROM ucsql_securable;
