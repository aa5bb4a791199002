-- Every MANAGED LOCATION set on a catalog or schema (the folder beside the metastore file is
-- the other place model files live): where garbage collection looks.
SELECT DISTINCT storage_root FROM ucsql_securable WHERE storage_root IS NOT NULL ORDER BY 1;
