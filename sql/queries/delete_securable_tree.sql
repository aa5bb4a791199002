-- Deletes $securable_id and everything in it: schemas, models, versions (and the manifests of
-- their files), aliases, tags, lineage, comments, alias requests, grants.
-- First, bump the policy and names epochs: answers cached at the old ones no longer hold
-- (migration 0003).
UPDATE ucsql_epoch SET value = value + 1 WHERE name = 'policy';
UPDATE ucsql_epoch SET value = value + 1 WHERE name = 'names';
CREATE OR REPLACE TEMP TABLE ucsql_doomed AS
SELECT securable_id FROM ucsql_securable_ancestry(NULL) WHERE ancestor_id = $securable_id;
DELETE FROM ucsql_model_version_tag WHERE model_id IN (SELECT securable_id FROM ucsql_doomed);
DELETE FROM ucsql_model_alias WHERE model_id IN (SELECT securable_id FROM ucsql_doomed);
DELETE FROM ucsql_model_version_lineage WHERE model_id IN (SELECT securable_id FROM ucsql_doomed);
DELETE FROM ucsql_comment WHERE model_id IN (SELECT securable_id FROM ucsql_doomed);
DELETE FROM ucsql_alias_request WHERE model_id IN (SELECT securable_id FROM ucsql_doomed);
DELETE FROM ucsql_stored_file WHERE storage_location IN (
    SELECT storage_location FROM ucsql_model_version
    WHERE model_id IN (SELECT securable_id FROM ucsql_doomed));
DELETE FROM ucsql_model_version WHERE model_id IN (SELECT securable_id FROM ucsql_doomed);
DELETE FROM ucsql_securable_tag WHERE securable_id IN (SELECT securable_id FROM ucsql_doomed);
DELETE FROM ucsql_grant WHERE securable_id IN (SELECT securable_id FROM ucsql_doomed);
DELETE FROM ucsql_securable WHERE securable_id IN (SELECT securable_id FROM ucsql_doomed);
DROP TABLE ucsql_doomed;
