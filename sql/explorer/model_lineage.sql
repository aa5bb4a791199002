-- The datasets each version of one model was trained or evaluated on.
SELECT version, dataset_name, dataset_source_type, dataset_source, dataset_digest, context
FROM system.information_schema.model_lineage
WHERE full_name = $model
ORDER BY version, dataset_name
