-- Takes the next version number of model $model_id. Numbers are never reused: the counter lives
-- on the model row and only grows, even when versions are dropped.
UPDATE ucsql_securable SET next_version = next_version + 1
WHERE securable_id = $model_id
RETURNING next_version - 1 AS version;
