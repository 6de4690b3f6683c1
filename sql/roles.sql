-- Roles and grants for the waymark inventory.
--
-- `waymark db init` and `waymark db upgrade` run this after the migrations,
-- so grants cover every table; it is safe to run again at any time:
--     psql -d waymark -f /usr/share/waymark/sql/roles.sql
-- Creating the roles needs CREATEROLE (or a superuser) once per cluster.
--
-- The roles cannot log in; give them to the accounts the programs run as,
-- one login role per program (README, Production step 3; waymark(8),
-- SECURITY):
--     CREATE ROLE waymark LOGIN IN ROLE waymark_redirector;
--     CREATE ROLE "waymark-scan" LOGIN IN ROLE waymark_scanner, waymark_trace;
--     CREATE ROLE alice LOGIN IN ROLE waymark_admin;
--
--   waymark_reader      read everything but the secrets (reports)
--   waymark_redirector  read the inventory, append download counts;
--                       cannot change mirrors or files, nor read the secrets
--   waymark_scanner     waymark-scan: files, aliases, mirror listings, scans,
--                       the statistics merge; reads the secrets
--   waymark_trace       waymark-trace: health, trace freshness, events
--   waymark_admin       the `waymark` admin tool: everything
--
-- The secrets are four columns of mirrors: rsync_url and ftp_url, which
-- may carry a user and password (`waymark mirror add --rsync-password-file`),
-- and admin_name and admin_email. Only waymark_scanner (which logs in to
-- rsync and FTP daemons) and waymark_admin may SELECT them; the other roles
-- get every other column of mirrors, and the programs select by name only
-- the columns they need (never `SELECT *` from mirrors).
--
-- Private too: what a mirror answered to a failed trace check
-- (mirrors.trace_detail, mirror_health.detail; schema 6), which may be
-- anything the mirror, or a host it redirected to, sent. The redirector
-- and the reader never see it; waymark_trace, which writes it, and the
-- admin do (`waymark mirror show`).

DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['waymark_reader', 'waymark_redirector',
                             'waymark_scanner', 'waymark_trace', 'waymark_admin']
    LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
END
$$;

GRANT SELECT ON ALL TABLES IN SCHEMA public TO waymark_reader;

-- The redirector: the inventory, read only (mirrors: see below).
GRANT SELECT ON waymark_schema, files, file_aliases,
                mirror_files, mirror_file_problems, file_mirrors, mirror_scans,
                inventory_state
      TO waymark_redirector;
-- ...and its download counts: appended, then merged by `waymark stats
-- merge` (cron), and read for the mirror statistics page.
GRANT SELECT ON download_paths, downloads_daily, downloads_monthly, download_counts
      TO waymark_redirector;
GRANT SELECT, INSERT ON downloads_pending TO waymark_redirector;
-- ...each batch once: its id is recorded with it (schema 7).
GRANT SELECT, INSERT ON download_batches TO waymark_redirector;
-- (Before schema 5 it wrote downloads_daily itself.)
REVOKE INSERT, UPDATE ON download_paths, downloads_daily FROM waymark_redirector;

-- The scanner.
GRANT SELECT ON ALL TABLES IN SCHEMA public TO waymark_scanner;
GRANT INSERT, UPDATE, DELETE ON files, file_aliases, mirror_files,
                                mirror_file_problems, mirror_scans
      TO waymark_scanner;
GRANT UPDATE (enabled, enabled_changed_at, last_scan_at, last_scan_ok,
              last_scan_error, last_good_scan_at, updated_at)
      ON mirrors TO waymark_scanner;
GRANT INSERT ON mirror_events TO waymark_scanner;
GRANT USAGE ON SEQUENCE inventory_gen TO waymark_scanner;
-- ...and the statistics jobs of cron/waymark, run by the same account as
-- the scans: `waymark stats merge` folds the redirector's pending counts
-- into daily rows, the nightly `waymark stats rollup` old daily rows into
-- months.
GRANT DELETE ON downloads_pending TO waymark_scanner;
GRANT INSERT ON download_paths TO waymark_scanner;
GRANT INSERT, UPDATE, DELETE ON downloads_daily TO waymark_scanner;
GRANT INSERT, UPDATE ON downloads_monthly TO waymark_scanner;
-- ...and the rollup forgets old batch ids (schema 7).
GRANT DELETE ON download_batches TO waymark_scanner;

-- The trace checker.
GRANT SELECT ON ALL TABLES IN SCHEMA public TO waymark_trace;
GRANT INSERT, UPDATE, DELETE ON mirror_health TO waymark_trace;
GRANT UPDATE (trace_time, trace_lag, trace_checked_at, trace_error,
              trace_detail, updated_at)
      ON mirrors TO waymark_trace;
GRANT INSERT ON mirror_events TO waymark_trace;

-- The admin tool (and the statistics roll-up it runs from cron).
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO waymark_admin;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO waymark_admin;

-- Tables without their private columns, for the roles that may not read
-- them: the table-wide SELECT goes (which drops every column grant too),
-- then each other column is granted again, so this also covers columns
-- that later migrations add. A new private column must join the list here.
--   mirrors: the four secrets, and trace_detail (schema 6), from the
--     reader, redirector and trace roles (trace gets trace_detail back);
--   mirror_health: detail (schema 6), from the reader and the redirector
--     (before schema 6 the redirector had the whole table).
REVOKE SELECT ON mirrors FROM waymark_reader, waymark_redirector, waymark_trace;
REVOKE SELECT ON mirror_health FROM waymark_reader, waymark_redirector;
DO $$
DECLARE
    t record;
    cols text;
BEGIN
    FOR t IN SELECT * FROM (VALUES
        ('mirrors', ARRAY['rsync_url', 'ftp_url', 'admin_name', 'admin_email',
                          'trace_detail'],
         'waymark_reader, waymark_redirector, waymark_trace'),
        ('mirror_health', ARRAY['detail'],
         'waymark_reader, waymark_redirector')) AS v(tab, private, roles)
    LOOP
        SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position)
          INTO cols
          FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name = t.tab
           AND column_name <> ALL (t.private);
        EXECUTE format('GRANT SELECT (%s) ON %I TO %s', cols, t.tab, t.roles);
    END LOOP;
END
$$;
GRANT SELECT (trace_detail) ON mirrors TO waymark_trace;
