-- ucsql migrate: whether schema $catalog.$schema exists for the migrating principal (one row),
-- checked before anything is planned, so a typo in --into changes nothing.
SELECT catalog_name, schema_name
FROM system.information_schema.schemata
WHERE catalog_name = $catalog AND schema_name = $schema;
