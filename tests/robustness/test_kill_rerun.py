"""Crash safety: a run killed at any point, then run again, ends exactly like a clean run; a
reviewer's decision is durable once the call that records it returns."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from labwatch.warehouse import store
from labwatch.warehouse.db import Warehouse
from labwatch.warehouse.queries import view_counts
from labwatch.warehouse.reviews import new_event, record_events, resolve_match

from . import hostile
from .conftest import cli_command, subprocess_env

RUN_LIMIT = 150  # seconds for one subprocess run (loads the models: ~10-15 s when idle)
PER_LAB = 16  # enough that each kill point finds work left now that runs start encoding at once
N_DOCS = 3 * PER_LAB + 3


# ------------------------------------------------------------------------------ the corpus
def make_corpus(root: Path) -> Path:
    """33 small documents in 3 labs; one document has three versions (so changes exist).

    Enough documents that every kill point is reached with work still left to do."""
    for lab in ("aurora-labs", "borealis-ai", "cirrus-research"):
        (root / lab).mkdir(parents=True)
    n = 0
    for lab in ("aurora-labs", "borealis-ai", "cirrus-research"):
        for k in range(PER_LAB):
            n += 1
            body = hostile.good_text(f"{lab} policy {k}", seed=n).decode()
            body += f"\nDocument {n} of {lab}: we will report progress on item {n} every {n + 1} months.\n"
            (root / lab / f"policy-{k}.txt").write_text(body, encoding="utf-8")
    versioned = root / "aurora-labs" / "framework"
    versioned.mkdir()
    base = hostile.SENTENCES[:5]
    (versioned / "v1.txt").write_text("# Framework\n\n" + "\n\n".join(base) + "\n", encoding="utf-8")
    changed = [s.replace("four weeks", "two weeks") for s in base] + [hostile.SENTENCES[6]]
    (versioned / "v2.txt").write_text("# Framework\n\n" + "\n\n".join(changed) + "\n", encoding="utf-8")
    (versioned / "v3.txt").write_text("# Framework\n\n" + "\n\n".join(changed[1:]) + "\n", encoding="utf-8")
    assert sum(1 for p in root.rglob("*.txt")) == N_DOCS
    return root


def start_run(corpus: Path, db: Path) -> subprocess.Popen:
    """A run in a subprocess that reports each committed batch on stderr (LABWATCH_PROGRESS=lines)."""
    return subprocess.Popen(
        cli_command("run", "--no-prefect", "--corpus", corpus, "--db", db, "--format", "json"),
        env=subprocess_env(LABWATCH_BATCH_SIZE="2", LABWATCH_PROGRESS="lines"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=db.parent,
    )


def _committed_batches(proc: subprocess.Popen) -> list[str]:
    """A list that fills with the run's progress lines as it prints them (one per committed batch)."""
    lines: list[str] = []

    def read() -> None:
        for raw in proc.stderr:
            line = raw.decode("utf-8", "replace").strip()
            if line.startswith("documents: "):
                lines.append(line)

    threading.Thread(target=read, daemon=True).start()
    return lines


def kill_when(proc: subprocess.Popen, db: Path, ready, what: str) -> dict:
    """Poll until ``ready(elapsed, batches, wal_exists)``; SIGKILL the run; its workers must die too.

    ``batches`` counts the batches this run has committed, from its own progress lines (the run
    prints one once a batch's transaction has committed), so a kill point does not depend on how
    fast the machine is. The WAL file is checked every 5 ms: it exists while a write is open.
    """
    wal = db.with_name(db.name + ".wal")
    batches = _committed_batches(proc)
    t0 = time.monotonic()
    while True:
        assert proc.poll() is None, f"the run ended (exit {proc.returncode}) before the kill point {what!r}"
        elapsed = time.monotonic() - t0
        assert elapsed < RUN_LIMIT, f"kill point {what!r} not reached in {RUN_LIMIT} s"
        wal_seen = wal.exists()
        if ready(elapsed, len(batches), wal_seen):
            break
        time.sleep(0.005)
    children = psutil.Process(proc.pid).children(recursive=True)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    _, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, f"processes left behind by the killed run: {[p.pid for p in alive]}"
    assert proc.returncode == -signal.SIGKILL
    return {
        "kill point": what,
        "after s": round(elapsed, 2),
        "batches committed": len(batches),
        "last progress line": batches[-1] if batches else None,
        "wal at kill": wal_seen,
        "children": len(children),
        "wal left": wal.exists(),
    }


def committed_versions(db: Path) -> int:
    with Warehouse(db).read() as con:  # a writer's open replays what a killed run left in the WAL
        return con.execute("SELECT count(*) FROM versions").fetchone()[0]


def finish_run(corpus: Path, db: Path) -> dict:
    proc = start_run(corpus, db)
    out, err = proc.communicate(timeout=RUN_LIMIT * 2)
    assert proc.returncode == 0, err.decode()[-2000:]
    return json.loads(out)


def warehouse_state(db: Path) -> dict:
    """Counts and integrity figures of a warehouse (opening it replays any WAL)."""
    with Warehouse(db).read() as con:
        one = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "views": view_counts(con),
            "versions": sorted(
                con.execute("SELECT lab, document_id, ordinal, text_hash, n_passages FROM versions").fetchall()
            ),
            "duplicate versions": one(
                "SELECT count(*) FROM (SELECT lab, document_id, text_hash FROM versions "
                "GROUP BY ALL HAVING count(*) > 1)"
            ),
            "duplicate ordinals": one(
                "SELECT count(*) FROM (SELECT lab, document_id, ordinal FROM versions GROUP BY ALL HAVING count(*) > 1)"
            ),
            "orphan statements": one(
                "SELECT count(*) FROM statements WHERE version_id NOT IN (SELECT version_id FROM versions)"
            ),
            "matches without statements": one(
                "SELECT count(*) FROM matches WHERE statement_id NOT IN (SELECT statement_id FROM statements)"
            ),
            "versions with missing passages": one(
                "SELECT count(*) FROM versions v WHERE n_passages <> (SELECT count(*) FROM statements s "
                "WHERE s.version_id = v.version_id)"
            ),
            "inputs": one("SELECT count(*) FROM inputs"),
            "changes": sorted(con.execute("SELECT lab, document_id, kind, old_text, new_text FROM changes").fetchall()),
        }


@pytest.mark.slow
@pytest.mark.model
def test_killed_runs_then_a_rerun_equal_a_clean_run(tmp_path):
    corpus = make_corpus(tmp_path / "corpus")
    (tmp_path / "killed").mkdir()
    (tmp_path / "clean").mkdir()
    db = tmp_path / "killed" / "w.duckdb"
    kills = []
    # 1: early, before the models have loaded (the run row may or may not be written)
    kills.append(kill_when(start_run(corpus, db), db, lambda t, b, w: t >= 0.5, "0.5 s after start"))
    # 2: as soon as the first batch of versions is committed
    kills.append(kill_when(start_run(corpus, db), db, lambda t, b, w: b >= 1, "first batch committed"))
    before = committed_versions(db)
    assert before >= 1
    # 3: mid-run, two batches into a re-run
    kills.append(kill_when(start_run(corpus, db), db, lambda t, b, w: b >= 2, "two batches into a re-run"))
    # 4: while a batch write is in flight: once this run has committed a batch, the next time the
    # WAL exists (the write transaction of a later batch is open); else after two more batches
    kills.append(
        kill_when(start_run(corpus, db), db, lambda t, b, w: (b >= 1 and w) or b >= 3, "write in flight (WAL present)")
    )
    settled = committed_versions(db)  # the next open replays what the killed writer left in its WAL
    assert settled > before  # the kill points fell in the middle of real work
    # A WAL torn in the middle of a commit holds nothing committed: DuckDB leaves the file until
    # the next write, and every open sees the same versions.
    assert committed_versions(db) == settled
    final = finish_run(corpus, db)
    assert not db.with_name(db.name + ".wal").exists()  # the finished run's close checkpointed it
    assert final["failed"] == 0 and final["documents"] == N_DOCS
    assert final["new_versions"] + final["skipped"] + final["unchanged"] == N_DOCS
    clean = finish_run(corpus, tmp_path / "clean" / "w.duckdb")
    assert clean["new_versions"] == N_DOCS

    got, want = warehouse_state(db), warehouse_state(tmp_path / "clean" / "w.duckdb")
    print("kill points:", json.dumps(kills, indent=1))
    for key in (
        "duplicate versions",
        "duplicate ordinals",
        "orphan statements",
        "matches without statements",
        "versions with missing passages",
    ):
        assert got[key] == 0, (key, got[key])
    assert got["views"] == want["views"] and want["views"]["passages"] > 0 and want["views"]["commitment_changes"] > 0
    assert got["versions"] == want["versions"]  # same texts, same order of versions, same passages
    assert got["inputs"] == want["inputs"] == N_DOCS
    assert got["changes"] == want["changes"]
    with Warehouse(db).read() as con:
        ((status,),) = con.execute("SELECT status FROM runs WHERE run_id = ?", [final["run_id"]]).fetchall()
    assert status == "ok"


# ---------------------------------------------------------------------- durable decisions
def _one_version_warehouse(path: Path) -> tuple[Warehouse, str]:
    from labwatch.extractors.records import Features, Passage, Suggestion

    text = "We will give external testers four weeks of access before any release."
    rec = store.VersionRecord(
        lab="aurora-labs",
        document_id="framework",
        snapshot_sha="1" * 64,
        text=text,
        format="text",
        parser="test",
        extractor_version="test",
        passages=[Passage(seq=0, text=text, end=len(text))],
        features=[Features(True, "firm", "commitment", modality="will", why="firm modal")],
        suggestions=[[Suggestion("measuring.third_party_access", 0.8, 1, True, "test")]],
    )
    wh = Warehouse(path)
    with wh.write() as con:
        store.store_version(con, rec)
        ((match_id,),) = con.execute("SELECT match_id FROM matches").fetchall()
    return wh, match_id


def _event_ids(db: Path) -> set[str]:
    with Warehouse(db).read() as con:
        return {r[0] for r in con.execute("SELECT event_id FROM review_events").fetchall()}


def test_decision_is_fsynced_in_the_journal_before_record_events_returns(tmp_path, monkeypatch):
    import labwatch.warehouse.journal as journal

    wh, match_id = _one_version_warehouse(tmp_path / "w.duckdb")
    with wh.read() as con:
        event = new_event(resolve_match(con, match_id), reviewer="ana", decision="confirmed")
    log = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(
        journal.os, "fsync", lambda fd: (log.append(("fsync", os.readlink(f"/proc/self/fd/{fd}"))), real_fsync(fd))[1]
    )
    monkeypatch.setattr(journal.os, "replace", lambda a, b: (log.append(("replace", str(b))), real_replace(a, b))[1])
    assert record_events(wh, [event]) is True
    files = [p for p in wh.journal_dir.iterdir()]
    assert len(files) == 1 and json.loads(files[0].read_text())["event_id"] == event.event_id
    kinds = [k for k, _ in log]
    i = kinds.index("replace")
    assert log[i][1] == str(files[0])
    assert "fsync" in kinds[:i] and Path(log[kinds.index("fsync")][1]).parent == wh.journal_dir  # the file's bytes
    assert ("fsync", str(wh.journal_dir)) in log[i + 1 :]  # the rename itself
    assert event.event_id in _event_ids(wh.path)


def test_journal_replays_into_a_fresh_warehouse(tmp_path):
    wh, match_id = _one_version_warehouse(tmp_path / "w.duckdb")
    with wh.read() as con:
        event = new_event(resolve_match(con, match_id), reviewer="ana", decision="confirmed")
    record_events(wh, [event])
    wh.path.unlink()
    fresh, _ = _one_version_warehouse(tmp_path / "w.duckdb")
    with fresh.read() as con:
        rows = con.execute("SELECT match_id, decision, reviewer FROM decisions").fetchall()
    assert rows == [(match_id, "confirmed", "ana")]


HOLD_LOCK = """
import duckdb, sys, time
con = duckdb.connect(sys.argv[1])
con.execute("BEGIN TRANSACTION")
print("locked", flush=True)
time.sleep(120)
"""

RECORD_AND_WAIT = """
import json, sys, time
from labwatch.warehouse.db import Warehouse
from labwatch.warehouse.journal import ReviewEvent
from labwatch.warehouse.reviews import record_events
ev = ReviewEvent.from_dict(json.loads(sys.argv[2]))
loaded = record_events(Warehouse(sys.argv[1]), [ev], load_timeout=0.5)
print(json.dumps({"event_id": ev.event_id, "loaded": loaded}), flush=True)
time.sleep(120)
"""


def test_decision_survives_a_busy_warehouse_and_a_killed_reviewer_process(tmp_path):
    from dataclasses import asdict

    wh, match_id = _one_version_warehouse(tmp_path / "w.duckdb")
    with wh.read() as con:
        event = new_event(resolve_match(con, match_id), reviewer="ben", decision="rejected")
    env = subprocess_env()
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(wh.path)], stdout=subprocess.PIPE, env=env)
    try:
        assert holder.stdout.readline().strip() == b"locked"
        reviewer = subprocess.Popen(
            [sys.executable, "-c", RECORD_AND_WAIT, str(wh.path), json.dumps(asdict(event))],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        line = reviewer.stdout.readline()
        reviewer.kill()  # the moment record_events has returned (while the warehouse was busy)
        reviewer.wait(10)
        assert line, reviewer.stderr.read().decode()[-2000:]
        assert json.loads(line) == {"event_id": event.event_id, "loaded": False}  # busy: journal only
        assert any(p.name.endswith(f"-{event.event_id}.json") for p in wh.journal_dir.iterdir())
    finally:
        holder.kill()  # the lock holder dies too, mid-transaction
        holder.wait(10)
    assert event.event_id in _event_ids(wh.path)  # the next open loads the journal
    with wh.read() as con:
        assert con.execute("SELECT decision, reviewer FROM decisions").fetchall() == [("rejected", "ben")]
