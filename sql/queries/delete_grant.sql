-- Revokes $privilege on $securable_id from the principal named $principal. Only that exact grant
-- goes: REVOKE ALL PRIVILEGES removes the ALL_PRIVILEGES grant, not the others. Returns the
-- privilege if the grant existed (no row: nothing changed).
-- First, bump the policy epoch if this changes anything: answers cached at the old one no
-- longer hold (migration 0003). A statement that changes nothing leaves the epoch alone.
UPDATE ucsql_epoch SET value = value + 1 WHERE name = 'policy'
  AND EXISTS (SELECT 1 FROM ucsql_grant WHERE securable_id = $securable_id AND privilege = $privilege
      AND principal_id IN (SELECT principal_id FROM ucsql_principal WHERE name = $principal));
DELETE FROM ucsql_grant
WHERE securable_id = $securable_id AND privilege = $privilege
  AND principal_id IN (SELECT principal_id FROM ucsql_principal WHERE name = $principal)
RETURNING privilege;
