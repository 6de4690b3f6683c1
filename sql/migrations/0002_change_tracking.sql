-- waymark inventory, schema version 2: change tracking for caches.
--
-- Redirector workers keep the per-mirror file bitmaps and the file records
-- they looked up in memory, and poll these counters every few seconds (one
-- small query) to learn what changed, instead of asking PostgreSQL on every
-- request. The counters come from the inventory_gen sequence, so a value
-- never repeats, and triggers keep them true whoever writes the tables.

-- Bumped whenever the mirror's rows in mirror_files change (a scan swapped
-- its listing in, a test or an operator edited it).
ALTER TABLE mirrors ADD COLUMN files_gen bigint NOT NULL DEFAULT 0;

-- One row: bumped by every change to files or file_aliases. A worker that
-- sees it move drops its cached file records.
CREATE TABLE inventory_state (
    one        boolean PRIMARY KEY DEFAULT true CHECK (one),
    files_gen  bigint NOT NULL DEFAULT 0
);
INSERT INTO inventory_state DEFAULT VALUES;

CREATE FUNCTION waymark_files_changed() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    UPDATE inventory_state SET files_gen = nextval('inventory_gen');
    RETURN NULL;
END $$;

CREATE TRIGGER files_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON files
    FOR EACH STATEMENT EXECUTE FUNCTION waymark_files_changed();
CREATE TRIGGER file_aliases_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON file_aliases
    FOR EACH STATEMENT EXECUTE FUNCTION waymark_files_changed();

-- Statement level with transition tables: a scan rewriting a mirror's
-- hundred bitmap rows bumps its counter once, not a hundred times.
CREATE FUNCTION waymark_mirror_files_changed() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    UPDATE mirrors SET files_gen = nextval('inventory_gen')
     WHERE id IN (SELECT DISTINCT mirror_id FROM changed);
    RETURN NULL;
END $$;

CREATE TRIGGER mirror_files_inserted AFTER INSERT ON mirror_files
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION waymark_mirror_files_changed();
CREATE TRIGGER mirror_files_updated AFTER UPDATE ON mirror_files
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION waymark_mirror_files_changed();
CREATE TRIGGER mirror_files_deleted AFTER DELETE ON mirror_files
    REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION waymark_mirror_files_changed();
-- TRUNCATE has no transition table: every mirror's counter moves.
CREATE FUNCTION waymark_mirror_files_truncated() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    UPDATE mirrors SET files_gen = nextval('inventory_gen');
    RETURN NULL;
END $$;
CREATE TRIGGER mirror_files_truncated AFTER TRUNCATE ON mirror_files
    FOR EACH STATEMENT EXECUTE FUNCTION waymark_mirror_files_truncated();
