-- Revokes $privilege on $securable_id from the principal named $principal. Only that exact grant
-- goes: REVOKE ALL PRIVILEGES removes the ALL_PRIVILEGES grant, not the others.
DELETE FROM ucsql_grant
WHERE securable_id = $securable_id AND privilege = $privilege
  AND principal_id IN (SELECT principal_id FROM ucsql_principal WHERE name = $principal);
