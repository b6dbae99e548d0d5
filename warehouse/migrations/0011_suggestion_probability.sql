-- Confidence a reviewer can act on (issue #16, item 5).
--
-- matches.probability: the chance a suggested pair is right, from the matcher's probability map
-- (extractors/matching/confidence.py; fitted leave-one-lab-out on reviews, else the packaged
-- map); NULL for pairs that are not suggested and for rows matched before this migration until
-- they are re-derived.
ALTER TABLE matches ADD COLUMN probability DOUBLE;

CREATE OR REPLACE VIEW candidate_matches AS
SELECT m.match_id, m.statement_id, m.criterion_id, m.score, m.why,
       m.lab, m.document_id, m.version_id, m.rank, m.model, m.rubric, m.rubric_version,
       m.matcher_version, d.decision, m.probability
FROM matches m
LEFT JOIN decisions d ON d.match_id = m.match_id
WHERE m.suggested;

-- Evidence says where its standing decision came from: the origin of the event that stands
-- (cli, dashboard, tui, bulk, carried, import, eval), so credit from bulk decisions shows.
CREATE OR REPLACE MACRO evidence_as_of(as_of) AS TABLE
SELECT s.lab, s.document_id, s.version_id, d.criterion_id, s.text, d.credit,
       d.match_id, s.statement_id, s.page, s.section, d.reviewer, d.decided_at,
       coalesce(e.origin, 'cli') AS origin
FROM decisions d
JOIN statements s
  ON s.lab = d.lab AND s.document_id = d.document_id AND s.norm_hash = d.norm_hash
JOIN current_versions(as_of) cv ON cv.version_id = s.version_id
LEFT JOIN review_events e ON e.event_id = d.event_id
WHERE d.decision = 'confirmed';
