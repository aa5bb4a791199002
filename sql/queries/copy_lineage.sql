-- A copied version keeps the lineage of its source: copies the dataset inputs of version
-- $from_version of model $from_model_id to version $version of model $model_id.
INSERT INTO ucsql_model_version_lineage
SELECT $model_id, $version, position, name, digest, source_type, source, context
FROM ucsql_model_version_lineage
WHERE model_id = $from_model_id AND version = $from_version;
