-- How many tags does $securable_id carry?
SELECT count(*) AS n FROM ucsql_securable_tag WHERE securable_id = $securable_id;
