-- In a backup's copy of a metastore: the MANAGED LOCATION of $securable_id, recorded as $old_root,
-- was copied to $new_root (relative to the copy's own default root), and so were the files of
-- every version under it, and their manifests.
UPDATE ucsql_stored_file
SET storage_location = $new_root || substr(storage_location, length($old_root) + 1)
WHERE starts_with(storage_location, $old_root || '/');
UPDATE ucsql_model_version
SET storage_location = $new_root || substr(storage_location, length($old_root) + 1)
WHERE starts_with(storage_location, $old_root || '/');
UPDATE ucsql_securable SET storage_root = $new_root WHERE securable_id = $securable_id;
