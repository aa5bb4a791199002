-- Which securables does a dotted name denote? Each level is looked up under the one above it;
-- a missing level (and everything under it) comes back NULL, so the caller can say which part
-- of the name does not exist.
-- $catalog, $schema, $model: lower-case name parts, NULL for levels not asked.
SELECT
    ms.securable_id AS metastore_id,
    c.securable_id AS catalog_id,
    s.securable_id AS schema_id,
    m.securable_id AS model_id
FROM ucsql_securable AS ms
LEFT JOIN ucsql_securable AS c ON c.parent_id = ms.securable_id AND c.name = $catalog
LEFT JOIN ucsql_securable AS s ON s.parent_id = c.securable_id AND s.name = $schema
LEFT JOIN ucsql_securable AS m ON m.parent_id = s.securable_id AND m.name = $model
WHERE ms.kind = 'METASTORE';
