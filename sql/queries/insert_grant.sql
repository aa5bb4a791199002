-- Grants $privilege on $securable_id to $principal_id ($by is the grantor); granting again is a no-op.
INSERT INTO ucsql_grant (securable_id, principal_id, privilege, granted_at, granted_by)
VALUES ($securable_id, $principal_id, $privilege, current_timestamp, $by)
ON CONFLICT DO NOTHING;
