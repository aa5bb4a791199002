-- Makes $owner_id the owner of $securable_id; $by made the change.
-- First, bump the policy epoch if this changes anything: answers cached at the old one no
-- longer hold (migration 0003). A statement that changes nothing leaves the epoch alone.
UPDATE ucsql_epoch SET value = value + 1 WHERE name = 'policy'
  AND EXISTS (SELECT 1 FROM ucsql_securable WHERE securable_id = $securable_id
                     AND owner_id IS DISTINCT FROM $owner_id);
UPDATE ucsql_securable SET owner_id = $owner_id, updated_at = current_timestamp, updated_by = $by
WHERE securable_id = $securable_id;
