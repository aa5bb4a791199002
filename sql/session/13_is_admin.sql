-- Is principal_name the metastore admin (the metastore's owner, directly or through a group)?
-- For views that show the admin more (system.registry.*); the same rule as
-- sql/queries/is_admin.sql. Columns: is_admin.
CREATE OR REPLACE TEMP MACRO ucsql_is_admin(principal_name) AS TABLE
SELECT EXISTS (
    SELECT 1 FROM ucsql_securable AS s
    WHERE s.kind = 'METASTORE'
      AND s.owner_id IN (SELECT principal_id FROM ucsql_principal_closure(principal_name))
) AS is_admin;
