-- Takes the next $count version numbers of model $model_id at once (a bulk import); returns the
-- new counter, so the numbers taken are next_version - $count .. next_version - 1. As in
-- allocate_version.sql, numbers are never reused.
UPDATE ucsql_securable SET next_version = next_version + $count
WHERE securable_id = $model_id
RETURNING next_version;
