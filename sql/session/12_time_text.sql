-- An instant as ucsql prints it, in DESCRIBE's text values: in UTC, to the second, e.g.
-- '2026-12-03 07:33:12 UTC'. ucsql.format.time_text prints the times of every other result
-- (SHOW, GET, the system views) the same way; tests/test_answers.py holds them to it.
CREATE OR REPLACE TEMP MACRO ucsql_time_text(t) AS
    strftime(timezone('UTC', t), '%Y-%m-%d %H:%M:%S UTC');
