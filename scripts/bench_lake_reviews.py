"""Throughput of concurrent review writes into a DuckLake warehouse (figures: docs/scale-out.md).

Copies a warehouse file into an empty lake, then starts W reviewer processes that each record E
decisions on distinct suggestions, one event per commit (as `labwatch review confirm` would), and
reports commits per second over all writers, with the count of rows the lake ends with.
`--url file:` runs the same writers through the review API on a copy of the DuckDB file instead;
`--url "db:ducklake:postgres:..."` through the review API on the lake as `--db` (what
`labwatch review confirm --db LAKE` does: journal first, then a write in turn), each writer with
its own home (journal), as reviewers on their own machines.

    python scripts/bench_lake_reviews.py --db data/demo.duckdb \
        --url "ducklake:postgres:host=127.0.0.1 port=5432 user=lab dbname=bench" --lake-data /tmp/bench-lake \
        --writers 1 4 --events 10
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import shutil
import tempfile
import time
from pathlib import Path

from labwatch.warehouse import reviews as R
from labwatch.warehouse.db import Warehouse
from labwatch.warehouse.lake import Lake, export_to_lake


def _writer(url: str, refs, name: str, journal: str, start, out) -> None:
    if url.startswith(("file:", "db:")):  # the review API into a DuckDB file, or a lake as --db
        target = url.split(":", 1)[1]
        wh = Warehouse(target + f" home={journal}" if url.startswith("db:") else target)
        if url.startswith("db:"):
            wh.ensure()  # extensions loaded and the catalog reached before the clock starts
        start.wait()
        for ref in refs:
            R.record_events(wh, [R.new_event(ref, reviewer=name, decision="confirmed")], load_timeout=120)
        out.put(0)
        return
    lake = Lake(url)
    lake.session()  # extensions loaded and the catalog reached before the clock starts
    start.wait()
    for ref in refs:
        lake.record_events([R.new_event(ref, reviewer=name, decision="confirmed")], Path(journal))
    out.put(0)
    lake.close()


def _refs(wh: Warehouse, n: int) -> list:
    with wh.read() as con:
        ids = [r[0] for r in con.execute("SELECT match_id FROM candidate_matches ORDER BY match_id").fetchall()]
        refs = [R.resolve_match(con, m) for m in ids[:n]]
    if len(refs) < n:
        raise SystemExit(f"{wh.path}: {len(refs)} suggestions, need {n}")
    return refs


def _race(url: str, refs: list, writers: int, events: int, journals: str) -> float:
    """Start the writers, let them connect, release them at once; returns the wall time."""
    ctx = mp.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    procs = [
        ctx.Process(
            target=_writer,
            args=(url, refs[i * events : (i + 1) * events], f"bench{writers}w{i}", f"{journals}/{i}", start, out),
        )
        for i in range(writers)
    ]
    for p in procs:
        p.start()
    time.sleep(5)  # let every writer load its extensions and connect
    t0 = time.perf_counter()
    start.set()
    for p in procs:
        p.join()
    return time.perf_counter() - t0


def run(db: Path, url: str, data: str, writers: int, events: int) -> dict:
    if url.startswith("file:"):
        return _run_file(db, writers, events)
    via_db = url.startswith("db:")
    url = url.split(":", 1)[1] if via_db else url
    lake = Lake(url, data)
    export_to_lake(Warehouse(db), lake, replace=True)
    with tempfile.TemporaryDirectory() as journals:
        wall = _race(("db:" if via_db else "") + url, _refs(Warehouse(db), writers * events), writers, events, journals)
    with lake.connect() as con:
        n = con.execute("SELECT count(*) FROM review_events WHERE reviewer LIKE ?", [f"bench{writers}w%"]).fetchone()[0]
        distinct = con.execute("SELECT count(DISTINCT event_id) FROM review_events").fetchone()[0]
        total = con.execute("SELECT count(*) FROM review_events").fetchone()[0]
    return {"target": "ducklake --db" if via_db else "ducklake", "writers": writers, "events": writers * events, "stored": n,
            "doubled": total - distinct, "seconds": round(wall, 2),
            "commits_per_s": round(writers * events / wall, 2)}  # fmt: skip


def _run_file(db: Path, writers: int, events: int) -> dict:
    """The baseline: the same writers on a private copy of the DuckDB file."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "copy.duckdb"
        shutil.copy(db, copy)
        wall = _race(f"file:{copy}", _refs(Warehouse(copy), writers * events), writers, events, tmp)
        with Warehouse(copy).read() as con:
            n = con.execute("SELECT count(*) FROM review_events").fetchone()[0]
    return {"target": "file", "writers": writers, "events": writers * events, "stored": n,
            "seconds": round(wall, 2), "commits_per_s": round(writers * events / wall, 2)}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--url", required=True, help="a DuckLake address, or file: for the DuckDB-file baseline")
    ap.add_argument("--lake-data")
    ap.add_argument("--writers", type=int, nargs="+", default=[1, 4])
    ap.add_argument("--events", type=int, default=10, help="per writer")
    args = ap.parse_args()
    for w in args.writers:
        print(run(args.db, args.url, args.lake_data, w, args.events), flush=True)


if __name__ == "__main__":
    main()
