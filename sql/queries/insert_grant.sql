-- Grants $privilege on $securable_id to $principal_id ($by is the grantor); granting again is a no-op.
-- Returns the privilege if the grant is new (no row: it existed already).
-- First, bump the policy epoch if this changes anything: answers cached at the old one no
-- longer hold (migration 0003). A statement that changes nothing leaves the epoch alone.
UPDATE ucsql_epoch SET value = value + 1 WHERE name = 'policy'
  AND NOT EXISTS (SELECT 1 FROM ucsql_grant WHERE securable_id = $securable_id
                         AND principal_id = $principal_id AND privilege = $privilege);
INSERT INTO ucsql_grant (securable_id, principal_id, privilege, granted_at, granted_by)
VALUES ($securable_id, $principal_id, $privilege, current_timestamp, $by)
ON CONFLICT DO NOTHING
RETURNING privilege;
