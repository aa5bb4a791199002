-- The securable named $name directly inside $parent_id, if any.
SELECT securable_id, kind FROM ucsql_securable WHERE parent_id = $parent_id AND name = $name;
