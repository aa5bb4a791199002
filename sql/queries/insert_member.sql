-- Adds $member_id to group $group_id ($by added it); adding again is a no-op.
INSERT INTO ucsql_group_member (group_id, member_id, added_at, added_by)
VALUES ($group_id, $member_id, current_timestamp, $by)
ON CONFLICT DO NOTHING;
