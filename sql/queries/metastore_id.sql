-- The metastore's id (the name its storage roots' markers carry).
SELECT metastore_id::VARCHAR AS metastore_id FROM ucsql_metastore;
