-- Can $privilege be granted on a securable of $kind?
SELECT EXISTS (SELECT 1 FROM ucsql_privilege_applicability()
               WHERE privilege = $privilege AND securable_kind = $kind) AS applies;
