-- Makes $owner_id the owner of $securable_id; $by made the change.
UPDATE ucsql_securable SET owner_id = $owner_id, updated_at = current_timestamp, updated_by = $by
WHERE securable_id = $securable_id;
