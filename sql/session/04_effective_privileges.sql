-- What principal_name may do on a securable, and why: one row per (securable, privilege, reason).
--
-- Policy (privileges.md), applied in this order:
--   * A grant to the principal or to any group containing it (ucsql_principal_closure) counts.
--   * A grant on a securable counts on it and, when made on a CATALOG or SCHEMA, on every
--     descendant whose kind the privilege applies to (ucsql_privilege_applicability). Grants on
--     the METASTORE are not inherited.
--   * ALL_PRIVILEGES is expanded here, at check time, to every privilege that applies to the
--     securable's kind except MANAGE, so it covers privileges added in later versions.
--   * The owner (the principal or a group containing it) holds every privilege that applies to
--     the owned securable, MANAGE included, plus the pseudo-privilege OWNER. Ownership is not
--     inherited: owning a catalog does not give EXECUTE on its models.
--   * The owner of the METASTORE is the metastore admin: its OWNER row on the metastore is what
--     the checks call ADMIN.
--
-- target_id: the securable to resolve, with all its ancestors (so the checks can ask about the
-- enclosing schema and catalog); NULL resolves every securable (for the system views).
-- Columns: securable_id, privilege, source ('GRANT' or 'OWNER'), granted_on_id (where the grant
-- was made, or the owned securable), grantee_id (the user or group that holds it).
CREATE OR REPLACE TEMP MACRO ucsql_effective_privileges(principal_name, target_id) AS TABLE
WITH
me AS (
    SELECT principal_id FROM ucsql_principal_closure(principal_name)
),
up AS (
    SELECT * FROM ucsql_securable_ancestry(target_id)
),
-- The securables to resolve: the target and its ancestors, or everything.
resolved AS (
    SELECT DISTINCT ancestor_id AS securable_id FROM up
),
-- Each resolved securable with its own ancestors. For one target these are suffixes of the
-- target's chain, so the check never scans the whole tree.
chain AS (
    SELECT securable_id, ancestor_id, ancestor_kind, depth
    FROM up
    WHERE target_id IS NULL
  UNION ALL
    SELECT r.ancestor_id, a.ancestor_id, a.ancestor_kind, a.depth - r.depth
    FROM up AS r
    JOIN up AS a ON a.securable_id = r.securable_id AND a.depth >= r.depth
    WHERE target_id IS NOT NULL
),
granted AS (
    SELECT c.securable_id, g.privilege, g.securable_id AS granted_on_id, g.principal_id AS grantee_id
    FROM chain AS c
    JOIN ucsql_grant AS g ON g.securable_id = c.ancestor_id
    WHERE g.principal_id IN (SELECT principal_id FROM me)
      AND (c.depth = 0 OR c.ancestor_kind IN ('CATALOG', 'SCHEMA'))
),
granted_expanded AS (
    SELECT g.securable_id, ap.privilege, 'GRANT' AS source, g.granted_on_id, g.grantee_id
    FROM granted AS g
    JOIN ucsql_securable AS s ON s.securable_id = g.securable_id
    JOIN ucsql_privilege_applicability() AS ap
      ON ap.securable_kind = s.kind
     AND (ap.privilege = g.privilege
          OR (g.privilege = 'ALL_PRIVILEGES' AND ap.privilege NOT IN ('MANAGE', 'ALL_PRIVILEGES')))
),
owned AS (
    SELECT s.securable_id, s.kind, s.owner_id
    FROM ucsql_securable AS s
    WHERE s.securable_id IN (SELECT securable_id FROM resolved)
      AND s.owner_id IN (SELECT principal_id FROM me)
)
SELECT securable_id, privilege, source, granted_on_id, grantee_id FROM granted_expanded
UNION ALL
SELECT o.securable_id, ap.privilege, 'OWNER', o.securable_id, o.owner_id
FROM owned AS o
JOIN ucsql_privilege_applicability() AS ap ON ap.securable_kind = o.kind
WHERE ap.privilege <> 'ALL_PRIVILEGES'
UNION ALL
SELECT o.securable_id, 'OWNER', 'OWNER', o.securable_id, o.owner_id
FROM owned AS o;
