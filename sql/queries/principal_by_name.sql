-- The principal named $name: its id and kind (USER or GROUP), if recorded.
SELECT principal_id, kind FROM ucsql_principal WHERE name = $name;
