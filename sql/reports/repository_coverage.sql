-- How much of the repository each mirror holds (files its last good scan
-- matched at the inventory's size and date), and how many files it lists
-- wrongly (wrong size, too old), least complete first.
--
--   psql -d waymark -f repository_coverage.sql
WITH total AS (SELECT count(*) AS files FROM files),
held AS (
    SELECT mirror_id, sum(bit_count(bits))::bigint AS files
      FROM mirror_files GROUP BY mirror_id
),
problems AS (
    SELECT mirror_id,
           count(*) FILTER (WHERE problem = 'wrong_size') AS wrong_size,
           count(*) FILTER (WHERE problem = 'too_old') AS too_old
      FROM mirror_file_problems GROUP BY mirror_id
)
SELECT m.name,
       m.enabled,
       coalesce(h.files, 0) AS files_held,
       t.files AS repository_files,
       CASE WHEN t.files = 0 THEN NULL
            ELSE round(100.0 * coalesce(h.files, 0) / t.files, 1) END AS percent,
       coalesce(p.wrong_size, 0) AS wrong_size,
       coalesce(p.too_old, 0) AS too_old,
       to_char(m.last_good_scan_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS last_good_scan_utc
  FROM mirrors m
  CROSS JOIN total t
  LEFT JOIN held h ON h.mirror_id = m.id
  LEFT JOIN problems p ON p.mirror_id = m.id
 ORDER BY percent NULLS FIRST, m.name;
