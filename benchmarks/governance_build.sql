-- The governance setting, written straight into the metastore tables in a few set-based
-- statements (a benchmark fixture: built statement by statement through the engine, 10k groups
-- and 100k grants take half an hour; this takes seconds). The shape is the one the module
-- docstring of benchmarks/governance.py describes:
--   * groups nest_0 > nest_1 > ... > nest_{$levels-1} > $user, and nest_4 inside a tree group;
--   * $tree groups g00000.. in a tree of fan-out 10 (g_i's parent is g_((i-1)//10)), three users
--     in every tenth group;
--   * $cats catalogs c<i>, $schemas schemas s<j> in each, $per models m<kkk> in each schema;
--   * EXECUTE, APPLY_TAG, CREATE_MODEL_VERSION on every model to $k_model tree groups;
--     USE_SCHEMA, CREATE_MODEL, MANAGE on every schema to $k_schema; USE_CATALOG, BROWSE on every
--     catalog to $k_catalog (distinct groups, spread by a fixed stride);
--   * the nested principal's own access through nest_0: USE_CATALOG and USE_SCHEMA on half the
--     catalogs, EXECUTE on half their schemas, MANAGE on c0.s0.
-- $admin owns everything (it created the metastore). Both epochs are bumped at the end.
INSERT INTO ucsql_principal (name, kind, created_at, created_by)
SELECT name, kind, current_timestamp, $admin FROM (
    SELECT 'nest_' || i AS name, 'GROUP' AS kind FROM range($levels) AS t(i)
    UNION ALL SELECT printf('g%05d', i), 'GROUP' FROM range($tree) AS t(i)
    UNION ALL SELECT printf('u%d_%d@example.com', p, k), 'USER'
              FROM range(0, $tree, 10) AS a(p), range(3) AS b(k)
    UNION ALL SELECT $user, 'USER'
) AS p;

INSERT INTO ucsql_group_member (group_id, member_id, added_at, added_by)
SELECT g.principal_id, m.principal_id, current_timestamp, $admin
FROM (
    SELECT printf('g%05d', (i - 1) // 10) AS parent, printf('g%05d', i) AS child
    FROM range(1, $tree) AS t(i)
    UNION ALL SELECT printf('g%05d', p), printf('u%d_%d@example.com', p, k)
              FROM range(0, $tree, 10) AS a(p), range(3) AS b(k)
    UNION ALL SELECT 'nest_' || i, 'nest_' || (i + 1) FROM range($levels - 1) AS t(i)
    UNION ALL SELECT 'nest_' || ($levels - 1), $user
    UNION ALL SELECT printf('g%05d', $tree // 2), 'nest_4'
) AS e
JOIN ucsql_principal AS g ON g.name = e.parent
JOIN ucsql_principal AS m ON m.name = e.child;

INSERT INTO ucsql_securable (kind, parent_id, name, owner_id, created_at, created_by, updated_at,
                             updated_by)
SELECT 'CATALOG', m.securable_id, 'c' || c, m.owner_id, current_timestamp, $admin,
       current_timestamp, $admin
FROM ucsql_securable AS m, range($cats) AS t(c)
WHERE m.kind = 'METASTORE';

INSERT INTO ucsql_securable (kind, parent_id, name, owner_id, created_at, created_by, updated_at,
                             updated_by)
SELECT 'SCHEMA', c.securable_id, 's' || s, c.owner_id, current_timestamp, $admin,
       current_timestamp, $admin
FROM ucsql_securable AS c, range($schemas) AS t(s)
WHERE c.kind = 'CATALOG' AND c.name <> 'main';

INSERT INTO ucsql_securable (kind, parent_id, name, owner_id, next_version, created_at,
                             created_by, updated_at, updated_by)
SELECT 'MODEL', s.securable_id, printf('m%03d', k), s.owner_id, 1, current_timestamp, $admin,
       current_timestamp, $admin
FROM ucsql_securable AS s
JOIN ucsql_securable AS c ON c.securable_id = s.parent_id AND c.name <> 'main',
     range($per) AS t(k)
WHERE s.kind = 'SCHEMA';

INSERT INTO ucsql_grant (securable_id, principal_id, privilege, granted_at, granted_by)
SELECT x.securable_id, g.principal_id, p.privilege, current_timestamp, $admin
FROM (
    SELECT securable_id, kind, row_number() OVER (ORDER BY securable_id) AS n
    FROM ucsql_securable
    WHERE kind <> 'METASTORE' AND name NOT IN ('main', 'default')
) AS x
JOIN (VALUES ('MODEL', 'EXECUTE'), ('MODEL', 'APPLY_TAG'), ('MODEL', 'CREATE_MODEL_VERSION'),
             ('SCHEMA', 'USE_SCHEMA'), ('SCHEMA', 'CREATE_MODEL'), ('SCHEMA', 'MANAGE'),
             ('CATALOG', 'USE_CATALOG'), ('CATALOG', 'BROWSE')) AS p(kind, privilege)
  ON p.kind = x.kind
JOIN (SELECT 'MODEL' AS kind, $k_model AS k UNION ALL SELECT 'SCHEMA', $k_schema
      UNION ALL SELECT 'CATALOG', $k_catalog) AS many ON many.kind = x.kind
JOIN range($tree) AS j(j) ON j.j < many.k
JOIN ucsql_principal AS g
  ON g.name = printf('g%05d', (x.n * 7919 + j.j * ($tree // many.k)) % $tree);

INSERT INTO ucsql_grant (securable_id, principal_id, privilege, granted_at, granted_by)
SELECT s.securable_id, n.principal_id, p.privilege, current_timestamp, $admin
FROM (
    SELECT c.securable_id, priv.privilege
    FROM ucsql_securable AS c, (VALUES ('USE_CATALOG'), ('USE_SCHEMA')) AS priv(privilege)
    WHERE c.kind = 'CATALOG' AND c.name LIKE 'c%'
      AND CAST(substr(c.name, 2) AS INTEGER) < greatest(1, $cats // 2)
    UNION ALL
    SELECT s.securable_id, 'EXECUTE'
    FROM ucsql_securable AS s JOIN ucsql_securable AS c ON c.securable_id = s.parent_id
    WHERE s.kind = 'SCHEMA' AND c.name LIKE 'c%' AND c.name <> 'main'
      AND CAST(substr(c.name, 2) AS INTEGER) < greatest(1, $cats // 2)
      AND CAST(substr(s.name, 2) AS INTEGER) < greatest(1, $schemas // 2)
    UNION ALL
    SELECT s.securable_id, 'MANAGE'
    FROM ucsql_securable AS s JOIN ucsql_securable AS c ON c.securable_id = s.parent_id
    WHERE s.kind = 'SCHEMA' AND s.name = 's0' AND c.name = 'c0'
) AS p(securable_id, privilege)
JOIN ucsql_securable AS s ON s.securable_id = p.securable_id
JOIN ucsql_principal AS n ON n.name = 'nest_0';

UPDATE ucsql_epoch SET value = value + 1;
