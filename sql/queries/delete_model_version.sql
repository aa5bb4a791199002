-- Deletes version $version of model $model_id with its aliases, tags, lineage and comments; a
-- request still pending to point an alias at it is cancelled (it can no longer be approved).
DELETE FROM ucsql_model_alias WHERE model_id = $model_id AND version = $version;
DELETE FROM ucsql_model_version_tag WHERE model_id = $model_id AND version = $version;
DELETE FROM ucsql_model_version_lineage WHERE model_id = $model_id AND version = $version;
DELETE FROM ucsql_comment WHERE model_id = $model_id AND version = $version;
UPDATE ucsql_alias_request
SET status = 'CANCELLED', decided_at = current_timestamp, decision_comment = 'the version was deleted'
WHERE model_id = $model_id AND version = $version AND status = 'PENDING';
DELETE FROM ucsql_model_version WHERE model_id = $model_id AND version = $version;
