-- Where do the files of models in $securable_id go? The nearest MANAGED LOCATION among it and
-- its ancestors (schema before catalog); NULL means the folder beside the metastore file.
SELECT s.storage_root
FROM ucsql_securable_ancestry($securable_id) AS a
JOIN ucsql_securable AS s ON s.securable_id = a.ancestor_id
WHERE s.storage_root IS NOT NULL
ORDER BY a.depth
LIMIT 1;
