-- Records the outcome of one try of delivery $delivery_id made under claim $claim_id (nothing,
-- if the claim ran out and another worker claimed it since): DELIVERED when $ok; else DEAD once
-- it has had $max_tries tries, or PENDING again, due in $delay_ms milliseconds. $status and
-- $error: the receiver's HTTP status, and why the try failed (NULL when it did not).
UPDATE ucsql_webhook_delivery
SET state = CASE WHEN $ok THEN 'DELIVERED' WHEN attempts >= $max_tries THEN 'DEAD'
                 ELSE 'PENDING' END,
    delivered_at = CASE WHEN $ok THEN current_timestamp END,
    next_attempt_at = current_timestamp + to_milliseconds(CAST($delay_ms AS BIGINT)),
    last_status = $status,
    last_error = $error,
    claim_id = NULL,
    claimed_until = NULL
WHERE delivery_id = $delivery_id AND claim_id = $claim_id
RETURNING state;
