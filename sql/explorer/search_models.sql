-- Models whose name contains $text, or that carry a tag whose key (or key=value) is $text.
SELECT m.full_name, m.owner, m.comment
FROM system.information_schema.registered_models AS m
WHERE contains(lower(m.full_name), lower($text))
   OR EXISTS (SELECT 1 FROM system.information_schema.model_tags AS t
              WHERE t.full_name = m.full_name
                AND (t.tag_name = $text OR t.tag_name || '=' || coalesce(t.tag_value, '') = $text))
ORDER BY m.full_name
LIMIT 200
