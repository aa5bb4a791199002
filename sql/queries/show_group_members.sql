-- SHOW USERS IN GROUP: the direct members (users and groups) of group $group_id.
SELECT p.name AS member, p.kind
FROM ucsql_group_member AS m
JOIN ucsql_principal AS p ON p.principal_id = m.member_id
WHERE m.group_id = $group_id
ORDER BY p.kind DESC, p.name;
