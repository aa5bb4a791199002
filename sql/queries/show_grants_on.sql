-- SHOW GRANTS [principal] ON x: grants on $securable_id and every grant on its schema and
-- catalog, the gates included (objectType/objectKey name where each was made), limited to grants held by $principal
-- itself or a group containing it when $principal is not NULL.
SELECT p.name AS principal,
       g.privilege AS actionType,
       CASE s.kind WHEN 'MODEL' THEN 'FUNCTION' ELSE s.kind END AS objectType,
       CASE s.kind WHEN 'METASTORE' THEN NULL ELSE n.full_name END AS objectKey
FROM ucsql_grants_on($securable_id, false) AS g
JOIN ucsql_principal AS p ON p.principal_id = g.principal_id
JOIN ucsql_securable AS s ON s.securable_id = g.granted_on_id
CROSS JOIN LATERAL (SELECT full_name FROM ucsql_securable_names(g.granted_on_id)) AS n
WHERE $principal IS NULL
   OR g.principal_id IN (SELECT principal_id FROM ucsql_principal_closure($principal))
ORDER BY g.inherited DESC, objectKey, principal, actionType;
