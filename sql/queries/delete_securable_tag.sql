-- Removes tag $key from $securable_id (nothing if absent).
DELETE FROM ucsql_securable_tag WHERE securable_id = $securable_id AND key = $key;
