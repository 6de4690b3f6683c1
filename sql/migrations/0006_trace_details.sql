-- waymark inventory, schema version 6: what a mirror sent stays private,
-- and a scheme or family a mirror does not offer is no problem.
--
-- A failed trace check used to store its whole text as the reason
-- (mirrors.trace_error, mirror_health.reason), quoting the first bytes the
-- mirror answered ("not a trace file: '...'") or where it redirected to,
-- and /mirrorstats, its ?json and the exports show those columns to
-- everyone. Now the reason is a fixed phrase ("not a trace file",
-- "HTTP 404", "timeout after 30 s") and the whole text goes to a detail
-- column that sql/roles.sql keeps from the redirector and reader roles:
-- only `waymark mirror show` (the admin) and waymark-trace read it.
ALTER TABLE mirrors ADD COLUMN trace_detail text;
ALTER TABLE mirror_health ADD COLUMN detail text;

-- A family the mirror's host has no address for, or a scheme it has no
-- URL for: not offered. Such a row is never up (selection keeps skipping
-- it), but pages show it apart from the mirror's problems.
ALTER TABLE mirror_health ADD COLUMN offered boolean NOT NULL DEFAULT true;
ALTER TABLE mirror_health ADD CHECK (offered OR NOT up);
-- Rows written before: not offered was "down" with these reasons.
UPDATE mirror_health SET offered = false
 WHERE NOT up AND reason IN ('no IPv4 address', 'no IPv6 address');
-- Old reasons that quote a mirror's answer or libcurl's words: the text
-- moves to the detail, a phrase takes its place (waymark-trace writes the
-- same phrases from now on).
CREATE FUNCTION pg_temp.public_reason(r text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN r LIKE 'bad trace: not a trace file%' THEN 'not a trace file'
        WHEN r LIKE 'bad trace: %' THEN substr(r, 12)
        WHEN r LIKE 'probe of %: redirect (HTTP %' OR r LIKE 'redirect (HTTP %'
          OR r LIKE '%redirected to %' THEN
             CASE WHEN r LIKE 'probe of %'
                  THEN substr(r, 1, strpos(r, ': redirect (HTTP ') + 1)
                  ELSE '' END || 'redirect not followed'
        WHEN r LIKE 'TLS error: %' THEN 'TLS error'
        WHEN r LIKE 'probe of %: TLS error: %'
          THEN substr(r, 1, strpos(r, ': TLS error: ') + 1) || 'TLS error'
        ELSE r END
$$;
UPDATE mirror_health
   SET detail = reason, reason = pg_temp.public_reason(reason)
 WHERE reason IS DISTINCT FROM pg_temp.public_reason(reason);
UPDATE mirrors
   SET trace_detail = trace_error,
       trace_error = pg_temp.public_reason(trace_error)
 WHERE trace_error IS DISTINCT FROM pg_temp.public_reason(trace_error);
DROP FUNCTION pg_temp.public_reason(text);
