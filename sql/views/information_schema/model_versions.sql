-- system.information_schema.model_versions: every version of the models the caller may see,
-- with its aliases (a list) and tags (a map). The storage location (the folder of its files) is
-- shown only to whoever may load the version, and to the admin; to others it is NULL.
--
-- Shaped for speed, since every search and most analytics read it: aliases and tags are joined
-- from one aggregate each (not computed by a subquery per row), so a query that does not select
-- them skips them, and the tag map is built from two ordered lists, which DuckDB aggregates
-- several times faster than a list of (key, value) structs.
CREATE OR REPLACE TEMP VIEW sys__information_schema__model_versions AS
SELECT
    o.catalog_name,
    o.schema_name,
    o.model_name,
    o.full_name,
    v.version,
    v.source,
    v.run_id,
    v.run_link,
    v.logged_model_id,
    v.status,
    v.status_message,
    CASE WHEN vis.shows_location THEN ucsql_location_path(v.storage_location) END
        AS storage_location,
    v.content_digest,
    v.comment,
    coalesce(a.aliases, []) AS aliases,
    coalesce(t.tags, MAP {}) AS tags,
    v.created_at,
    v.created_by,
    v.updated_at,
    v.updated_by
FROM ucsql_model_version AS v
JOIN ucsql_visible_now AS vis ON vis.securable_id = v.model_id
JOIN ucsql_catalog_objects() AS o ON o.securable_id = v.model_id
LEFT JOIN (SELECT model_id, version, list(alias ORDER BY alias) AS aliases
           FROM ucsql_model_alias GROUP BY model_id, version) AS a
       ON a.model_id = v.model_id AND a.version = v.version
LEFT JOIN (SELECT model_id, version, map(list(key ORDER BY key), list(value ORDER BY key)) AS tags
           FROM ucsql_model_version_tag GROUP BY model_id, version) AS t
       ON t.model_id = v.model_id AND t.version = v.version;
