"""What change detection reads and writes: the statements of stored versions in order, the
change-log pages the registry names, and the ``changes`` rows already computed.

``flows/change_detection.py`` decides what changed (through ``extractors/changes``); this module
only holds its queries, so every statement about changes is in the warehouse.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime

import duckdb
import numpy as np

from labwatch.extractors.records import Features, Passage, Statement
from labwatch.warehouse.lineage import version_order
from labwatch.warehouse.rows import insert_rows_missing


@dataclass(frozen=True)
class ChangeRow:
    """One row of the ``changes`` table: a commitment change between two versions of a
    document (or a predecessor's version and its successor's first, ``old_document_id``).

    ``old_*``/``new_*`` place each side in its version (seq, page, section path; None when the
    side is absent: added or removed). ``announced``/``changelog_entry`` link it to the
    change-log entry that mentions it; ``silent_reupload`` marks an unannounced change between
    versions carrying the same published date. ``detected_at`` is when it was first found.
    ``dimensions`` names, as JSON, each codebook dimension the change moved and which way.
    """

    change_id: str
    lab: str
    document_id: str
    old_version_id: str
    new_version_id: str
    kind: str
    reason: str
    old_text: str | None
    new_text: str | None
    criteria: tuple[str, ...]
    published: date | None
    changes_version: str
    announced: bool
    changelog_entry: str | None
    detected_at: datetime
    old_document_id: str
    old_seq: int | None = None
    old_page: int | None = None
    old_section: str | None = None
    new_seq: int | None = None
    new_page: int | None = None
    new_section: str | None = None
    silent_reupload: bool = False
    dimensions: str | None = None  # JSON: [{"dimension", "direction", "reason"}] (migration 0013)

    def to_dict(self) -> dict:
        """The row as column -> value (``criteria`` a list, as the table's VARCHAR[] takes it)."""
        row = {f.name: getattr(self, f.name) for f in fields(self)}
        row["criteria"] = list(self.criteria)
        return row


def version_statements(con: duckdb.DuckDBPyConnection, version_id: str) -> list[Statement]:
    """The statements of one version in reading order, each with its stored features and the
    criteria suggested for it (best first)."""
    rows = con.execute(
        "SELECT s.statement_id, s.seq, s.text, s.kind, s.page, s.section, s.is_commitment, s.strength, "
        "s.category, s.negated, s.conditions, s.numbers, s.modality, s.why, s.lead_in, "
        "list(m.criterion_id ORDER BY m.rank) FILTER (WHERE m.suggested) AS criteria "
        "FROM statements s LEFT JOIN matches m USING (statement_id) "
        "WHERE s.version_id = ? GROUP BY ALL ORDER BY s.seq",
        [version_id],
    ).fetchall()
    out = []
    for (
        _sid,
        seq,
        text,
        kind,
        page,
        section,
        is_c,
        strength,
        cat,
        neg,
        conds,
        nums,
        modality,
        why,
        lead_in,
        crits,
    ) in rows:
        p = Passage(
            seq=seq,
            text=text,
            kind=kind or "sentence",
            page=page,
            section=tuple(section.split(" > ")) if section else (),
            lead_in=lead_in,
        )
        f = Features(
            is_commitment=bool(is_c),
            strength=strength or "none",
            category=cat or "description",
            negated=bool(neg),
            conditions=tuple(conds or ()),
            numbers=tuple(nums or ()),
            modality=modality,
            why=why or "",
        )
        out.append(Statement(passage=p, features=f, criteria=tuple(c for c in (crits or ()) if c)))
    return out


def document_versions(con: duckdb.DuckDBPyConnection, lab: str, document_id: str) -> list[tuple[str, str, date | None]]:
    """(version_id, document_id, published) of every version of one document, oldest first."""
    return con.execute(
        "SELECT version_id, document_id, published FROM versions WHERE lab = ? AND document_id = ? "
        f"ORDER BY {version_order()}",
        [lab, document_id],
    ).fetchall()


def predecessor_version(con: duckdb.DuckDBPyConnection, lab: str, document_id: str) -> list[tuple]:
    """[(version_id, document_id, published)] of the version a successor's first is compared
    with: the predecessor's latest on or before the successor's first date (else its first);
    [] when the document supersedes nothing stored."""
    row = con.execute(
        "SELECT p.version_id, p.document_id, p.published FROM successions s "
        "JOIN versions p ON p.lab = s.lab AND p.document_id = s.supersedes "
        "CROSS JOIN (SELECT min(coalesce(published, CAST(seen_at AS DATE))) AS day FROM versions "
        "  WHERE lab = ? AND document_id = ?) f "
        "WHERE s.lab = ? AND s.document_id = ? "
        f"ORDER BY coalesce(p.published, CAST(p.seen_at AS DATE)) <= f.day DESC, {version_order('p')} DESC LIMIT 1",
        [lab, document_id, lab, document_id],
    ).fetchone()
    return [row] if row else []


def detection_times(con: duckdb.DuckDBPyConnection, lab: str, document_id: str) -> dict[str, datetime]:
    """change_id -> when it was first detected, for the stored changes of one document (so a
    recomputation keeps the first detection time)."""
    return dict(
        con.execute(
            "SELECT change_id, detected_at FROM changes WHERE lab = ? AND document_id = ? AND detected_at IS NOT NULL",
            [lab, document_id],
        ).fetchall()
    )


def changelog_page_entries(con: duckdb.DuckDBPyConnection, lab: str, document_id: str) -> list[str]:
    """Passages of the change-log page(s) the registry links to this document, when crawled as
    their own document (newest version first). A page that is the document itself is left out:
    its own change-log section is found by heading instead."""
    urls = [
        r[0]
        for r in con.execute(
            "SELECT url FROM changelog_sources WHERE lab = ? AND document_id = ?", [lab, document_id]
        ).fetchall()
    ]
    if not urls:
        return []
    rows = con.execute(
        "SELECT s.text FROM statements s JOIN versions v USING (version_id) "
        "WHERE s.lab = ? AND s.document_id <> ? AND s.document_id IN ("
        "  SELECT document_id FROM versions WHERE lab = ? AND source IN (SELECT unnest(?)) "
        "  UNION SELECT document_id FROM documents WHERE lab = ? AND source_url IN (SELECT unnest(?))) "
        f"ORDER BY {version_order('v')} DESC, s.seq",
        [lab, document_id, lab, urls, lab, urls],
    ).fetchall()
    return list(dict.fromkeys(r[0] for r in rows))


def is_changelog_page(con: duckdb.DuckDBPyConnection, lab: str, document_id: str) -> bool:
    """True when this document is the change-log page the registry names for another document."""
    return (
        con.execute(
            "SELECT count(*) FROM changelog_sources c WHERE c.lab = ? AND c.document_id <> ? AND c.url IN ("
            "  SELECT source FROM versions WHERE lab = ? AND document_id = ? "
            "  UNION SELECT source_url FROM documents WHERE lab = ? AND document_id = ?)",
            [lab, document_id, lab, document_id, lab, document_id],
        ).fetchone()[0]
        > 0
    )


def replace_changelog_links(con: duckdb.DuckDBPyConnection, labs: list[str], links: list[tuple[str, str, str]]) -> None:
    """Make ``links`` ((lab, document_id, change-log URL)) the recorded change-log pages of ``labs``."""
    con.execute("DELETE FROM changelog_sources WHERE lab IN (SELECT unnest(?))", [labs])
    if links:
        rows = [{"lab": lab, "document_id": doc, "url": url} for lab, doc, url in links]
        insert_rows_missing(con, "changelog_sources", rows, ["lab", "document_id", "url"])


def documents_with_changelog(con: duckdb.DuckDBPyConnection, labs: list[str]) -> list[tuple[str, str]]:
    """(lab, document_id) of the stored documents of ``labs`` that name a change-log page, sorted."""
    return con.execute(
        "SELECT DISTINCT c.lab, c.document_id FROM changelog_sources c "
        "JOIN versions v ON v.lab = c.lab AND v.document_id = c.document_id "
        "WHERE c.lab IN (SELECT unnest(?)) ORDER BY 1, 2",
        [labs],
    ).fetchall()


def stored_vectors(con: duckdb.DuckDBPyConnection, hashes: Sequence[str]) -> dict[str, np.ndarray]:
    """The sentence vectors stored for ``hashes`` (normalised text hashes) by the one model that
    has the most of them; empty when none is stored. One model only: vectors of two models
    are not comparable."""
    if not hashes:
        return {}
    wanted = sorted(set(hashes))
    best = con.execute(
        "SELECT model FROM embeddings WHERE text_hash IN (SELECT unnest(?)) GROUP BY model "
        "ORDER BY count(*) DESC, model LIMIT 1",
        [wanted],
    ).fetchone()
    if best is None:
        return {}
    rows = con.execute(
        "SELECT text_hash, vector FROM embeddings WHERE model = ? AND text_hash IN (SELECT unnest(?))",
        [best[0], wanted],
    ).fetchall()
    return {h: np.asarray(v, dtype=np.float32) for h, v in rows}


def stale_change_documents(con: duckdb.DuckDBPyConnection, changes_version: str) -> list[tuple[str, str]]:
    """(lab, document_id) of the documents whose stored changes another version of the change
    detection computed: after an upgrade their changes are recomputed, new versions or not."""
    return con.execute(
        "SELECT DISTINCT lab, document_id FROM changes WHERE changes_version IS DISTINCT FROM ? ORDER BY 1, 2",
        [changes_version],
    ).fetchall()
