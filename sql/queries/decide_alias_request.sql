-- APPROVE / REJECT / CANCEL REQUEST: the decision on a request still pending (none if another
-- decision came first: the caller then says it is no longer pending).
UPDATE ucsql_alias_request
SET status = $status, decided_by = $decided_by, decided_at = current_timestamp,
    decision_comment = $comment
WHERE request_id = $request_id AND status = 'PENDING'
RETURNING request_id;
