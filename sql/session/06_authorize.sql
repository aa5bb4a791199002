-- May principal_name perform operation_name on a securable, and if not, what is missing?
-- This is the operation table of privileges.md, written as data, and the only place where the
-- engine's allow/deny decisions are made; lists and system views use it too (operation
-- READ_METADATA), so what a principal may see and what it may do never disagree.
--
-- Policy:
--   * An operation is allowed when one of its alternatives holds, and, if that alternative is
--     gated, the gates hold. An alternative holds when every one of its terms does.
--   * A term (privilege, level) holds when ucsql_effective_privileges lists that privilege on the
--     target's ancestor of kind `level` (SELF is the target itself). OWNER on the METASTORE is
--     the metastore admin. Owners already hold MANAGE and every other privilege of their object.
--   * Gates (privileges.md, "Gates"): on or inside catalog c, USE_CATALOG on c; on or inside
--     schema c.s, also USE_SCHEMA on c.s, which owning c also gives. The admin passes every gate.
--     BROWSE on the catalog shows metadata without the gates (an ungated alternative).
--   * The admin may do every management operation (the OWNER/METASTORE alternatives below) but,
--     like everyone, needs EXECUTE to load a model, APPLY_TAG to tag and CREATE_MODEL_VERSION to
--     add versions.
--
-- principal_name: the caller. target_id: the securable, or NULL for every securable (lists).
-- operation_name: one of the operations below.
-- Columns: securable_id, allowed, gates_ok, missing (list of {privilege, on_id}: the failed gate,
-- else the unmet terms of alternative 1, i.e. what to grant on which securable), matched (the
-- terms of the alternative that allowed it: the answer to "why").
CREATE OR REPLACE TEMP MACRO ucsql_authorize(principal_name, target_id, operation_name) AS TABLE
WITH
requirement(operation, alternative, privilege, level, gated) AS (VALUES
    ('CREATE_CATALOG',       1, 'CREATE_CATALOG',       'METASTORE', false),
    ('CREATE_CATALOG',       2, 'OWNER',                'METASTORE', false),
    ('CREATE_SCHEMA',        1, 'CREATE_SCHEMA',        'CATALOG',   true),
    ('CREATE_SCHEMA',        2, 'OWNER',                'METASTORE', true),
    ('CREATE_MODEL',         1, 'CREATE_MODEL',         'SCHEMA',    true),
    ('CREATE_MODEL',         2, 'CREATE_FUNCTION',      'SCHEMA',    true),
    ('CREATE_MODEL',         3, 'OWNER',                'METASTORE', true),
    ('CREATE_MODEL_VERSION', 1, 'CREATE_MODEL_VERSION', 'MODEL',     true),
    ('EXECUTE',              1, 'EXECUTE',              'MODEL',     true),
    ('APPLY_TAG',            1, 'APPLY_TAG',            'SELF',      true),
    -- aliases: owner of the model or MANAGE
    ('MANAGE_ALIAS',         1, 'MANAGE',               'MODEL',     true),
    ('MANAGE_ALIAS',         2, 'OWNER',                'METASTORE', true),
    -- rename: owner or MANAGE, and CREATE_MODEL on the schema; owners of the parents manage children
    ('RENAME',               1, 'MANAGE',               'MODEL',     true),
    ('RENAME',               1, 'CREATE_MODEL',         'SCHEMA',    true),
    ('RENAME',               2, 'MANAGE',               'MODEL',     true),
    ('RENAME',               2, 'CREATE_FUNCTION',      'SCHEMA',    true),
    ('RENAME',               3, 'OWNER',                'SCHEMA',    true),
    ('RENAME',               4, 'OWNER',                'CATALOG',   true),
    ('RENAME',               5, 'OWNER',                'METASTORE', true),
    -- drop, comment, grant/revoke, SHOW GRANTS, ownership transfer: owner (via MANAGE), MANAGE,
    -- owner of a parent, or admin
    ('MANAGE',               1, 'MANAGE',               'SELF',      true),
    ('MANAGE',               2, 'OWNER',                'SCHEMA',    true),
    ('MANAGE',               3, 'OWNER',                'CATALOG',   true),
    ('MANAGE',               4, 'OWNER',                'METASTORE', true),
    -- see a model and its versions
    ('READ_METADATA',        1, 'EXECUTE',              'MODEL',     true),
    ('READ_METADATA',        2, 'MANAGE',               'MODEL',     true),
    ('READ_METADATA',        3, 'OWNER',                'SCHEMA',    true),
    ('READ_METADATA',        4, 'OWNER',                'CATALOG',   true),
    ('READ_METADATA',        5, 'OWNER',                'METASTORE', true),
    ('READ_METADATA',        6, 'BROWSE',               'CATALOG',   false),
    -- see a catalog / a schema
    ('SEE_CATALOG',          1, 'USE_CATALOG',          'CATALOG',   false),
    ('SEE_CATALOG',          2, 'BROWSE',               'CATALOG',   false),
    ('SEE_CATALOG',          3, 'OWNER',                'METASTORE', false),
    ('SEE_SCHEMA',           1, 'USE_SCHEMA',           'SCHEMA',    true),
    ('SEE_SCHEMA',           2, 'OWNER',                'METASTORE', true),
    ('SEE_SCHEMA',           3, 'BROWSE',               'CATALOG',   false),
    -- groups, the audit log, the metastore itself
    ('ADMIN',                1, 'OWNER',                'METASTORE', false)
),
facts AS (
    SELECT DISTINCT securable_id, privilege
    FROM ucsql_effective_privileges(principal_name, target_id)
),
up AS (
    SELECT * FROM ucsql_securable_ancestry(target_id)
),
targets AS (
    SELECT securable_id FROM up WHERE depth = 0
),
admin AS (
    SELECT count(*) > 0 AS is_admin
    FROM facts AS f
    JOIN ucsql_securable AS s ON s.securable_id = f.securable_id
    WHERE s.kind = 'METASTORE' AND f.privilege = 'OWNER'
),
terms AS (
    SELECT
        t.securable_id,
        r.alternative,
        r.privilege,
        r.gated,
        a.ancestor_id AS on_id,
        EXISTS (SELECT 1 FROM facts AS f
                WHERE f.securable_id = a.ancestor_id AND f.privilege = r.privilege) AS held
    FROM targets AS t
    JOIN requirement AS r ON r.operation = operation_name
    LEFT JOIN up AS a
      ON a.securable_id = t.securable_id
     AND (a.ancestor_kind = r.level OR (r.level = 'SELF' AND a.depth = 0))
),
alternatives AS (
    SELECT securable_id, alternative, bool_and(held) AS holds, any_value(gated) AS gated
    FROM terms
    GROUP BY securable_id, alternative
),
gates AS (
    SELECT
        t.securable_id,
        c.ancestor_id AS catalog_id,
        s.ancestor_id AS schema_id,
        c.ancestor_id IS NULL
            OR EXISTS (SELECT 1 FROM facts AS f
                       WHERE f.securable_id = c.ancestor_id AND f.privilege = 'USE_CATALOG')
            AS catalog_ok,
        s.ancestor_id IS NULL
            OR EXISTS (SELECT 1 FROM facts AS f
                       WHERE (f.securable_id = s.ancestor_id AND f.privilege = 'USE_SCHEMA')
                          OR (f.securable_id = c.ancestor_id AND f.privilege = 'OWNER'))
            AS schema_ok
    FROM targets AS t
    LEFT JOIN up AS c ON c.securable_id = t.securable_id AND c.ancestor_kind = 'CATALOG'
    LEFT JOIN up AS s ON s.securable_id = t.securable_id AND s.ancestor_kind = 'SCHEMA'
),
decision AS (
    SELECT
        g.securable_id,
        (admin.is_admin OR (g.catalog_ok AND g.schema_ok)) AS gates_ok,
        min(a.alternative) FILTER (
            WHERE a.holds AND (NOT a.gated OR admin.is_admin OR (g.catalog_ok AND g.schema_ok))
        ) AS matched_alternative,
        any_value(g.catalog_ok) AS catalog_ok,
        any_value(g.catalog_id) AS catalog_id,
        any_value(g.schema_id) AS schema_id
    FROM gates AS g
    CROSS JOIN admin
    JOIN alternatives AS a ON a.securable_id = g.securable_id
    GROUP BY g.securable_id, admin.is_admin, g.catalog_ok, g.schema_ok
)
SELECT
    d.securable_id,
    d.matched_alternative IS NOT NULL AS allowed,
    d.gates_ok,
    CASE
        WHEN d.matched_alternative IS NOT NULL THEN []
        WHEN NOT d.gates_ok AND NOT d.catalog_ok THEN [{'privilege': 'USE_CATALOG', 'on_id': d.catalog_id}]
        WHEN NOT d.gates_ok THEN [{'privilege': 'USE_SCHEMA', 'on_id': d.schema_id}]
        ELSE (SELECT list({'privilege': t.privilege, 'on_id': t.on_id} ORDER BY t.privilege)
              FROM terms AS t
              WHERE t.securable_id = d.securable_id AND t.alternative = 1 AND NOT t.held)
    END AS missing,
    (SELECT list({'privilege': t.privilege, 'on_id': t.on_id} ORDER BY t.privilege)
     FROM terms AS t
     WHERE t.securable_id = d.securable_id AND t.alternative = d.matched_alternative) AS matched
FROM decision AS d;
