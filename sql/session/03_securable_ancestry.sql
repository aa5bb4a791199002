-- For each securable (or only target_id when it is not NULL): itself and every ancestor up to
-- the metastore, with the distance. A model's rows are (model, 0), (schema, 1), (catalog, 2),
-- (metastore, 3).
--
-- target_id: a ucsql_securable.securable_id, or NULL for every securable.
CREATE OR REPLACE TEMP MACRO ucsql_securable_ancestry(target_id) AS TABLE
WITH RECURSIVE up(securable_id, ancestor_id, depth) AS (
    SELECT securable_id, securable_id, 0
    FROM ucsql_securable
    WHERE target_id IS NULL OR securable_id = target_id
  UNION ALL
    SELECT up.securable_id, s.parent_id, up.depth + 1
    FROM up
    JOIN ucsql_securable AS s ON s.securable_id = up.ancestor_id
    WHERE s.parent_id IS NOT NULL
)
SELECT up.securable_id, up.ancestor_id, a.kind AS ancestor_kind, up.depth
FROM up
JOIN ucsql_securable AS a ON a.securable_id = up.ancestor_id;
