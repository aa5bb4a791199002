-- One model the caller may see.
SELECT full_name, catalog_name, schema_name, model_name, owner, comment, created_at, created_by,
       updated_at, updated_by
FROM system.information_schema.registered_models
WHERE full_name = $model
