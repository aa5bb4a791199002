-- system.information_schema.catalog_privileges: grants that apply to the catalogs the caller may see,
-- direct or inherited (inherited_from names the kind of the ancestor it was granted on), limited
-- to grants the caller holds (itself or through a group) unless it may manage the object.
CREATE OR REPLACE TEMP VIEW sys__information_schema__catalog_privileges AS
SELECT
    g.granted_by AS grantor,
    p.name AS grantee,
    o.catalog_name,
    g.privilege AS privilege_type,
    'NO' AS is_grantable,
    CASE WHEN g.inherited THEN granted_on.kind ELSE 'NONE' END AS inherited_from
FROM ucsql_grants_on(NULL, true) AS g
JOIN ucsql_catalog_objects() AS o ON o.securable_id = g.securable_id
JOIN ucsql_principal AS p ON p.principal_id = g.principal_id
JOIN ucsql_securable AS granted_on ON granted_on.securable_id = g.granted_on_id
WHERE o.kind = 'CATALOG'
  AND g.securable_id IN (SELECT securable_id FROM ucsql_visible_now)
  AND (g.principal_id IN (SELECT principal_id FROM ucsql_principal_closure(getvariable('ucsql_principal')))
       OR g.securable_id IN (SELECT securable_id
                             FROM ucsql_authorize(getvariable('ucsql_principal'), NULL, 'MANAGE')
                             WHERE allowed));
