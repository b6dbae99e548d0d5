"""One order of versions (SQL and Python agree), same-date re-uploads, and change rows that cite
both sides. Hand-made records, real DuckDB file, no model."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

from labwatch.flows.change_detection import recompute_changes
from labwatch.warehouse import queries, store
from labwatch.warehouse.lineage import first_seen_stamp, version_order, version_sort_key

from .conftest import V1, V2, make_record

UPLOAD = [
    ("We will give three external organisations pre-deployment access to each frontier model.", None, True),
    ("Our offices are in a converted mill.", None, False),
    ("We will publish a summary of each risk assessment.", None, True),
]
REUPLOAD = [
    ("We will give two external organisations pre-deployment access to each frontier model.", None, True),
    ("Our offices are in a converted mill.", None, False),
    ("We will publish a summary of each risk assessment.", None, True),
]


def _changes(wh, lab="gamma", doc="framework"):
    with wh.write() as con:
        recompute_changes(con, lab, doc)
    with wh.read() as con:
        return [r for r in queries.changes(con, lab=lab) if r["document_id"] == doc]


def test_sql_and_python_order_versions_the_same_way(wh):
    t0 = datetime(2025, 8, 20, 9, 0)
    rows = []
    for i, (published, seen, text_hash) in enumerate(
        itertools.product([None, date(2025, 8, 20), date(2025, 8, 19)], [t0, t0 + timedelta(days=2)], ["b", "a"])
    ):
        rows.append((f"v_{i:02d}", published, seen, text_hash))
    with wh.write() as con:
        for vid, published, seen, th in rows:
            con.execute(
                "INSERT INTO versions (version_id, lab, document_id, ordinal, text_hash, published, seen_at) "
                "VALUES (?, 'order', 'doc', ?, ?, ?, ?)",
                [vid, 100 - int(vid[2:]), th, published, seen],
            )
    with wh.read() as con:
        in_sql = [
            r[0]
            for r in con.execute(
                f"SELECT version_id FROM versions WHERE lab = 'order' ORDER BY {version_order()}"
            ).fetchall()
        ]
        newest = con.execute(
            "SELECT version_id FROM current_versions(DATE '2030-01-01') WHERE lab = 'order'"
        ).fetchone()
    in_python = [r[0] for r in sorted(rows, key=lambda r: version_sort_key(r[1], r[2], r[3], r[0]))]
    assert in_sql == in_python
    assert newest[0] == in_python[-1]
    # on one date: first seen decides, then content; the ordinal (here the reverse) plays no part
    by_id = {r[0]: r for r in rows}
    same_day = [by_id[v] for v in in_sql if by_id[v][1] == date(2025, 8, 20)]
    assert [(r[2], r[3]) for r in same_day] == [
        (t0, "a"),
        (t0, "b"),
        (t0 + timedelta(days=2), "a"),
        (t0 + timedelta(days=2), "b"),
    ]


def test_first_seen_stamps_strictly_increase():
    stamps = [first_seen_stamp() for _ in range(500)]
    assert all(a < b for a, b in zip(stamps, stamps[1:]))


def test_a_same_date_reupload_is_later_and_flagged_silent(wh):
    day = date(2025, 8, 20)
    with wh.write() as con:
        store.store_version(con, make_record("gamma", "framework", UPLOAD, sha="up", published=day))
        store.store_version(con, make_record("gamma", "framework", REUPLOAD, sha="re", published=day))
    [change] = _changes(wh)
    assert change["published"] == change["old_published"] == "2025-08-20"
    assert change["silent_reupload"] is True and change["announced"] is False
    assert "three" in change["old"] and "two" in change["new"]
    assert change["old_snapshot_sha256"] == "up" and change["new_snapshot_sha256"] == "re"
    assert change["old_seen_at"] < change["new_seen_at"]
    with wh.read() as con:
        current = con.execute(
            "SELECT snapshot_sha FROM current_versions(DATE '2025-08-21') WHERE lab = 'gamma'"
        ).fetchone()[0]
    assert current == "re"  # what a reader sees today is the re-upload


def test_the_order_is_the_order_first_seen_not_the_content(wh):
    """The same two texts stored the other way round: the later-stored is the new side."""
    day = date(2025, 8, 20)
    with wh.write() as con:
        store.store_version(con, make_record("gamma", "framework", REUPLOAD, sha="re", published=day))
        store.store_version(con, make_record("gamma", "framework", UPLOAD, sha="up", published=day))
    [change] = _changes(wh)
    assert (change["old_snapshot_sha256"], change["new_snapshot_sha256"]) == ("re", "up")
    assert "two" in change["old"] and "three" in change["new"]


def test_a_change_under_a_new_date_is_not_a_reupload(wh):
    [change] = [c for c in _changes(wh, "alpha", "policy") if c["kind"] == "added"][:1]
    assert change["silent_reupload"] is False


def test_every_change_cites_page_section_version_and_snapshot_of_both_sides(wh, tmp_path):
    rows = _changes(wh, "alpha", "policy")
    assert rows
    with wh.read() as con:
        versions = dict(con.execute("SELECT snapshot_sha, version_id FROM versions WHERE lab = 'alpha'").fetchall())
    for r in rows:
        assert (r["old_version_id"], r["new_version_id"]) == (versions["a1"], versions["a2"])
        assert (r["old_snapshot_sha256"], r["new_snapshot_sha256"]) == ("a1", "a2")
        assert r["old_document_id"] == "policy"
        for side in ("old", "new"):
            if r[side] is None:  # added / removed: no statement on that side
                assert r[f"{side}_page"] is None and r[f"{side}_seq"] is None
                continue
            texts = [t for t, _, _ in (V1 if side == "old" else V2)]
            seq = texts.index(r[side])
            assert r[f"{side}_seq"] == seq
            assert r[f"{side}_page"] == 1 + seq // 3  # the page the passage was on
            assert r[f"{side}_section"] == "Evaluations"


def test_a_crawled_version_cites_its_url_opened_at_the_page(wh):
    with wh.write() as con:
        for sha, sentences, day in (("p1", UPLOAD, date(2025, 1, 1)), ("p2", REUPLOAD, date(2025, 2, 1))):
            rec = make_record("gamma", "framework", sentences, sha=sha, published=day)
            rec.format, rec.source = "pdf", "https://gamma.example/framework.pdf"
            rec.source_url = rec.source
            store.store_version(con, rec)
    [change] = _changes(wh)
    assert change["old_url"] == change["new_url"] == "https://gamma.example/framework.pdf"
    assert change["new_link"] == "https://gamma.example/framework.pdf#page=1"
    assert change["old_format"] == "pdf"
