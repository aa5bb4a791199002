-- Chart: how many models each owner owns.
SELECT owner, count(*) AS models
FROM system.information_schema.registered_models
GROUP BY owner
ORDER BY models DESC, owner
LIMIT 20
