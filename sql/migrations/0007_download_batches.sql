-- waymark inventory, schema version 7: each batch of download counts is
-- written once.
--
-- A redirector worker sends its counts in batches, to the primary (from a
-- node on a standby too), retrying a batch the primary did not take and
-- keeping batches in a spool on disk while it is away. A retry after a
-- commit whose acknowledgement was lost (the connection dropped just
-- then), or a spool file sent twice, must not count again: every batch
-- has a random id, inserted here in the same transaction as its counts,
-- and a batch whose id is here already is skipped. `node` says which
-- redirector node sent it, for the operator. `waymark stats rollup`
-- (nightly) forgets ids older than a week.
CREATE TABLE download_batches (
    id          text PRIMARY KEY,
    node        text NOT NULL,
    written_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX download_batches_written_at ON download_batches (written_at);
