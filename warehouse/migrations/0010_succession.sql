-- Succession of documents: a lab's new document that supersedes another (a renamed or replaced
-- policy). Declared links (registry, local corpus, `ingest --supersedes`) make `changes` compare
-- the successor's first version with the predecessor's last, and retire the predecessor from
-- current_versions (hence scores, evidence and the review queue) once the successor is current.
CREATE TABLE IF NOT EXISTS successions (
    lab          VARCHAR NOT NULL,
    document_id  VARCHAR NOT NULL,   -- the successor
    supersedes   VARCHAR NOT NULL,   -- its predecessor
    origin       VARCHAR NOT NULL,   -- registry | corpus | ingest
    declared_in  VARCHAR,            -- the file or command that declared it
    recorded_at  TIMESTAMP,
    PRIMARY KEY (lab, document_id)
);

-- Links labwatch proposes (not followed until declared): a lab's new document whose first
-- version is highly similar to the latest earlier version of another of its documents.
CREATE TABLE IF NOT EXISTS succession_proposals (
    lab             VARCHAR NOT NULL,
    document_id     VARCHAR NOT NULL,
    supersedes      VARCHAR NOT NULL,
    similarity      DOUBLE NOT NULL,
    old_version_id  VARCHAR,
    new_version_id  VARCHAR,
    proposed_at     TIMESTAMP,
    PRIMARY KEY (lab, document_id)
);

CREATE OR REPLACE MACRO current_versions(as_of) AS TABLE
WITH latest AS (
    SELECT * EXCLUDE (rn) FROM (
        SELECT v.*, row_number() OVER (
            PARTITION BY v.lab, v.document_id
            ORDER BY version_order(v.published, v.seen_at, v.text_hash, v.version_id) DESC) AS rn
        FROM versions v
        WHERE coalesce(v.published, CAST(v.seen_at AS DATE)) <= CAST(as_of AS DATE)
    ) WHERE rn = 1
)
SELECT l.* FROM latest l
WHERE NOT EXISTS (
    SELECT 1 FROM successions s
    JOIN latest n ON n.lab = s.lab AND n.document_id = s.document_id
    WHERE s.lab = l.lab AND s.supersedes = l.document_id
);
