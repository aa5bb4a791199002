-- Removes $member_id from group $group_id (nothing if it was not a member).
-- First, bump the policy epoch if this changes anything: answers cached at the old one no
-- longer hold (migration 0003). A statement that changes nothing leaves the epoch alone.
UPDATE ucsql_epoch SET value = value + 1 WHERE name = 'policy'
  AND EXISTS (SELECT 1 FROM ucsql_group_member WHERE group_id = $group_id AND member_id = $member_id);
DELETE FROM ucsql_group_member WHERE group_id = $group_id AND member_id = $member_id;
