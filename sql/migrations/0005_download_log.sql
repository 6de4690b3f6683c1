-- waymark inventory, schema version 5: download counts are appended, then
-- merged.
--
-- A redirector worker used to upsert each batch of counts into
-- downloads_daily: an index probe, a row insert or a new row version, and
-- an index entry per (day, file, mirror, country), on the busiest minutes
-- of the day. Now workers only append their batches here, with COPY and
-- no index (about a tenth of the cost per row), and `waymark stats merge`
-- (cron/waymark, every minute) folds what gathered into
-- downloads_daily in one statement: repeats of a key across batches and
-- workers become one row, written once.
--
-- Nothing is lost or counted twice: the merge deletes exactly the pending
-- rows it adds up, in the same transaction, and rows appended meanwhile
-- wait for the next merge. Reports read the view download_counts, which
-- includes the pending rows, so they never wait for a merge.
CREATE TABLE downloads_pending (
    day        date NOT NULL,
    path       text NOT NULL,
    mirror_id  integer NOT NULL,
    country    text NOT NULL CHECK (country ~ '^([A-Z]{2}|--)$'),
    downloads  bigint NOT NULL CHECK (downloads > 0)
);

-- Every download count, merged or not, with its path: what reports read.
-- monthly rows carry the first day of their month in `day`.
CREATE VIEW download_counts AS
    SELECT d.day, false AS monthly, p.path, d.mirror_id, d.country, d.downloads
      FROM downloads_daily d JOIN download_paths p ON p.id = d.path_id
    UNION ALL
    SELECT m.month, true, p.path, m.mirror_id, m.country, m.downloads
      FROM downloads_monthly m JOIN download_paths p ON p.id = m.path_id
    UNION ALL
    SELECT day, false, path, mirror_id, country, downloads FROM downloads_pending;

-- Folds the pending rows into downloads_daily (new paths numbered on the
-- way), in one statement of the caller's transaction: how many pending
-- rows it took and how many daily rows it added to or created. Both NULL
-- when another merge is running (that one does the work). It takes the
-- rows its snapshot sees, so it ends however fast workers append. (Taking
-- them in slices of N rows was tried: each slice's scan has to step over
-- the rows the slices before it deleted, until a vacuum, which made a
-- large backlog quadratic.)
CREATE FUNCTION merge_download_counts(OUT pending_rows bigint, OUT daily_rows bigint)
LANGUAGE plpgsql AS $$
BEGIN
    -- One merge at a time (key: "waymark" in ASCII, truncated), so two
    -- never number the same new path or update the same rows.
    IF NOT pg_try_advisory_xact_lock(2003792237) THEN
        RETURN;
    END IF;
    -- A data-modifying CTE's new rows are not visible to the rest of its
    -- statement, so the ids of new paths come from what the INSERT returns.
    WITH moved AS (
        DELETE FROM downloads_pending
        RETURNING day, path, mirror_id, country, downloads
    ), sums AS (
        SELECT day, path, mirror_id, country, sum(downloads)::bigint AS n
          FROM moved GROUP BY 1, 2, 3, 4
    ), added AS (
        INSERT INTO download_paths (path)
        SELECT DISTINCT path FROM sums ORDER BY 1
        ON CONFLICT (path) DO NOTHING
        RETURNING id, path
    ), merged AS (
        INSERT INTO downloads_daily (day, path_id, mirror_id, country, downloads)
        SELECT s.day, coalesce(a.id, p.id), s.mirror_id, s.country, s.n
          FROM sums s
          LEFT JOIN added a ON a.path = s.path
          LEFT JOIN download_paths p ON p.path = s.path
         ORDER BY 1, 2, 3, 4
        ON CONFLICT (day, path_id, mirror_id, country)
        DO UPDATE SET downloads = downloads_daily.downloads + EXCLUDED.downloads
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM moved), (SELECT count(*) FROM merged)
      INTO pending_rows, daily_rows;
END
$$;
