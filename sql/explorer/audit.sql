-- The audit log, newest first, filtered by principal, action and result when given (admin only:
-- the view itself refuses anyone else).
SELECT event_time, principal, action, securable_kind, securable_name, result, detail, token_id
FROM system.access.audit
WHERE ($principal = '' OR principal = $principal)
  AND ($action = '' OR action = $action)
  AND ($result = '' OR result = $result)
ORDER BY audit_id DESC
LIMIT 500
