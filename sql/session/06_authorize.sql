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
--   * Some operations concern a second principal, the subject (subject_name): the new owner of
--     an ownership transfer, the principal whose grants SHOW GRANTS lists. The term SUBJECT
--     (level SELF) holds when the subject is the caller or a group that contains the caller
--     (ucsql_principal_closure, `account users` included): a non-admin may transfer only to
--     itself or its group, and anyone may list the grants of itself or its group.
--
-- principal_name: the caller. target_id: the securable, or NULL for every securable (lists).
-- operation_name: one of the operations below, or SEE: may the caller see the securable at all
-- (SEE_CATALOG for a catalog, SEE_SCHEMA for a schema, READ_METADATA for a model), which lets
-- lists and views decide every securable in one pass; or KNOW: is the caller told that the
-- securable exists when it tries to create it again (CREATE answers "already exists" instead of
-- a refusal): SEE, or for a model also CREATE_MODEL_VERSION on it (register_model relies on it).
-- operation_name NULL decides every operation (SEE and KNOW included) in the same pass, one
-- row per securable and operation: what sql/queries/decisions_for_principal.sql keeps.
-- subject_name: the operation's subject (see above), NULL when it has none.
-- Columns: securable_id, operation, allowed, gates_ok, missing (list of {privilege, on_id}: the failed gate,
-- else the unmet terms of alternative 1, i.e. what to grant on which securable), matched (the
-- terms of the alternative that allowed it: the answer to "why"); missing and matched only
-- when target_id is not NULL.
CREATE OR REPLACE TEMP MACRO ucsql_authorize(principal_name, target_id, operation_name,
                                             subject_name := NULL) AS TABLE
WITH
operation_table(operation, alternative, privilege, level, gated) AS (VALUES
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
    -- where a version's files are (its storage location): whoever may load it, and the admin
    ('SEE_LOCATION',         1, 'EXECUTE',              'MODEL',     true),
    ('SEE_LOCATION',         2, 'OWNER',                'METASTORE', false),
    -- choosing where files are written and what gc may delete (MANAGED LOCATION)
    ('CREATE_MANAGED_STORAGE', 1, 'CREATE_MANAGED_STORAGE', 'METASTORE', false),
    ('CREATE_MANAGED_STORAGE', 2, 'OWNER',              'METASTORE', false),
    -- ownership transfer (ALTER ... OWNER TO subject): who may manage the object, and, unless
    -- the admin, only to itself or a group it belongs to
    ('TRANSFER_OWNERSHIP',   1, 'MANAGE',               'SELF',      true),
    ('TRANSFER_OWNERSHIP',   1, 'SUBJECT',              'SELF',      true),
    ('TRANSFER_OWNERSHIP',   2, 'OWNER',                'SCHEMA',    true),
    ('TRANSFER_OWNERSHIP',   2, 'SUBJECT',              'SELF',      true),
    ('TRANSFER_OWNERSHIP',   3, 'OWNER',                'CATALOG',   true),
    ('TRANSFER_OWNERSHIP',   3, 'SUBJECT',              'SELF',      true),
    ('TRANSFER_OWNERSHIP',   4, 'OWNER',                'METASTORE', true),
    -- SHOW GRANTS [subject] ON the object: who may manage it, or anyone for its own grants
    ('SHOW_GRANTS',          1, 'MANAGE',               'SELF',      true),
    ('SHOW_GRANTS',          2, 'OWNER',                'SCHEMA',    true),
    ('SHOW_GRANTS',          3, 'OWNER',                'CATALOG',   true),
    ('SHOW_GRANTS',          4, 'OWNER',                'METASTORE', true),
    ('SHOW_GRANTS',          5, 'SUBJECT',              'SELF',      false),
    -- SHOW GRANTS TO subject (the target is the metastore): the admin, or its own grants
    ('SHOW_GRANTS_TO',       1, 'OWNER',                'METASTORE', false),
    ('SHOW_GRANTS_TO',       2, 'SUBJECT',              'SELF',      false),
    -- CREATE, SHOW and DROP TOKEN [FOR subject] (the target is the metastore): the admin, or
    -- a user for its own tokens
    ('MANAGE_TOKENS',        1, 'OWNER',                'METASTORE', false),
    ('MANAGE_TOKENS',        2, 'SUBJECT',              'SELF',      false),
    -- comments (ADD COMMENT needs READ_METADATA): edited by their author (the subject) only;
    -- deleted by the author or whoever may manage the model
    ('EDIT_COMMENT',         1, 'SUBJECT',              'SELF',      false),
    ('DELETE_COMMENT',       1, 'SUBJECT',              'SELF',      false),
    ('DELETE_COMMENT',       2, 'MANAGE',               'SELF',      true),
    ('DELETE_COMMENT',       3, 'OWNER',                'SCHEMA',    true),
    ('DELETE_COMMENT',       4, 'OWNER',                'CATALOG',   true),
    ('DELETE_COMMENT',       5, 'OWNER',                'METASTORE', true),
    -- alias requests (asking needs READ_METADATA; approving and rejecting, MANAGE_ALIAS, what
    -- setting the alias needs): cancelled by whoever asked (the subject) or may decide it
    ('CANCEL_ALIAS_REQUEST', 1, 'SUBJECT',              'SELF',      false),
    ('CANCEL_ALIAS_REQUEST', 2, 'MANAGE',               'MODEL',     true),
    ('CANCEL_ALIAS_REQUEST', 3, 'OWNER',                'METASTORE', true),
    -- webhooks on a model (CREATE, ALTER, DROP, TEST WEBHOOK ... ON MODEL, and which ones SHOW
    -- WEBHOOKS lists): who may manage the model, as the legacy registry's CAN MANAGE. Webhooks
    -- on every model are the admin's (ADMIN).
    ('MANAGE_WEBHOOK',       1, 'MANAGE',               'MODEL',     true),
    ('MANAGE_WEBHOOK',       2, 'OWNER',                'SCHEMA',    true),
    ('MANAGE_WEBHOOK',       3, 'OWNER',                'CATALOG',   true),
    ('MANAGE_WEBHOOK',       4, 'OWNER',                'METASTORE', true),
    -- groups, the audit log, the metastore itself, its files (gc, backup, check), webhooks on
    -- every model
    ('ADMIN',                1, 'OWNER',                'METASTORE', false)
),
requirement AS (
    SELECT operation, alternative, privilege, level, gated, NULL AS target_kind
    FROM operation_table
    WHERE operation_name IS NULL OR operation = operation_name
  UNION ALL
    SELECT composite.operation, alternative, privilege, level, gated,
           CASE t.operation WHEN 'SEE_CATALOG' THEN 'CATALOG' WHEN 'SEE_SCHEMA' THEN 'SCHEMA'
                            ELSE 'MODEL' END
    FROM operation_table AS t, (VALUES ('SEE'), ('KNOW')) AS composite(operation)
    WHERE (operation_name IS NULL OR composite.operation = operation_name)
      AND t.operation IN ('SEE_CATALOG', 'SEE_SCHEMA', 'READ_METADATA')
  UNION ALL
    -- KNOW also counts whoever may add versions to the model: they work with it by name.
    SELECT 'KNOW', 10 + alternative, privilege, level, gated, 'MODEL'
    FROM operation_table
    WHERE (operation_name IS NULL OR operation_name = 'KNOW')
      AND operation = 'CREATE_MODEL_VERSION'
),
up AS (
    SELECT * FROM ucsql_securable_ancestry(target_id)
),
caller_is_subject AS (
    SELECT subject_name IS NOT NULL
           AND (subject_name = principal_name
                OR EXISTS (SELECT 1 FROM ucsql_principal AS p
                           WHERE p.name = subject_name
                             AND p.principal_id IN (SELECT principal_id
                                                    FROM ucsql_principal_closure(principal_name))))
           AS holds
),
facts AS (
    SELECT DISTINCT securable_id, privilege
    FROM ucsql_effective_privileges(principal_name, target_id)
  UNION
    -- SUBJECT, on the target itself
    SELECT up.securable_id, 'SUBJECT'
    FROM up, caller_is_subject
    WHERE up.depth = 0 AND caller_is_subject.holds
),
targets AS (
    SELECT up.securable_id, s.kind
    FROM up
    JOIN ucsql_securable AS s ON s.securable_id = up.securable_id
    WHERE up.depth = 0
),
admin AS (
    SELECT count(*) > 0 AS is_admin
    FROM facts AS f
    JOIN ucsql_securable AS s ON s.securable_id = f.securable_id
    WHERE s.kind = 'METASTORE' AND f.privilege = 'OWNER'
),
-- Every term of every alternative, for every target, and whether the caller holds it.
terms AS (
    SELECT t.securable_id, r.operation, r.alternative, r.privilege, r.gated, a.ancestor_id AS on_id,
           f.securable_id IS NOT NULL AS held
    FROM targets AS t
    JOIN requirement AS r ON r.target_kind IS NULL OR r.target_kind = t.kind
    LEFT JOIN up AS a
      ON a.securable_id = t.securable_id
     AND (a.ancestor_kind = r.level OR (r.level = 'SELF' AND a.depth = 0))
    LEFT JOIN facts AS f ON f.securable_id = a.ancestor_id AND f.privilege = r.privilege
),
-- The terms are listed (for missing and matched) only for one target: over every securable
-- only allowed is asked for, and building the lists would cost most of the pass.
alternatives AS (
    SELECT securable_id, operation, alternative, bool_and(held) AS holds, any_value(gated) AS gated,
           list({'privilege': privilege, 'on_id': on_id} ORDER BY privilege)
               FILTER (WHERE target_id IS NOT NULL) AS terms,
           list({'privilege': privilege, 'on_id': on_id} ORDER BY privilege)
               FILTER (WHERE NOT held AND target_id IS NOT NULL) AS unmet
    FROM terms
    GROUP BY securable_id, operation, alternative
),
gates AS (
    SELECT
        t.securable_id,
        c.ancestor_id AS catalog_id,
        s.ancestor_id AS schema_id,
        c.ancestor_id IS NULL OR bool_or(f.privilege = 'USE_CATALOG' AND f.securable_id = c.ancestor_id)
            AS catalog_ok,
        s.ancestor_id IS NULL
            OR bool_or((f.privilege = 'USE_SCHEMA' AND f.securable_id = s.ancestor_id)
                       OR (f.privilege = 'OWNER' AND f.securable_id = c.ancestor_id))
            AS schema_ok
    FROM targets AS t
    LEFT JOIN up AS c ON c.securable_id = t.securable_id AND c.ancestor_kind = 'CATALOG'
    LEFT JOIN up AS s ON s.securable_id = t.securable_id AND s.ancestor_kind = 'SCHEMA'
    LEFT JOIN facts AS f ON f.securable_id IN (c.ancestor_id, s.ancestor_id)
    GROUP BY t.securable_id, c.ancestor_id, s.ancestor_id
),
decision AS (
    SELECT
        g.securable_id,
        a.operation,
        g.catalog_id,
        g.schema_id,
        coalesce(g.catalog_ok, false) AS catalog_ok,
        admin.is_admin OR (coalesce(g.catalog_ok, false) AND coalesce(g.schema_ok, false)) AS gates_ok,
        -- allowed is matched IS NOT NULL, computed without the lists: a query that asks only
        -- whether (sql/queries/decisions_for_principal.sql) never builds them.
        coalesce(bool_or(a.holds AND (NOT a.gated OR admin.is_admin
                                      OR (coalesce(g.catalog_ok, false)
                                          AND coalesce(g.schema_ok, false)))), false) AS allowed,
        arg_min(a.terms, a.alternative) FILTER (
            WHERE a.holds AND (NOT a.gated OR admin.is_admin
                               OR (coalesce(g.catalog_ok, false) AND coalesce(g.schema_ok, false)))
        ) AS matched,
        arg_min(a.unmet, a.alternative) AS first_unmet
    FROM gates AS g
    CROSS JOIN admin
    JOIN alternatives AS a ON a.securable_id = g.securable_id
    GROUP BY ALL
)
SELECT
    securable_id,
    operation,
    allowed,
    gates_ok,
    CASE
        WHEN allowed THEN []
        WHEN NOT gates_ok AND NOT catalog_ok THEN [{'privilege': 'USE_CATALOG', 'on_id': catalog_id}]
        WHEN NOT gates_ok THEN [{'privilege': 'USE_SCHEMA', 'on_id': schema_id}]
        ELSE first_unmet
    END AS missing,
    matched
FROM decision;
