-- SHOW GRANTS TO principal: every grant $principal holds, directly or through its groups.
SELECT p.name AS principal,
       g.privilege AS actionType,
       CASE s.kind WHEN 'MODEL' THEN 'FUNCTION' ELSE s.kind END AS objectType,
       CASE s.kind WHEN 'METASTORE' THEN NULL ELSE n.full_name END AS objectKey
FROM ucsql_grant AS g
JOIN ucsql_principal AS p ON p.principal_id = g.principal_id
JOIN ucsql_securable AS s ON s.securable_id = g.securable_id
CROSS JOIN LATERAL (SELECT full_name FROM ucsql_securable_names(g.securable_id)) AS n
WHERE g.principal_id IN (SELECT principal_id FROM ucsql_principal_closure($principal))
ORDER BY objectType, objectKey, principal, actionType;
