-- Claims for claim $claim_id, for $claim_seconds, up to $limit deliveries due now: PENDING, their
-- next try due, not claimed (or the claim ran out: the worker died or hung, so the try is made
-- again, with the same delivery id), and each the first PENDING one of its webhook and
-- securable, so one model's events reach a webhook in commit order (a later one waits until the
-- earlier is delivered or dead). Deliveries of a DISABLED webhook wait until it is ACTIVE
-- again. A claim counts as a try. Returns what sending needs (the webhook's URL, secret and
-- format as they are now).
UPDATE ucsql_webhook_delivery
SET claim_id = $claim_id,
    claimed_until = current_timestamp + to_seconds(CAST($claim_seconds AS DOUBLE)),
    attempts = attempts + 1
WHERE delivery_id IN (
    SELECT delivery_id FROM (
        SELECT d.delivery_id, d.next_attempt_at, d.claimed_until, e.event_id,
               row_number() OVER (PARTITION BY d.webhook_id, e.securable_id
                                  ORDER BY e.stream_seq) AS place
        FROM ucsql_webhook_delivery AS d
        JOIN ucsql_event AS e ON e.event_id = d.event_id
        JOIN ucsql_webhook AS w ON w.webhook_id = d.webhook_id
        WHERE d.state = 'PENDING' AND w.status = 'ACTIVE'
    )
    WHERE place = 1 AND next_attempt_at <= current_timestamp
      AND (claimed_until IS NULL OR claimed_until < current_timestamp)
    ORDER BY event_id
    LIMIT $limit
);
SELECT d.delivery_id, d.attempts, w.webhook_id, w.url, w.secret, w.format, e.event_type,
       e.data, e.occurred_at
FROM ucsql_webhook_delivery AS d
JOIN ucsql_webhook AS w ON w.webhook_id = d.webhook_id
JOIN ucsql_event AS e ON e.event_id = d.event_id
WHERE d.claim_id = $claim_id AND d.state = 'PENDING'
ORDER BY e.event_id;
