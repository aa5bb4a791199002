-- The file folders of every model version in or under $securable_id (to delete after a DROP).
SELECT v.storage_location
FROM ucsql_model_version AS v
WHERE v.model_id IN (SELECT securable_id FROM ucsql_securable_ancestry(NULL)
                     WHERE ancestor_id = $securable_id);
