-- Announced or silent: each commitment change linked to the change-log entry that mentions it
-- (NULL entry and announced = false: silent; announced NULL: computed before this migration).
-- detected_at is when labwatch first computed the change; it survives recomputation (same
-- change_id), so feeds and alerts can tell new changes from old ones.
ALTER TABLE changes ADD COLUMN announced BOOLEAN;
ALTER TABLE changes ADD COLUMN changelog_entry VARCHAR;
ALTER TABLE changes ADD COLUMN detected_at TIMESTAMP;

-- Change-log pages the registry links to a document (Source.changelog), recorded at crawl time.
CREATE TABLE IF NOT EXISTS changelog_sources (
    lab          VARCHAR NOT NULL,
    document_id  VARCHAR NOT NULL,
    url          VARCHAR NOT NULL,
    PRIMARY KEY (lab, document_id, url)
);

CREATE OR REPLACE VIEW commitment_changes AS
SELECT c.lab, c.document_id, c.old_version_id, c.new_version_id, c.kind, c.reason,
       c.old_text, c.new_text, c.criteria, c.published, c.change_id,
       ov.published AS old_published,
       c.announced, c.changelog_entry, c.detected_at
FROM changes c
LEFT JOIN versions ov ON ov.version_id = c.old_version_id;
