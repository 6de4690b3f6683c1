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
SELECT s.path,
       sum(s.downloads) AS downloads,
       EXISTS (SELECT 1 FROM files f WHERE f.path = s.path) AS in_repository
  FROM download_counts s
 WHERE s.day > (now() AT TIME ZONE 'UTC')::date - :days::int
 GROUP BY s.path
 ORDER BY downloads DESC, s.path
 LIMIT :limit;
