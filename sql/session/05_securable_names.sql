-- The full dotted name of each securable (or only target_id when not NULL): `prod`,
-- `prod.ml_team`, `prod.ml_team.iris`; the metastore's own name for the metastore.
-- Columns: securable_id, kind, full_name, catalog_id, schema_id (NULL where not applicable).
CREATE OR REPLACE TEMP MACRO ucsql_securable_names(target_id) AS TABLE
SELECT
    a.securable_id,
    any_value(s.kind) AS kind,
    coalesce(
        string_agg(a_s.name, '.' ORDER BY a.depth DESC) FILTER (WHERE a.ancestor_kind <> 'METASTORE'),
        any_value(s.name)) AS full_name,
    max(a.ancestor_id) FILTER (WHERE a.ancestor_kind = 'CATALOG') AS catalog_id,
    max(a.ancestor_id) FILTER (WHERE a.ancestor_kind = 'SCHEMA') AS schema_id
FROM ucsql_securable_ancestry(target_id) AS a
JOIN ucsql_securable AS a_s ON a_s.securable_id = a.ancestor_id
JOIN ucsql_securable AS s ON s.securable_id = a.securable_id
GROUP BY a.securable_id;
