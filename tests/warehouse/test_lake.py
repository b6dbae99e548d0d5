"""DuckLake (catalog in a real PostgreSQL started by the test, data as Parquet): a warehouse moves
between a file and the lake both ways, and concurrent reviewers lose and double nothing."""

from __future__ import annotations

import multiprocessing as mp
from datetime import date

import pytest

from labwatch.warehouse import reviews as R
from labwatch.warehouse import store
from labwatch.warehouse.db import Warehouse
from labwatch.warehouse.journal import append_event, list_event_files
from labwatch.warehouse.lake import Lake, LakeError, export_to_lake, import_from_lake
from labwatch.warehouse.queries import CONTRACT_VIEWS

from .conftest import V1, make_record


def views(con) -> dict[str, list[tuple]]:
    return {v: con.execute(f"SELECT * FROM {v} ORDER BY ALL").fetchall() for v in CONTRACT_VIEWS}


def refs(wh, n):
    with wh.read() as con:
        mids = [r[0] for r in con.execute("SELECT match_id FROM candidate_matches ORDER BY match_id").fetchall()]
        return [R.resolve_match(con, m) for m in mids[:n]]


def test_file_to_lake_and_back_keeps_every_contract_view(wh, lake, tmp_path):
    a, b, c = refs(wh, 3)
    R.record_events(
        wh,
        [
            R.new_event(a, reviewer="ann", decision="confirmed"),
            R.new_event(b, reviewer="ann", decision="rejected", note="too vague"),
            R.new_event(c, reviewer="bo", decision="confirmed", credit=0.5),
        ],
    )
    with wh.read() as con:
        before = views(con)
    assert before["reviews"] and before["lab_scores"] and before["candidate_matches"]

    counts = export_to_lake(wh, lake)
    assert counts["review_events"] == 3 and counts["versions"] == 3
    with lake.connect() as con:
        assert views(con) == before
        as_of = con.execute("SELECT * FROM lab_scores_as_of(DATE '2024-12-31') ORDER BY ALL").fetchall()
    with wh.read() as con:
        assert as_of == con.execute("SELECT * FROM lab_scores_as_of(DATE '2024-12-31') ORDER BY ALL").fetchall()

    back = Warehouse(tmp_path / "back" / "wh.duckdb")
    imported = import_from_lake(lake, back)
    assert imported["review_events"] == 3
    with back.read() as con:
        assert views(con) == before
    assert len(list_event_files(back.journal_dir)) == 3  # decisions arrive through the journal


@pytest.mark.slow
def test_export_keeps_the_lakes_own_review_events(wh, lake, tmp_path):
    export_to_lake(wh, lake)
    (a,) = refs(wh, 1)
    lake.record_events([R.new_event(a, reviewer="cy", decision="confirmed")], tmp_path / "cy-journal")
    with pytest.raises(LakeError, match="already holds 3 versions"):
        export_to_lake(wh, lake)
    counts = export_to_lake(wh, lake, replace=True)
    assert counts["review_events"] == 1
    with lake.connect() as con:
        assert con.execute("SELECT reviewer, decision FROM decisions").fetchall() == [("cy", "confirmed")]


def test_import_refuses_a_file_that_holds_a_warehouse(wh, lake):
    export_to_lake(wh, lake)
    with pytest.raises(LakeError, match="already holds a warehouse"):
        import_from_lake(lake, wh)


def test_an_unreachable_catalog_is_one_clear_error(tmp_path):
    lake = Lake("ducklake:postgres:host=127.0.0.1 port=1 user=lab dbname=none connect_timeout=2", tmp_path)
    with pytest.raises(LakeError, match="cannot attach the DuckLake warehouse") as info:
        with lake.connect():
            pass
    assert "\n" not in str(info.value).strip()


def _reviewer(url, data, name, refs_, shared, journal, queue):
    """One reviewer process: its own decisions one at a time, plus the shared ones replayed."""
    lake = Lake(url, data)
    new = 0
    for ref in refs_:
        new += lake.record_events([R.new_event(ref, reviewer=name, decision="confirmed")], journal)
    new += lake.record_events(shared, journal)  # the same events, written by every reviewer
    lake.close()
    queue.put(new)


@pytest.mark.slow
def test_four_reviewers_at_once_lose_nothing_and_double_nothing(lake, tmp_path):
    w = Warehouse(tmp_path / "many.duckdb")
    with w.write() as con:
        for lab in ("alpha", "beta", "gamma"):  # three suggestions each
            store.store_version(con, make_record(lab, "policy", V1, sha=lab, published=date(2024, 1, 10)))
    export_to_lake(w, lake)
    all_refs = refs(w, 8)
    assert len(all_refs) == 8
    shared = [R.new_event(all_refs[0], reviewer="lead", decision="rejected")]
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    procs = [
        ctx.Process(
            target=_reviewer,
            args=(lake.url, lake.data_path, f"r{i}", all_refs[2 * i : 2 * i + 2], shared, tmp_path / f"j{i}", queue),
        )
        for i in range(4)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=300)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    assert sum(queue.get() for _ in procs) == 9  # 8 own decisions + the shared one, once
    with lake.connect() as con:
        rows = con.execute("SELECT event_id, reviewer FROM review_events").fetchall()
        decisions = dict(con.execute("SELECT match_id, n_events FROM decisions").fetchall())
    assert len(rows) == len({e for e, _ in rows}) == 9
    assert sorted(r for _, r in rows) == ["lead", "r0", "r0", "r1", "r1", "r2", "r2", "r3", "r3"]
    assert len(decisions) == 8 and decisions[all_refs[0].match_id] == 2  # r0's and the lead's
    for i in range(4):  # every reviewer's decisions are in its own journal as well
        assert len(list_event_files(tmp_path / f"j{i}")) == 3


def test_a_journal_written_while_the_lake_was_away_is_caught_up_once(wh, lake, tmp_path):
    export_to_lake(wh, lake)
    a, b = refs(wh, 2)
    journal = tmp_path / "offline-journal"
    for ev in (R.new_event(a, reviewer="di", decision="confirmed"), R.new_event(b, reviewer="di", decision="rejected")):
        append_event(journal, ev)  # decided while the lake could not be reached
    assert lake.sync_journal(journal) == 2
    assert lake.sync_journal(journal) == 0
    lake.close()
    with lake.connect() as con:
        assert sorted(con.execute("SELECT decision FROM decisions").fetchall()) == [("confirmed",), ("rejected",)]
