-- Deletes principal $principal_id (a user or a group) with its memberships (both ways) and the
-- grants made to it, and its tokens.
-- First, bump the policy epoch: answers cached at the old one no longer hold (migration 0003).
UPDATE ucsql_epoch SET value = value + 1 WHERE name = 'policy';
DELETE FROM ucsql_group_member WHERE group_id = $principal_id OR member_id = $principal_id;
DELETE FROM ucsql_grant WHERE principal_id = $principal_id;
DELETE FROM ucsql_token WHERE principal_id = $principal_id;
DELETE FROM ucsql_principal WHERE principal_id = $principal_id;
