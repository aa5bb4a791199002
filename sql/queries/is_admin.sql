-- Is $principal the metastore admin (the metastore's owner, directly or through a group)?
SELECT EXISTS (
    SELECT 1 FROM ucsql_securable AS s
    WHERE s.kind = 'METASTORE'
      AND s.owner_id IN (SELECT principal_id FROM ucsql_principal_closure($principal))
) AS is_admin;
