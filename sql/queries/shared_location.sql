-- Does another version still use the files in $storage_location? (Versions of one bulk import
-- share a copy; the files go only with the last of them.)
SELECT count(*) > 0 AS shared FROM ucsql_model_version WHERE storage_location = $storage_location;
