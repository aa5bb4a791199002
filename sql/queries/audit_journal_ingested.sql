-- Has the audit journal with this id already been written into the log? (ucsql/audit.py: the
-- row that records an ingestion names the journal's id; a journal file that a crash left behind
-- after its rows were written is then removed without writing them twice.)
--
-- $journal_id: the id written into the claimed journal file.
SELECT count(*) > 0 AS ingested
FROM ucsql_audit
WHERE action = 'INGEST_AUDIT_JOURNAL' AND securable_name = $journal_id;
