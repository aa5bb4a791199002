-- Bootstraps a new metastore (privileges.md, "Securables"): the creator $admin becomes the
-- metastore admin; catalog `main` with schema `default` are owned by it; the built-in group
-- `account users` holds USE_CATALOG on main and USE_SCHEMA + CREATE_MODEL on main.default, so a
-- quickstart works with no GRANT at all.
--
-- $admin: the principal creating the metastore. $metastore_id: a new random UUID.
INSERT INTO ucsql_metastore VALUES ($metastore_id, current_timestamp, $admin);

INSERT INTO ucsql_principal (name, kind, created_at, created_by)
SELECT name, kind, current_timestamp, $admin
FROM (VALUES ('account users', 'GROUP'), ($admin, 'USER')) AS p(name, kind)
WHERE name <> 'account users' OR kind = 'GROUP';

INSERT INTO ucsql_securable (kind, parent_id, name, owner_id, comment, created_at, created_by, updated_at, updated_by)
SELECT 'METASTORE', NULL, 'metastore', principal_id, NULL, current_timestamp, $admin, current_timestamp, $admin
FROM ucsql_principal WHERE name = $admin;

INSERT INTO ucsql_securable (kind, parent_id, name, owner_id, comment, created_at, created_by, updated_at, updated_by)
SELECT 'CATALOG', m.securable_id, 'main', m.owner_id, 'Default catalog', current_timestamp, $admin, current_timestamp, $admin
FROM ucsql_securable AS m WHERE m.kind = 'METASTORE';

INSERT INTO ucsql_securable (kind, parent_id, name, owner_id, comment, created_at, created_by, updated_at, updated_by)
SELECT 'SCHEMA', c.securable_id, 'default', c.owner_id, 'Default schema', current_timestamp, $admin, current_timestamp, $admin
FROM ucsql_securable AS c WHERE c.kind = 'CATALOG' AND c.name = 'main';

INSERT INTO ucsql_grant (securable_id, principal_id, privilege, granted_at, granted_by)
SELECT s.securable_id, p.principal_id, g.privilege, current_timestamp, $admin
FROM (VALUES ('CATALOG', 'USE_CATALOG'), ('SCHEMA', 'USE_SCHEMA'), ('SCHEMA', 'CREATE_MODEL')) AS g(kind, privilege)
JOIN ucsql_securable AS s ON s.kind = g.kind AND s.name IN ('main', 'default')
JOIN ucsql_principal AS p ON p.name = 'account users';
