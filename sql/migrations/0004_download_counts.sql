-- waymark inventory, schema version 4: cheaper download counts.

-- Every redirected download becomes, within seconds, a row of a batch a
-- redirector worker writes. A foreign key on path_id made PostgreSQL run a
-- referential check (a query and a row lock on download_paths) for each of
-- those rows: a third of the cost of writing them. The ids hold without it:
-- a batch inserts its paths before its counts, and waymark never deletes
-- download_paths rows nor reuses their ids. (Deleting rows by hand would
-- leave counts that the per-file reports no longer show.)
ALTER TABLE downloads_daily DROP CONSTRAINT IF EXISTS downloads_daily_path_id_fkey;
ALTER TABLE downloads_monthly DROP CONSTRAINT IF EXISTS downloads_monthly_path_id_fkey;
