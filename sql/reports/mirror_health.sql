-- Every mirror's health per scheme and IP family as waymark-trace last saw
-- it: up or down, since when, why, latency, consecutive failures; mirrors
-- never checked show one row with no scheme.
--
--   psql -d waymark -f mirror_health.sql
SELECT m.name,
       m.enabled,
       h.scheme,
       h.family,
       CASE WHEN h.up IS NULL THEN 'unchecked' WHEN h.up THEN 'up' ELSE 'down' END AS state,
       to_char(h.since AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS since_utc,
       h.reason,
       h.latency_ms,
       h.failures,
       to_char(h.checked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS checked_utc
  FROM mirrors m LEFT JOIN mirror_health h ON h.mirror_id = m.id
 ORDER BY m.name, h.scheme, h.family;
