-- Catalogs, schemas and models with their names split out, the base of every listing and view.
-- Columns: securable_id, kind, catalog_name, schema_name, model_name (NULL above the level),
-- full_name, owner, comment, storage_root (its own MANAGED LOCATION, as recorded), files_root (where
-- the files of models in it go: the nearest MANAGED LOCATION of it or its parents; NULL: the
-- default root), created_at, created_by, updated_at, updated_by.
CREATE OR REPLACE TEMP MACRO ucsql_catalog_objects() AS TABLE
SELECT
    s.securable_id,
    s.kind,
    coalesce(c.name, sc_c.name, s.name) AS catalog_name,
    CASE s.kind WHEN 'SCHEMA' THEN s.name WHEN 'MODEL' THEN sc.name END AS schema_name,
    CASE s.kind WHEN 'MODEL' THEN s.name END AS model_name,
    concat_ws('.', coalesce(c.name, sc_c.name, s.name),
              CASE s.kind WHEN 'SCHEMA' THEN s.name WHEN 'MODEL' THEN sc.name END,
              CASE s.kind WHEN 'MODEL' THEN s.name END) AS full_name,
    o.name AS owner,
    s.comment,
    s.storage_root,
    CASE s.kind WHEN 'CATALOG' THEN s.storage_root
                WHEN 'SCHEMA' THEN coalesce(s.storage_root, c.storage_root)
                WHEN 'MODEL' THEN coalesce(sc.storage_root, sc_c.storage_root) END AS files_root,
    s.created_at, s.created_by, s.updated_at, s.updated_by
FROM ucsql_securable AS s
JOIN ucsql_principal AS o ON o.principal_id = s.owner_id
LEFT JOIN ucsql_securable AS c ON s.kind = 'SCHEMA' AND c.securable_id = s.parent_id
LEFT JOIN ucsql_securable AS sc ON s.kind = 'MODEL' AND sc.securable_id = s.parent_id
LEFT JOIN ucsql_securable AS sc_c ON s.kind = 'MODEL' AND sc_c.securable_id = sc.parent_id
WHERE s.kind IN ('CATALOG', 'SCHEMA', 'MODEL');
