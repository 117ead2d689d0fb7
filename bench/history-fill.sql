-- A year of history in seconds: the history database grown to :total entries from the ones
-- already in it (the seeds, recorded by Waybill: redacted headers, real bodies), each copy
-- with its own id, time and URL. The seeds are replaced by the copies, made oldest first from
-- the seeds in turn (so their mix of methods, statuses and errors is kept), spread over the last
-- 365 days up to now; the copies' URLs end in n=1 … n=:total (the newest). Retention is raised
-- to :total if it was lower, so the next call keeps them.
--
-- Run by bench/history-memory.sh through the sqlite3 CLI and by the tests and benches through
-- rusqlite (waybill_tests::history::fill). The database must have been made by Waybill (one
-- call is enough) and not be in use.
BEGIN IMMEDIATE;
CREATE TEMP TABLE seed AS SELECT row_number() OVER (ORDER BY id) - 1 AS k, * FROM entries;
DELETE FROM entries;
INSERT INTO entries (at, profile, environment, method, url, request_headers, request_body, status,
                     response_headers, response_body, truncated, elapsed_ms, error, profile_id)
  WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < :total)
  SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now',
                  printf('-%d seconds', (:total - 1 - n.i) * (31536000 / :total))),
         s.profile, s.environment, s.method,
         s.url || iif(instr(s.url, '?') > 0, '&', '?') || 'n=' || (n.i + 1),
         s.request_headers, s.request_body, s.status, s.response_headers, s.response_body,
         s.truncated, s.elapsed_ms, s.error, s.profile_id
  FROM n JOIN seed s ON s.k = n.i % (SELECT count(*) FROM seed)
  ORDER BY n.i;
INSERT INTO settings (name, value) VALUES ('keep', max(:total, 1000))
  ON CONFLICT(name) DO UPDATE SET value = max(value, excluded.value);
DROP TABLE seed;
COMMIT;
