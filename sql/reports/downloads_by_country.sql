-- Downloads per client country over the last :days days (default 30), most
-- first; '--' is a client GeoIP could not place.
--
--   psql -d waymark -f downloads_by_country.sql [-v days=90]
\if :{?days}
\else
\set days 30
\endif
SELECT country,
       sum(downloads) AS downloads,
       round(100.0 * sum(downloads) / sum(sum(downloads)) OVER (), 1) AS percent
  FROM download_counts
 WHERE day > (now() AT TIME ZONE 'UTC')::date - :days::int
 GROUP BY country
 ORDER BY downloads DESC, country;
