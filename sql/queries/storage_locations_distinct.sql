-- Every folder of model files that a READY version names, once each (a backup copies them;
-- a pending version's upload folder is not copied: it holds no registered files yet).
SELECT DISTINCT storage_location FROM ucsql_model_version
WHERE storage_location IS NOT NULL AND status = 'READY' ORDER BY 1;
