-- Removes $member_id from group $group_id (nothing if it was not a member).
DELETE FROM ucsql_group_member WHERE group_id = $group_id AND member_id = $member_id;
