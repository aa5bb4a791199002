-- Deletes group $principal_id with its memberships (both ways) and the grants made to it.
DELETE FROM ucsql_group_member WHERE group_id = $principal_id OR member_id = $principal_id;
DELETE FROM ucsql_grant WHERE principal_id = $principal_id;
DELETE FROM ucsql_principal WHERE principal_id = $principal_id;
