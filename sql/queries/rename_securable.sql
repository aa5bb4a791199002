-- Renames $securable_id to $name (the last name part); ids, grants, tags and files stay.
UPDATE ucsql_securable SET name = $name, updated_at = current_timestamp, updated_by = $by
WHERE securable_id = $securable_id;
