-- Has principal $name used the metastore without being recorded? True when it has run a
-- statement (the audit log has a row of it: it connected) since DROP USER last dropped it.
-- A GRANT, ALTER GROUP ... ADD USER or OWNER TO may then name it, and records it as a user;
-- a name never seen is refused as unknown (a typo, or a user to create with CREATE USER).
SELECT EXISTS (
    SELECT 1 FROM ucsql_audit
    WHERE principal = $name
      AND audit_id > coalesce((SELECT max(audit_id) FROM ucsql_audit
                               WHERE action = 'DROP_USER' AND securable_kind = 'USER'
                                 AND securable_name = $name AND result = 'ALLOWED'), 0)
) AS seen;
