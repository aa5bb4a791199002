-- Which grants bear on a securable, directly or inherited (for SHOW GRANTS ON and the
-- *_privileges views)? Grants made on the securable itself, and grants made on its CATALOG or
-- SCHEMA: when applicable_only, only those whose privilege applies to the securable's kind
-- (ucsql_privilege_applicability), as information_schema shows them; otherwise all of them,
-- USE_CATALOG and USE_SCHEMA included, as SHOW GRANTS shows them (they gate access to it).
-- ALL_PRIVILEGES is shown as granted, not expanded. Grants on the METASTORE apply to it only.
--
-- target_id: a securable, or NULL for every securable.
-- Columns: securable_id, principal_id (the grantee), privilege, granted_on_id, granted_by,
-- granted_at, inherited (false for a grant made on the securable itself).
CREATE OR REPLACE TEMP MACRO ucsql_grants_on(target_id, applicable_only) AS TABLE
SELECT
    a.securable_id,
    g.principal_id,
    g.privilege,
    g.securable_id AS granted_on_id,
    g.granted_by,
    g.granted_at,
    a.depth > 0 AS inherited
FROM ucsql_securable_ancestry(target_id) AS a
JOIN ucsql_grant AS g ON g.securable_id = a.ancestor_id
JOIN ucsql_securable AS s ON s.securable_id = a.securable_id
WHERE a.depth = 0
   OR (a.ancestor_kind IN ('CATALOG', 'SCHEMA')
       AND (NOT applicable_only
            OR g.privilege = 'ALL_PRIVILEGES'
            OR g.privilege IN (SELECT privilege FROM ucsql_privilege_applicability()
                               WHERE securable_kind = s.kind)));
