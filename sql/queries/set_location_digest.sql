-- Records $content_digest for every version whose files are in $storage_location.
UPDATE ucsql_model_version SET content_digest = $content_digest
WHERE storage_location = $storage_location;
