-- Downloads per day over the last :days days (default 30), with the number
-- of distinct files and countries, newest first. Days already rolled up into
-- months (waymark stats rollup) are not listed; see downloads_by_month in
-- `waymark stats --by month`.
--
--   psql -d waymark -f downloads_by_day.sql [-v days=90]
\if :{?days}
\else
\set days 30
\endif
SELECT d.day,
       sum(d.downloads)          AS downloads,
       count(DISTINCT d.path)    AS files,
       count(DISTINCT d.country) AS countries
  FROM download_counts d
 WHERE NOT d.monthly
   AND d.day > (now() AT TIME ZONE 'UTC')::date - :days::int
 GROUP BY d.day
 ORDER BY d.day DESC;
