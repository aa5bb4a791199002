-- system.information_schema.model_lineage: the datasets each visible model version was trained or
-- evaluated on (from mlflow.log_input on the run it was registered from).
CREATE OR REPLACE TEMP VIEW sys__information_schema__model_lineage AS
SELECT o.catalog_name, o.schema_name, o.model_name, o.full_name, l.version,
       l.name AS dataset_name, l.source_type AS dataset_source_type, l.source AS dataset_source,
       l.digest AS dataset_digest, l.context
FROM ucsql_model_version_lineage AS l
JOIN ucsql_catalog_objects() AS o ON o.securable_id = l.model_id
WHERE l.model_id IN (SELECT securable_id FROM ucsql_visible_now);
