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
from labwatch.warehouse import lineage

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
    from labwatch.warehouse.carry import carry_decisions
    from labwatch.warehouse.store import now

    links = {(k.lab, k.document_id): k for k in links}
    scope = set(scope) | set(links)
    if not scope:
        return set()
    with wh.write() as con:
        before = {
            (lab, doc): (pred, org)
            for lab, doc, pred, org, _ in lineage.successions_of_labs(con, [k[0] for k in scope])
        }
        changed = set()
        for key in scope:
            old, new = before.get(key), links.get(key)
            if new is not None and (old is None or old != (new.supersedes, origin)):
                lineage.store_succession(con, *key, new.supersedes, origin, new.declared_in, now())
                changed.add(key)
            elif new is None and old is not None and old[1] == origin:
                lineage.drop_succession(con, *key)
                changed.add(key)
        if not changed:
            return set()
        _check_no_cycle(con, changed)
        for lab, doc in sorted(changed):
            recompute_changes(con, lab, doc)
            carry_decisions(con, wh.journal_dir, lab, doc)
    return changed


def _check_no_cycle(con, changed: set[tuple[str, str]]) -> None:
    """A cycle closed by a changed link is a CorpusError naming that declaration and the other."""
    rows = lineage.successions_of_labs(con, [lab for lab, _ in changed])
    pred = {(lab, doc): (p, where) for lab, doc, p, _, where in rows}
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


def documents_to_compare(con, touched: set[tuple[str, str]]) -> list[tuple[str, str]]:
    """The documents whose changes a batch that touched ``touched`` may have moved: those with
    two versions or more, and those with a predecessor that has a version, plus the successors
    of every touched document (their first version is compared with its last)."""
    return lineage.successors_to_compare(con, sorted(touched)) if touched else []


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
    made = 0
    # one query for the batch: most documents have no earlier sibling to compare with
    for lab, doc, new_vid, day, text in lineage.new_documents_with_elders(con, sorted(touched)):
        candidates = lineage.latest_versions_before(con, lab, doc, day, MAX_CANDIDATES)
        best = max(((similarity(text, other), pred, vid) for pred, vid, other in candidates), default=None)
        best = best if best is not None and best[0] >= PROPOSE_AT else None
        lineage.store_proposal(con, lab, doc, best, new_vid, now())
        made += best is not None
    return made


def proposals(con, lab: str | None = None) -> list[dict]:
    """Proposed links not declared since: lab, document_id, supersedes, similarity, the two
    versions compared, ``proposed_at`` and ``declare`` (the line that would make labwatch
    follow it)."""
    rows = lineage.open_proposals(con, lab)
    for r in rows:
        r["proposed_at"] = r["proposed_at"].isoformat() if r["proposed_at"] else None
        r["declare"] = f"supersedes: {r['supersedes']}"
    return rows
