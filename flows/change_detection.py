"""Between the warehouse and the pure diff: load statements of consecutive versions, diff them."""

from __future__ import annotations

import hashlib
import json

import numpy as np

from labwatch.extractors.records import Statement
from labwatch.warehouse import change_log
from labwatch.warehouse.change_log import ChangeRow


def changes_for_document(con, lab: str, document_id: str) -> list[ChangeRow]:
    """Rows for the ``changes`` table: every consecutive version pair of one document, and, when
    the document supersedes another (``successions``), its first version against the
    predecessor's latest version dated on or before it (``old_document_id`` names the
    predecessor).

    Each row cites both sides: the version, and the statement's position in it (``*_seq``,
    ``*_page``, ``*_section``; the view adds each version's snapshot sha256 and URL). A change
    between two versions carrying the same published date is a re-upload; unannounced, it is
    flagged ``silent_reupload``. Each change is linked to the change-log entry that announces
    it -- from the new version's own change-log section, or from a change-log page the registry
    links to the document -- or marked silent (``announced`` false, ``changelog_entry`` null).
    ``detected_at`` is kept from an earlier computation of the same change, so recomputing
    never makes a change new.
    """
    from labwatch.extractors.changes.changelog import changelog_entries, link_changes
    from labwatch.extractors.changes.classification import CHANGES_VERSION, diff_statements
    from labwatch.warehouse.store import now

    versions = change_log.predecessor_version(con, lab, document_id) + change_log.document_versions(
        con, lab, document_id
    )
    detected = change_log.detection_times(con, lab, document_id)
    page = change_log.changelog_page_entries(con, lab, document_id)
    is_page = change_log.is_changelog_page(con, lab, document_id)
    stamp = now()
    rows: list[ChangeRow] = []
    prev = None
    for vid, doc, published in versions:
        cur = change_log.version_statements(con, vid)
        if prev is not None:
            old_vid, old_doc, old_published, old = prev
            reupload = old_doc == doc and published is not None and old_published == published
            entries = list(dict.fromkeys(changelog_entries(cur) + page))
            va, vb = stored_vectors_for(con, old, cur)
            found = diff_statements(old, cur, vectors_old=va, vectors_new=vb)
            for i, (ch, entry) in enumerate(link_changes(found, entries)):
                if is_page:  # an edit of a change-log page is its own announcement
                    entry = (ch.new or ch.old).text
                old_text = ch.old.text if ch.old is not None else None
                new_text = ch.new.text if ch.new is not None else None
                key = "\x1f".join([old_vid, vid, ch.kind, old_text or "", new_text or "", str(i)])
                change_id = "c_" + hashlib.sha256(key.encode()).hexdigest()[:16]
                rows.append(
                    ChangeRow(
                        change_id=change_id,
                        lab=lab,
                        document_id=document_id,
                        old_version_id=old_vid,
                        new_version_id=vid,
                        kind=ch.kind,
                        reason=ch.reason,
                        old_text=old_text,
                        new_text=new_text,
                        criteria=tuple(ch.criteria),
                        published=published,
                        changes_version=CHANGES_VERSION,
                        announced=entry is not None,
                        changelog_entry=entry,
                        detected_at=detected.get(change_id, stamp),
                        old_document_id=old_doc,
                        **_position("old", ch.old),
                        **_position("new", ch.new),
                        silent_reupload=reupload and entry is None,
                        dimensions=json.dumps(ch.as_dict()["dimensions"]),
                    )
                )
        prev = (vid, doc, published, cur)
    return rows


def stored_vectors_for(con, old: list[Statement], new: list[Statement]):
    """Sentence vectors of two versions' statements from the warehouse (``embeddings``, stored
    when the run matched them), so that the run and the crawl align by meaning as `labwatch
    diff` does, without loading a model. Statements identical in both versions are paired by
    hash and need none; when any other statement has no stored vector, (None, None): the
    alignment then goes by wording alone rather than by a mix of the two."""
    from labwatch.extractors.changes.alignment import pair_identical
    from labwatch.extractors.records import text_hash

    _, rest_old, rest_new = pair_identical([s.text for s in old], [s.text for s in new])
    if not rest_old or not rest_new:
        return None, None
    hashes_old = [text_hash(old[i].text) for i in rest_old]
    hashes_new = [text_hash(new[j].text) for j in rest_new]
    stored = change_log.stored_vectors(con, hashes_old + hashes_new)
    if not all(h in stored for h in hashes_old + hashes_new):
        return None, None
    dim = len(next(iter(stored.values())))
    va = np.zeros((len(old), dim), dtype=np.float32)
    vb = np.zeros((len(new), dim), dtype=np.float32)
    va[rest_old] = [stored[h] for h in hashes_old]
    vb[rest_new] = [stored[h] for h in hashes_new]
    return va, vb


def _position(side: str, statement: Statement | None) -> dict:
    """Where one side of a change sits in its version: seq, page, section path (None if absent)."""
    p = statement.passage if statement is not None else None
    return {
        f"{side}_seq": p.seq if p else None,
        f"{side}_page": p.page if p else None,
        f"{side}_section": (" > ".join(p.section) or None) if p else None,
    }


def record_changelog_links(wh, sources) -> None:
    """Remember which registry sources name a change-log page (``Source.changelog``), replacing
    what was recorded for their labs before."""
    labs = sorted({s.lab for s in sources})
    links = sorted({(s.lab, s.document, s.changelog) for s in sources if s.changelog})
    if not labs:
        return
    with wh.write() as con:
        change_log.replace_changelog_links(con, labs, links)


def refresh_linked_changes(wh, labs) -> int:
    """Recompute the changes of documents that have a change-log page, in ``labs`` (a page
    crawled later can announce a change found earlier). Returns how many documents."""
    labs = sorted(set(labs))
    if not labs or not wh.exists:
        return 0
    with wh.write() as con:
        docs = change_log.documents_with_changelog(con, labs)
        for lab, doc in docs:
            recompute_changes(con, lab, doc)
    return len(docs)


def recompute_changes(con, lab: str, document_id: str) -> int:
    """Commitment changes between each pair of consecutive versions of one document."""
    from labwatch.warehouse import store

    rows = changes_for_document(con, lab, document_id)
    store.replace_changes(con, lab, document_id, rows)
    return len(rows)
