-- system.information_schema.model_comments: the comments on the models the caller may see and
-- on their versions (version NULL: on the model itself).
CREATE OR REPLACE TEMP VIEW sys__information_schema__model_comments AS
SELECT o.catalog_name, o.schema_name, o.model_name, o.full_name, c.comment_id, c.version,
       c.author, c.body, c.created_at, c.updated_at
FROM ucsql_comment AS c
JOIN ucsql_catalog_objects() AS o ON o.securable_id = c.model_id
WHERE c.model_id IN (SELECT securable_id FROM ucsql_visible_now);
