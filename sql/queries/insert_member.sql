-- Adds $member_id to group $group_id ($by added it); adding again is a no-op.
-- First, bump the policy epoch if this changes anything: answers cached at the old one no
-- longer hold (migration 0003). A statement that changes nothing leaves the epoch alone.
UPDATE ucsql_epoch SET value = value + 1 WHERE name = 'policy'
  AND NOT EXISTS (SELECT 1 FROM ucsql_group_member WHERE group_id = $group_id
                         AND member_id = $member_id);
INSERT INTO ucsql_group_member (group_id, member_id, added_at, added_by)
VALUES ($group_id, $member_id, current_timestamp, $by)
ON CONFLICT DO NOTHING;
