-- system.information_schema.catalog_tags: the tags of the catalogs the caller may see.
CREATE OR REPLACE TEMP VIEW sys__information_schema__catalog_tags AS
SELECT o.catalog_name, t.key AS tag_name, t.value AS tag_value
FROM ucsql_securable_tag AS t
JOIN ucsql_catalog_objects() AS o ON o.securable_id = t.securable_id
WHERE o.kind = 'CATALOG'
  AND t.securable_id IN (SELECT securable_id FROM ucsql_visible_now);
