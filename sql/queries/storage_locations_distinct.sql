-- Every folder of model files that a version names, once each (a backup copies them).
SELECT DISTINCT storage_location FROM ucsql_model_version
WHERE storage_location IS NOT NULL ORDER BY 1;
