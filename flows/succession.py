"""Succession of documents: links a lab declares, and links labwatch proposes.

A document that ``supersedes`` another (a renamed or replaced policy) is declared in the
registry, in the local corpus (``versions.yaml`` or a sidecar) or with ``ingest --supersedes``;
``record_links`` stores the declarations in the warehouse's ``successions`` table, and the
documents whose link changed have their changes recomputed (the successor's first version is
compared with its predecessor's last, ``change_detection.changes_for_document``).

When a lab's new document is highly similar to the latest earlier version of another of its
documents, ``propose_successions`` records a proposal that ``labwatch changes`` shows with the
line that would declare it. Similarity is the share of word 8-grams of the smaller text found in
the other (docs/accuracy.md: a real rename scores 0.86, unrelated frameworks of other labs at
most 0.001, generated look-alike documents at most 0.10).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from labwatch.corpus.exceptions import CorpusError
from labwatch.warehouse.lineage import version_order

PROPOSE_AT = 0.2  # share of shared 8-grams from which a new document is proposed as a successor
SHINGLE = 8
MAX_CANDIDATES = 20  # the lab's most recent other documents a new one is compared with
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Link:
    """``document_id`` supersedes ``supersedes`` (both of ``lab``), as declared in ``declared_in``."""

    lab: str
    document_id: str
    supersedes: str
    declared_in: str


def corpus_links(docs) -> list[Link]:
    """The links a local corpus declares (one per document: discovery made its files agree)."""
    found: dict[tuple[str, str], Link] = {}
    for d in docs:
        if d.supersedes:
            found.setdefault((d.lab, d.document_id), Link(d.lab, d.document_id, d.supersedes, str(d.path)))
    return list(found.values())


def registry_links(labs) -> list[Link]:
    """The links the registry declares (``LabSources`` records)."""
    found: dict[tuple[str, str], Link] = {}
    for lab in labs:
        for s in lab.sources:
            if s.supersedes:
                found.setdefault((s.lab, s.document), Link(s.lab, s.document, s.supersedes, lab.path or lab.lab))
    return list(found.values())


def record_links(wh, links: Iterable[Link], *, origin: str, scope: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """Make the ``origin``'s links of the documents in ``scope`` (lab, document) be ``links``:
    new and changed ones stored, withdrawn ones deleted, in one transaction; recomputes the
    changes of every document whose predecessor changed and returns those documents. A link
    that would close a cycle (with links from other origins) is a CorpusError naming it."""
    from labwatch.flows.change_detection import recompute_changes
    from labwatch.warehouse.store import now

    links = {(k.lab, k.document_id): k for k in links}
    scope = set(scope) | set(links)
    if not scope:
        return set()
    with wh.write() as con:
        before = {
            (lab, doc): (pred, org)
            for lab, doc, pred, org in con.execute(
                "SELECT lab, document_id, supersedes, origin FROM successions WHERE lab IN (SELECT unnest(?))",
                [sorted({lab for lab, _ in scope})],
            ).fetchall()
        }
        changed = set()
        for key in scope:
            old, new = before.get(key), links.get(key)
            if new is not None and (old is None or old != (new.supersedes, origin)):
                con.execute(
                    "INSERT OR REPLACE INTO successions VALUES (?, ?, ?, ?, ?, ?)",
                    [new.lab, new.document_id, new.supersedes, origin, new.declared_in, now()],
                )
                changed.add(key)
            elif new is None and old is not None and old[1] == origin:
                con.execute("DELETE FROM successions WHERE lab = ? AND document_id = ?", list(key))
                changed.add(key)
        if not changed:
            return set()
        _check_no_cycle(con, changed)
        for lab, doc in sorted(changed):
            con.execute("DELETE FROM succession_proposals WHERE lab = ? AND document_id = ?", [lab, doc])
            recompute_changes(con, lab, doc)
    return changed


def _check_no_cycle(con, changed: set[tuple[str, str]]) -> None:
    """A cycle closed by a changed link is a CorpusError naming that declaration and the other."""
    rows = con.execute(
        "SELECT lab, document_id, supersedes, declared_in FROM successions WHERE lab IN (SELECT unnest(?))",
        [sorted({lab for lab, _ in changed})],
    ).fetchall()
    pred = {(lab, doc): (p, where) for lab, doc, p, where in rows}
    for lab, doc in sorted(changed & set(pred)):
        chain, cur = [doc], pred[(lab, doc)][0]
        while (lab, cur) in pred:
            if cur in chain:
                others = sorted({pred[(lab, d)][1] for d in chain[1:]} - {pred[(lab, doc)][1]})
                also = f"; see also {', '.join(others)}" if others else ""
                raise CorpusError(
                    f"{pred[(lab, doc)][1]}: supersedes: a cycle in lab {lab!r} ({' -> '.join([*chain, cur])}){also}"
                )
            chain.append(cur)
            cur = pred[(lab, cur)][0]


def predecessor(con, lab: str, document_id: str) -> str | None:
    """The document ``document_id`` is declared to supersede, if any."""
    row = con.execute(
        "SELECT supersedes FROM successions WHERE lab = ? AND document_id = ?", [lab, document_id]
    ).fetchone()
    return row[0] if row else None


def documents_to_compare(con, touched: set[tuple[str, str]]) -> list[tuple[str, str]]:
    """The documents whose changes a batch that touched ``touched`` may have moved: those with
    two versions or more, and those with a predecessor that has a version, plus the successors
    of every touched document (their first version is compared with its last)."""
    if not touched:
        return []
    keys = sorted(touched)
    labs, docs = [k[0] for k in keys], [k[1] for k in keys]
    rows = con.execute(
        "WITH t AS (SELECT unnest(?) AS lab, unnest(?) AS document_id), "
        "cand AS (SELECT lab, document_id FROM t UNION "
        "  SELECT s.lab, s.document_id FROM successions s JOIN t ON t.lab = s.lab AND t.document_id = s.supersedes) "
        "SELECT c.lab, c.document_id FROM cand c "
        "WHERE (SELECT count(*) FROM versions v WHERE v.lab = c.lab AND v.document_id = c.document_id) > 1 "
        "OR EXISTS (SELECT 1 FROM successions s JOIN versions pv ON pv.lab = s.lab AND pv.document_id = s.supersedes "
        "  WHERE s.lab = c.lab AND s.document_id = c.document_id) ORDER BY 1, 2",
        [labs, docs],
    ).fetchall()
    return [tuple(r) for r in rows]


def similarity(a: str, b: str, k: int = SHINGLE) -> float:
    """Share of the smaller text's word ``k``-grams (lowercase letters and digits) that the other
    text has too: 1.0 when one contains the other, near 0 for unrelated texts."""
    sa, sb = _shingles(a, k), _shingles(b, k)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / min(len(sa), len(sb))


def _shingles(text: str, k: int) -> set[int]:
    words = _WORD.findall((text or "").lower())
    return {hash(tuple(words[i : i + k])) for i in range(len(words) - k + 1)}


def propose_successions(con, touched: set[tuple[str, str]]) -> int:
    """For each touched document with one version and no declared predecessor (a lab's new
    document), propose the lab's other document whose latest version dated before it is most
    similar, when at least ``PROPOSE_AT``; returns how many proposals were recorded."""
    from labwatch.warehouse.store import now

    if not touched:
        return 0
    keys = sorted(touched)
    eligible = con.execute(  # one query for the batch: most documents have no earlier sibling
        "WITH t AS (SELECT unnest(?) AS lab, unnest(?) AS document_id), "
        "one AS (SELECT v.lab, v.document_id, any_value(v.version_id) AS version_id, "
        "  min(coalesce(v.published, CAST(v.seen_at AS DATE))) AS day FROM versions v "
        "  JOIN t ON t.lab = v.lab AND t.document_id = v.document_id GROUP BY ALL HAVING count(*) = 1) "
        "SELECT one.lab, one.document_id, one.version_id, one.day FROM one WHERE NOT EXISTS ("
        "  SELECT 1 FROM successions s WHERE s.lab = one.lab AND s.document_id = one.document_id) "
        "AND EXISTS (SELECT 1 FROM versions o WHERE o.lab = one.lab AND o.document_id <> one.document_id "
        "  AND coalesce(o.published, CAST(o.seen_at AS DATE)) < one.day) ORDER BY 1, 2",
        [[k[0] for k in keys], [k[1] for k in keys]],
    ).fetchall()
    made = 0
    for lab, doc, new_vid, day in eligible:
        text = con.execute("SELECT text FROM versions WHERE version_id = ?", [new_vid]).fetchone()[0]
        candidates = con.execute(
            "SELECT document_id, version_id, text FROM (SELECT v.*, row_number() OVER ("
            f"  PARTITION BY v.document_id ORDER BY {version_order('v')} DESC) AS rn FROM versions v "
            "  WHERE v.lab = ? AND v.document_id <> ? AND coalesce(v.published, CAST(v.seen_at AS DATE)) < ?) "
            f"WHERE rn = 1 ORDER BY {version_order()} DESC LIMIT {MAX_CANDIDATES}",
            [lab, doc, day],
        ).fetchall()
        scored = [(similarity(text, other), pred, vid) for pred, vid, other in candidates]
        best = max(scored, default=None)
        con.execute("DELETE FROM succession_proposals WHERE lab = ? AND document_id = ?", [lab, doc])
        if best is not None and best[0] >= PROPOSE_AT:
            con.execute(
                "INSERT INTO succession_proposals VALUES (?, ?, ?, ?, ?, ?, ?)",
                [lab, doc, best[1], round(best[0], 3), best[2], new_vid, now()],
            )
            made += 1
    return made


def proposals(con, lab: str | None = None) -> list[dict]:
    """Proposed links not declared since: lab, document_id, supersedes, similarity, the two
    versions compared, and ``declare`` (the line that would make labwatch follow it)."""
    cur = con.execute(
        "SELECT p.lab, p.document_id, p.supersedes, p.similarity, p.old_version_id, p.new_version_id, p.proposed_at "
        "FROM succession_proposals p WHERE (?::VARCHAR IS NULL OR p.lab = ?) AND NOT EXISTS ("
        "  SELECT 1 FROM successions s WHERE s.lab = p.lab AND s.document_id = p.document_id) "
        "ORDER BY p.lab, p.document_id",
        [lab, lab],
    )
    cols = [d[0] for d in cur.description]
    rows = [dict(zip(cols, r)) for r in cur.fetchall()]
    for r in rows:
        r["proposed_at"] = r["proposed_at"].isoformat() if r["proposed_at"] else None
        r["declare"] = f"supersedes: {r['supersedes']}"
    return rows
