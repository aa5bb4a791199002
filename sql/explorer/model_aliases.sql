-- The aliases of one model and the versions they point to.
SELECT alias, version
FROM system.information_schema.model_aliases
WHERE full_name = $model
ORDER BY alias
