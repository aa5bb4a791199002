-- Removes tag $key from $securable_id (nothing if absent); returns the key if it was there.
DELETE FROM ucsql_securable_tag WHERE securable_id = $securable_id AND key = $key
RETURNING key;
