-- Renames $securable_id to $name (the last name part); ids, grants, tags and files stay.
-- First, bump the names epoch: answers cached at the old one no longer hold (migration 0003).
UPDATE ucsql_epoch SET value = value + 1 WHERE name = 'names';
UPDATE ucsql_securable SET name = $name, updated_at = current_timestamp, updated_by = $by
WHERE securable_id = $securable_id;
