"""Reviewers in several processes confirm while another process keeps writing: nothing is lost."""

from __future__ import annotations

import multiprocessing as mp
import time

import pytest

from labwatch.warehouse import reviews as R
from labwatch.warehouse.db import Warehouse


def _busy_writer(path: str, seconds: float) -> None:
    """A pipeline-like writer: short transactions, each holding the file ~150 ms."""
    wh = Warehouse(path, timeout=60)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        with wh.write() as con:
            con.execute("INSERT INTO failures (run_id, stage, source, reason) VALUES ('busy', 'x', 'y', 'z')")
            time.sleep(0.15)


def _reviewer(path: str, name: str, match_ids: list[str]) -> None:
    wh = Warehouse(path, timeout=60)
    for mid in match_ids:
        with wh.read() as con:
            ref = R.resolve_match(con, mid)
        R.record_events(wh, [R.new_event(ref, reviewer=name, decision="confirmed", origin="test")], load_timeout=0.5)


@pytest.mark.slow
def test_four_reviewers_beside_a_writer_lose_nothing(wh):
    with wh.read() as con:
        mids = [r[0] for r in con.execute("SELECT DISTINCT match_id FROM matches ORDER BY 1").fetchall()]
    assert len(mids) >= 8
    ctx = mp.get_context("spawn")
    writer = ctx.Process(target=_busy_writer, args=(str(wh.path), 4.0))
    writer.start()
    time.sleep(0.3)
    reviewers = [ctx.Process(target=_reviewer, args=(str(wh.path), f"rev{i}", mids[i::4])) for i in range(4)]
    for p in reviewers:
        p.start()
    for p in reviewers + [writer]:
        p.join(120)
        assert p.exitcode == 0
    with wh.write():
        pass  # any later write loads whatever the journal still holds
    with wh.read() as con:
        n_events = con.execute("SELECT count(*) FROM review_events").fetchone()[0]
        decided = {r[0] for r in con.execute("SELECT match_id FROM decisions WHERE decision = 'confirmed'").fetchall()}
    assert n_events == len(mids)
    assert decided == set(mids)
