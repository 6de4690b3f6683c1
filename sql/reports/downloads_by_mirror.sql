-- Downloads per mirror over the last :days days (default 30), daily and
-- rolled-up monthly rows together, most first; mirror 0 is the fallback or
-- the origin, a removed mirror shows its old id.
--
--   psql -d waymark -f downloads_by_mirror.sql [-v days=90]
\if :{?days}
\else
\set days 30
\endif
SELECT coalesce(m.name, CASE WHEN s.mirror_id = 0 THEN '(fallback or origin)'
                             ELSE '(removed mirror ' || s.mirror_id || ')' END) AS mirror,
       m.country,
       sum(s.downloads) AS downloads,
       round(100.0 * sum(s.downloads) / sum(sum(s.downloads)) OVER (), 1) AS percent
  FROM download_counts s LEFT JOIN mirrors m ON m.id = s.mirror_id
 WHERE s.day > (now() AT TIME ZONE 'UTC')::date - :days::int
 GROUP BY 1, 2
 ORDER BY downloads DESC, mirror;
