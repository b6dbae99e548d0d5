"""Between the warehouse and the pure diff: load statements of consecutive versions, diff them."""

from __future__ import annotations

import hashlib

from labwatch.extractors.records import Features, Passage, Statement
from labwatch.warehouse.lineage import version_order


def _statements(con, version_id: str) -> list[Statement]:
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


def changes_for_document(con, lab: str, document_id: str) -> list[dict]:
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

    versions = con.execute(
        "SELECT version_id, document_id, published FROM versions WHERE lab = ? AND document_id = ? "
        f"ORDER BY {version_order()}",
        [lab, document_id],
    ).fetchall()
    versions = _predecessor_version(con, lab, document_id) + versions
    detected = dict(
        con.execute(
            "SELECT change_id, detected_at FROM changes WHERE lab = ? AND document_id = ? AND detected_at IS NOT NULL",
            [lab, document_id],
        ).fetchall()
    )
    page = changelog_page_entries(con, lab, document_id)
    is_page = is_changelog_page(con, lab, document_id)
    stamp = now()
    rows: list[dict] = []
    prev = None
    for vid, doc, published in versions:
        cur = _statements(con, vid)
        if prev is not None:
            old_vid, old_doc, old_published, old = prev
            reupload = old_doc == doc and published is not None and old_published == published
            entries = list(dict.fromkeys(changelog_entries(cur) + page))
            for i, (ch, entry) in enumerate(link_changes(diff_statements(old, cur), entries)):
                if is_page:  # an edit of a change-log page is its own announcement
                    entry = (ch.new or ch.old).text
                old_text = ch.old.text if ch.old is not None else None
                new_text = ch.new.text if ch.new is not None else None
                key = "\x1f".join([old_vid, vid, ch.kind, old_text or "", new_text or "", str(i)])
                change_id = "c_" + hashlib.sha256(key.encode()).hexdigest()[:16]
                rows.append(
                    {
                        "change_id": change_id,
                        "lab": lab,
                        "document_id": document_id,
                        "old_version_id": old_vid,
                        "new_version_id": vid,
                        "kind": ch.kind,
                        "reason": ch.reason,
                        "old_text": old_text,
                        "new_text": new_text,
                        "criteria": list(ch.criteria),
                        "published": published,
                        "changes_version": CHANGES_VERSION,
                        "announced": entry is not None,
                        "changelog_entry": entry,
                        "detected_at": detected.get(change_id, stamp),
                        "old_document_id": old_doc,
                        **_position("old", ch.old),
                        **_position("new", ch.new),
                        "silent_reupload": reupload and entry is None,
                    }
                )
        prev = (vid, doc, published, cur)
    return rows


def _predecessor_version(con, lab: str, document_id: str) -> list[tuple]:
    """[(version_id, document_id, published)] of the version a successor's first is compared
    with: the predecessor's latest on or before the successor's first date (else its first)."""
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


def _position(side: str, statement: Statement | None) -> dict:
    """Where one side of a change sits in its version: seq, page, section path (None if absent)."""
    p = statement.passage if statement is not None else None
    return {
        f"{side}_seq": p.seq if p else None,
        f"{side}_page": p.page if p else None,
        f"{side}_section": (" > ".join(p.section) or None) if p else None,
    }


def changelog_page_entries(con, lab: str, document_id: str) -> list[str]:
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


def is_changelog_page(con, lab: str, document_id: str) -> bool:
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


def record_changelog_links(wh, sources) -> None:
    """Remember which registry sources name a change-log page (``Source.changelog``), replacing
    what was recorded for their labs before."""
    labs = sorted({s.lab for s in sources})
    links = sorted({(s.lab, s.document, s.changelog) for s in sources if s.changelog})
    if not labs:
        return
    with wh.write() as con:
        con.execute("DELETE FROM changelog_sources WHERE lab IN (SELECT unnest(?))", [labs])
        if links:
            con.executemany("INSERT OR IGNORE INTO changelog_sources VALUES (?, ?, ?)", links)


def refresh_linked_changes(wh, labs) -> int:
    """Recompute the changes of documents that have a change-log page, in ``labs`` (a page
    crawled later can announce a change found earlier). Returns how many documents."""
    labs = sorted(set(labs))
    if not labs or not wh.exists:
        return 0
    with wh.write() as con:
        docs = con.execute(
            "SELECT DISTINCT c.lab, c.document_id FROM changelog_sources c "
            "JOIN versions v ON v.lab = c.lab AND v.document_id = c.document_id "
            "WHERE c.lab IN (SELECT unnest(?)) ORDER BY 1, 2",
            [labs],
        ).fetchall()
        for lab, doc in docs:
            recompute_changes(con, lab, doc)
    return len(docs)


def recompute_changes(con, lab: str, document_id: str) -> int:
    """Commitment changes between each pair of consecutive versions of one document."""
    from labwatch.warehouse import store

    rows = changes_for_document(con, lab, document_id)
    store.replace_changes(con, lab, document_id, rows)
    return len(rows)
