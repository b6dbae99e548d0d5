"""Many writers on one DuckLake warehouse (a real PostgreSQL catalog started by the tests), as real
processes: four reviewers and a run at once lose and double nothing, and a run split by lab over
two Prefect process workers stores the rows of a single-process run."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest

from labwatch.corpus.local import bundled_corpus
from labwatch.warehouse.db import Warehouse
from labwatch.warehouse.journal import list_event_files
from labwatch.warehouse.lake import Lake
from labwatch.warehouse.queries import CONTRACT_VIEWS

from .conftest import invoke, invoke_json

pytestmark = [pytest.mark.model, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
FIRST_LABS = ("brackenridge-labs", "corvid-ridge")
# columns that say when a row was written, or which random id an event got: not what it holds
WRITTEN_AT = {
    "reviews": "review_id, created_at",
    "confirmed_evidence": "decided_at",
    "commitment_changes": "detected_at, old_seen_at, new_seen_at",
    "versions": "seen_at",
    "changes": "detected_at",
}
TABLES = ("versions", "changes", "documents", "embeddings", "rubric_criteria")


def rows(con) -> dict[str, list[tuple]]:
    """The seven contract views and the derived tables, less the write-time columns."""
    got = {}
    for name in (*CONTRACT_VIEWS, *TABLES):
        cols = f"* EXCLUDE ({WRITTEN_AT[name]})" if name in WRITTEN_AT else "*"
        if name == "documents":
            cols = "* EXCLUDE (created_at)"
        got[name] = con.execute(f"SELECT {cols} FROM {name} ORDER BY ALL").fetchall()
    return got


def lake_url(pg_server, tmp_path: Path, home: Path) -> str:
    return f"ducklake:postgres:{pg_server.new_database()} data_path={tmp_path / 'parquet'} home={home}"


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """`labwatch ...` as its own process (the venv's entry point, as a user runs it)."""
    return subprocess.run(
        [sys.executable, "-m", "labwatch.flows.cli", *args],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})},
    )


def test_four_reviewers_and_a_run_writing_at_once_lose_nothing_and_double_nothing(pg_server, tmp_path):
    first = tmp_path / "first"  # two labs first, so there are suggestions to review
    for lab in FIRST_LABS:
        shutil.copytree(bundled_corpus() / lab, first / lab)
    home = tmp_path / "home"  # one journal for all: every write reloads everyone's decisions
    lake = lake_url(pg_server, tmp_path, home)
    invoke("run", "--no-prefect", "--corpus", first, "--db", lake)
    items = [i["id"] for i in invoke_json("review", "list", "--db", lake, "--limit", "100")["items"]]
    assert len(items) >= 21, len(items)
    shared, own = items[0], [items[1 + 5 * r : 6 + 5 * r] for r in range(4)]

    results: list[subprocess.CompletedProcess] = []

    def reviewer(r: int) -> None:
        for mid in own[r]:
            results.append(cli("review", "confirm", mid, "--reviewer", f"r{r}", "--db", lake))
        results.append(cli("review", "reject", shared, "--reviewer", f"r{r}", "--note", "vague", "--db", lake))

    run = subprocess.Popen(  # the whole corpus: the other two labs' documents arrive meanwhile
        [sys.executable, "-m", "labwatch.flows.cli", "run", "--no-prefect", "--db", lake, "--format", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    threads = [threading.Thread(target=reviewer, args=(r,)) for r in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=900)
    out, errors = run.communicate(timeout=900)
    assert run.returncode == 0, errors
    assert [(p.returncode, p.stderr) for p in results if p.returncode != 0] == []
    assert len(results) == 24

    Warehouse(lake).ensure()  # any later write loads what a busy moment left in the journal
    with Lake(lake).connect() as con:
        events = con.execute("SELECT event_id, reviewer, decision FROM review_events").fetchall()
        n_events = dict(con.execute("SELECT match_id, n_events FROM decisions").fetchall())
        got = rows(con)
    assert len(events) == len({e for e, _, _ in events}) == 24  # nothing lost, nothing doubled
    assert len(list_event_files(Warehouse(lake).journal_dir)) == 24  # each written to the journal first
    assert len(n_events) == 21 and n_events[shared] == 4

    # the same work one step at a time on a file: the same rows, decisions and scores
    file = tmp_path / "one.duckdb"
    invoke("run", "--no-prefect", "--corpus", first, "--db", file)
    invoke("run", "--no-prefect", "--db", file)
    shutil.copytree(home / "lake.journal", Path(str(file) + ".journal"))
    Warehouse(file).ensure()
    with duckdb.connect(str(file), read_only=True) as con:
        want = rows(con)
    assert all(want[v] for v in CONTRACT_VIEWS), {v: len(want[v]) for v in CONTRACT_VIEWS}
    # The run that ran while decisions arrived learned from those already in the lake (reviewers'
    # decisions are the matcher's examples), so its suggestions' scores depend on that timing and
    # differ from the file's, whose runs saw none: everything else is the same, row for row.
    assert [n for n in want if n != "candidate_matches" and got[n] != want[n]] == []
    assert per_statement(Lake(lake)) == per_statement(file)


def per_statement(where) -> list[tuple]:
    """(statement, how many matches, how many distinct criteria): a lost or doubled match shows."""
    sql = "SELECT statement_id, count(*), count(DISTINCT criterion_id) FROM matches GROUP BY ALL ORDER BY ALL"
    if isinstance(where, Lake):
        with where.connect() as con:
            return con.execute(sql).fetchall()
    with duckdb.connect(str(where), read_only=True) as con:
        return con.execute(sql).fetchall()


# -- Prefect workers -------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(cmd: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(cmd, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)


def _stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)


@pytest.fixture()
def prefect_pool(tmp_path):
    """A Prefect server on loopback, a process work pool and two workers (this venv's Python)."""
    port = _free_port()
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "PREFECT_WORKER_QUERY_SECONDS": "2",
    }
    prefect = [sys.executable, "-m", "prefect"]
    procs = [
        _start([*prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)], env, tmp_path / "server.log")
    ]
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if procs[0].poll() is not None or time.monotonic() > deadline:
                pytest.skip(f"Prefect's server did not start: {(tmp_path / 'server.log').read_text()[-300:]}")
            time.sleep(1)
        made = subprocess.run(
            [*prefect, "work-pool", "create", "lw", "--type", "process"], env=env, capture_output=True
        )
        assert made.returncode == 0, made.stderr
        for w in ("w1", "w2"):
            cmd = [*prefect, "worker", "start", "--pool", "lw", "--type", "process", "--limit", "1", "--name", w]
            procs.append(_start(cmd, env, tmp_path / f"{w}.log"))
        yield env
    finally:
        _stop(procs)


def test_two_prefect_workers_split_by_lab_store_the_rows_of_one_process(pg_server, prefect_pool, tmp_path):
    lake = lake_url(pg_server, tmp_path, tmp_path / "home")
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "run_on_workers.py"), "--pool", "lw", "--db", lake, "--groups", "2"],
        env=prefect_pool,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    logs = "".join((tmp_path / f"{w}.log").read_text()[-1500:] for w in ("w1", "w2"))
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:] + logs
    file = tmp_path / "one.duckdb"
    invoke("run", "--no-prefect", "--db", file)  # one process, the whole corpus

    with Lake(lake).connect() as con:
        got = rows(con)
        runs = con.execute("SELECT args, started_at, finished_at, status FROM runs ORDER BY started_at").fetchall()
        got_matches = con.execute("SELECT match_id, rank, suggested, score FROM matches ORDER BY ALL").fetchall()
    with duckdb.connect(str(file), read_only=True) as con:
        want = rows(con)
        want_matches = con.execute("SELECT match_id, rank, suggested, score FROM matches ORDER BY ALL").fetchall()
    assert all(want[v] for v in ("passages", "candidate_matches", "commitment_changes", "lab_scores"))
    for name in want:
        assert got[name] == want[name], name
    # every match, ranked alike; a score may differ in its last (4th) decimal, since the split runs
    # encode other batches of passages and a float sum in another order can round the other way
    assert [m[:3] for m in got_matches] == [m[:3] for m in want_matches]
    assert max(abs(a[3] - b[3]) for a, b in zip(got_matches, want_matches)) <= 1e-4 + 1e-9

    assert [r[3] for r in runs] == ["ok", "ok"] and all('"labs"' in r[0] for r in runs)
    (_, s1, f1, _), (_, s2, f2, _) = runs
    assert s2 < f1, "the two groups did not run at the same time"
