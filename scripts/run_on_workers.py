"""Run a corpus split by lab on the process workers of a Prefect work pool (docs/scale-out.md).

Needs PREFECT_API_URL (a `prefect server start`) and workers started with labwatch's Python:
`python -m prefect worker start --pool POOL --limit 1`. Deploys the run flow to POOL, submits one
flow run per group of labs, waits, and prints one JSON line per group and a total.

    python scripts/run_on_workers.py --corpus DIR --db "ducklake:postgres:... data_path=DIR" --groups 2
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from labwatch.corpus.local import bundled_corpus, discover_corpus
from labwatch.flows.workers import deploy_run, run_split, split_by_lab


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=None, help="default: the bundled sample corpus")
    ap.add_argument("--db", required=True, help="the shared warehouse (a DuckLake address)")
    ap.add_argument("--pool", default="labwatch")
    ap.add_argument("--groups", type=int, default=2, help="flow runs (groups of labs) to split the corpus into")
    args = ap.parse_args()
    corpus = (args.corpus or bundled_corpus()).resolve()
    groups = split_by_lab([d.lab for d in discover_corpus(corpus)], args.groups)
    deployment = deploy_run(args.pool)
    t0 = time.perf_counter()
    results = run_split(corpus, args.db, groups, deployment=deployment)
    for r in results:
        print(json.dumps({"labs": r.labs, "flow_run": r.flow_run_id, "state": r.state, "message": r.message,
                          "seconds": round(r.seconds, 1)}), flush=True)  # fmt: skip
    ok = all(r.state == "COMPLETED" for r in results)
    print(json.dumps({"groups": len(groups), "seconds": round(time.perf_counter() - t0, 1), "ok": ok}), flush=True)
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
