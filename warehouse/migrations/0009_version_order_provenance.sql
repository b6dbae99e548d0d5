-- One order of versions everywhere, and commitment changes a reader can cite.
--
-- version_order(...) is the only ordering of versions: the effective date (published, else the
-- day first seen), then the time the warehouse first stored the version (a re-upload carrying
-- the same date comes after the upload it replaced), then the content (text hash) and the
-- version id, so the order is total. Every query that orders versions calls it;
-- warehouse/lineage.py holds the same key for Python (tests check they agree).
CREATE OR REPLACE MACRO version_order(published, seen_at, text_hash, version_id) AS
    struct_pack(d := coalesce(published, CAST(seen_at AS DATE)), t := seen_at, h := text_hash, v := version_id);

-- Where a version's bytes came from, when it was fetched or the corpus names a URL.
ALTER TABLE versions ADD COLUMN url VARCHAR;

-- Provenance of each side of a change (the statement's position in its version), and the
-- same-date re-upload flag. NULL in rows computed before this migration until recomputed.
ALTER TABLE changes ADD COLUMN old_document_id VARCHAR;
ALTER TABLE changes ADD COLUMN old_seq INTEGER;
ALTER TABLE changes ADD COLUMN old_page INTEGER;
ALTER TABLE changes ADD COLUMN old_section VARCHAR;
ALTER TABLE changes ADD COLUMN new_seq INTEGER;
ALTER TABLE changes ADD COLUMN new_page INTEGER;
ALTER TABLE changes ADD COLUMN new_section VARCHAR;
ALTER TABLE changes ADD COLUMN silent_reupload BOOLEAN;

CREATE OR REPLACE MACRO current_versions(as_of) AS TABLE
SELECT * EXCLUDE (rn) FROM (
    SELECT v.*, row_number() OVER (
        PARTITION BY v.lab, v.document_id
        ORDER BY version_order(v.published, v.seen_at, v.text_hash, v.version_id) DESC) AS rn
    FROM versions v
    WHERE coalesce(v.published, CAST(v.seen_at AS DATE)) <= CAST(as_of AS DATE)
) WHERE rn = 1;

-- c.* so that a column added to `changes` later reaches the view without redefining it.
CREATE OR REPLACE VIEW commitment_changes AS
SELECT c.* REPLACE (coalesce(c.old_document_id, ov.document_id) AS old_document_id),
       ov.published AS old_published,
       ov.snapshot_sha AS old_snapshot_sha256,
       nv.snapshot_sha AS new_snapshot_sha256,
       coalesce(ov.url, CASE WHEN regexp_matches(ov.source, '^https?://') THEN ov.source END) AS old_url,
       coalesce(nv.url, CASE WHEN regexp_matches(nv.source, '^https?://') THEN nv.source END) AS new_url,
       ov.seen_at AS old_seen_at,
       nv.seen_at AS new_seen_at,
       ov.format AS old_format,
       nv.format AS new_format
FROM changes c
LEFT JOIN versions ov ON ov.version_id = c.old_version_id
LEFT JOIN versions nv ON nv.version_id = c.new_version_id;
