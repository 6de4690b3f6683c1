-- The :limit (default 20) most downloaded files over the last :days days
-- (default 30), with whether each is still in the repository.
--
--   psql -d waymark -f top_files.sql [-v days=7] [-v limit=50]
\if :{?days}
\else
\set days 30
\endif
\if :{?limit}
\else
\set limit 20
\endif
WITH s AS (
    SELECT day AS d, path_id, downloads FROM downloads_daily
    UNION ALL
    SELECT month, path_id, downloads FROM downloads_monthly
)
SELECT p.path,
       sum(s.downloads) AS downloads,
       EXISTS (SELECT 1 FROM files f WHERE f.path = p.path) AS in_repository
  FROM s JOIN download_paths p ON p.id = s.path_id
 WHERE s.d > (now() AT TIME ZONE 'UTC')::date - :days::int
 GROUP BY p.path
 ORDER BY downloads DESC, p.path
 LIMIT :limit;
