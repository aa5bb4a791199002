-- The kind, full dotted name and enclosing catalog/schema ids of one securable.
-- $securable_id: the securable.
SELECT kind, full_name, catalog_id, schema_id FROM ucsql_securable_names($securable_id);
