-- The tags of one model.
SELECT tag_name, tag_value
FROM system.information_schema.model_tags
WHERE full_name = $model
ORDER BY tag_name
