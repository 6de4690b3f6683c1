-- waymark inventory, schema version 3: what waymark-scan needs.

-- The inode a file had when it was hashed. A file replaced by another with
-- the same size and mtime (a restored backup, a copy with preserved times)
-- has a new inode, so the repository scan hashes it again.
ALTER TABLE files ADD COLUMN inode bigint;

-- The order in which waymark-scan tries a mirror's protocols, e.g.
-- 'http,rsync'; NULL: scan.protocols from waymark.conf. Protocols the mirror
-- has no URL for are skipped.
ALTER TABLE mirrors ADD COLUMN scan_protocols text
    CHECK (scan_protocols ~ '^(rsync|ftp|http)(,(rsync|ftp|http))*$');
