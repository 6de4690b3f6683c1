-- Enabled mirrors that the redirector skips or soon will for staleness:
-- trace lag over :max_lag seconds (default 3600, redirector.max_lag; a
-- mirror's own max_lag wins), a trace never read or not checked for
-- :check_hours hours (default 2), or no good scan for :scan_hours hours
-- (default 24).
--
--   psql -d waymark -f stale_mirrors.sql [-v max_lag=7200] [-v scan_hours=48]
\if :{?max_lag}
\else
\set max_lag 3600
\endif
\if :{?check_hours}
\else
\set check_hours 2
\endif
\if :{?scan_hours}
\else
\set scan_hours 24
\endif
SELECT name,
       trace_lag,
       coalesce(max_lag, :max_lag::int) AS lag_limit,
       to_char(trace_checked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS trace_checked_utc,
       trace_error,
       to_char(last_good_scan_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS last_good_scan_utc,
       concat_ws('; ',
           CASE WHEN trace_lag > coalesce(max_lag, :max_lag::int) THEN 'lags behind' END,
           CASE WHEN trace_lag IS NULL THEN 'trace never read' END,
           CASE WHEN trace_checked_at IS NULL
                  OR trace_checked_at < now() - make_interval(hours => :check_hours::int)
                THEN 'trace not checked lately' END,
           CASE WHEN last_good_scan_at IS NULL
                  OR last_good_scan_at < now() - make_interval(hours => :scan_hours::int)
                THEN 'no recent good scan' END) AS why
  FROM mirrors
 WHERE enabled
   AND (trace_lag IS NULL OR trace_lag > coalesce(max_lag, :max_lag::int)
        OR trace_checked_at IS NULL
        OR trace_checked_at < now() - make_interval(hours => :check_hours::int)
        OR last_good_scan_at IS NULL
        OR last_good_scan_at < now() - make_interval(hours => :scan_hours::int))
 ORDER BY name;
