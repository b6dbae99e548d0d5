-- The contract views users query. Scores and evidence are table macros with an as-of date;
-- the plain views are those macros evaluated today.

CREATE OR REPLACE VIEW passages AS
SELECT s.lab, s.document_id, s.version_id, s.seq, s.page, s.section, s.text,
       s.kind, s.char_start, s.char_end, s.statement_id
FROM statements s;

CREATE OR REPLACE VIEW candidate_matches AS
SELECT m.match_id, m.statement_id, m.criterion_id, m.score, m.why,
       m.lab, m.document_id, m.version_id, m.rank, m.model, m.rubric, m.rubric_version,
       m.matcher_version, d.decision
FROM matches m
LEFT JOIN decisions d ON d.match_id = m.match_id
WHERE m.suggested;

CREATE OR REPLACE VIEW reviews AS
SELECT e.event_id AS review_id, e.match_id, e.reviewer, e.decision, e.credit, e.note,
       e.created_at, e.lab, e.document_id, e.criterion_id, e.text, e.origin
FROM review_events e;

-- The version of each document current on a date: the latest published (else first seen) on or
-- before it.
CREATE OR REPLACE MACRO current_versions(as_of) AS TABLE
SELECT * EXCLUDE (rn) FROM (
    SELECT v.*, row_number() OVER (
        PARTITION BY v.lab, v.document_id
        ORDER BY coalesce(v.published, CAST(v.seen_at AS DATE)) DESC, v.ordinal DESC) AS rn
    FROM versions v
    WHERE coalesce(v.published, CAST(v.seen_at AS DATE)) <= CAST(as_of AS DATE)
) WHERE rn = 1;

CREATE OR REPLACE MACRO evidence_as_of(as_of) AS TABLE
SELECT s.lab, s.document_id, s.version_id, d.criterion_id, s.text, d.credit,
       d.match_id, s.statement_id, s.page, s.section, d.reviewer, d.decided_at
FROM decisions d
JOIN statements s
  ON s.lab = d.lab AND s.document_id = d.document_id AND s.norm_hash = d.norm_hash
JOIN current_versions(as_of) cv ON cv.version_id = s.version_id
WHERE d.decision = 'confirmed';

-- Per lab and criterion: the largest confirmed credit; a nested criterion counts only when its
-- parent has credit.
CREATE OR REPLACE MACRO criterion_credits_as_of(as_of) AS TABLE
WITH ev AS (
    SELECT lab, criterion_id, max(credit) AS raw
    FROM evidence_as_of(as_of) GROUP BY lab, criterion_id
), grid AS (
    SELECT l.lab, r.* FROM labs l CROSS JOIN rubric_criteria r
), cred AS (
    SELECT g.*, coalesce(ev.raw, 0.0) AS raw
    FROM grid g LEFT JOIN ev ON ev.lab = g.lab AND ev.criterion_id = g.criterion_id
)
SELECT c.lab, c.rubric, c.rubric_version, c.criterion_id, c.category, c.category_weight,
       c.weight, c.parent, c.scored, c.raw,
       CASE WHEN c.parent IS NULL OR coalesce(p.raw, 0) > 0 THEN c.raw ELSE 0.0 END AS credit
FROM cred c
LEFT JOIN cred p ON p.lab = c.lab AND p.rubric = c.rubric AND p.criterion_id = c.parent;

CREATE OR REPLACE MACRO lab_scores_as_of(as_of) AS TABLE
SELECT lab, rubric,
       round(100 * sum(CASE WHEN scored THEN category_weight * weight * credit ELSE 0 END), 2)
         AS score
FROM criterion_credits_as_of(as_of)
GROUP BY lab, rubric;

CREATE OR REPLACE VIEW confirmed_evidence AS
SELECT * FROM evidence_as_of(current_date);

CREATE OR REPLACE VIEW lab_scores AS
SELECT * FROM lab_scores_as_of(current_date);

CREATE OR REPLACE VIEW commitment_changes AS
SELECT c.lab, c.document_id, c.old_version_id, c.new_version_id, c.kind, c.reason,
       c.old_text, c.new_text, c.criteria, c.published, c.change_id,
       ov.published AS old_published
FROM changes c
LEFT JOIN versions ov ON ov.version_id = c.old_version_id;
