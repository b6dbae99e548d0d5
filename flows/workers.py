"""A run spread over Prefect workers: a corpus split by lab, one flow run per group of labs, taken
by the process workers of one work pool, all writing into one shared (DuckLake) warehouse.

    prefect server start --host 127.0.0.1                     # once, anywhere the workers reach
    prefect work-pool create labwatch --type process          # once
    python -m prefect worker start --pool labwatch --limit 1  # on each machine (the labwatch venv's python)
    python scripts/run_on_workers.py --corpus DIR --db "ducklake:postgres:..." --groups 2

A DuckDB file cannot be shared by workers on several machines (nor written by two processes at
once), so the warehouse of a split run is a DuckLake one; its writers take turns per batch
(``warehouse.lakehouse``), and derivation, the slow part, runs in parallel.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

DEPLOYMENT = "split-run"


@dataclass(frozen=True)
class GroupRun:
    """One flow run of a split run: its labs, final state and times (seconds since submission)."""

    labs: list[str]
    flow_run_id: str
    state: str
    message: str | None
    seconds: float


def split_by_lab(labs: list[str], groups: int) -> list[list[str]]:
    """``labs`` (sorted) dealt round-robin into at most ``groups`` non-empty groups."""
    ordered = sorted(set(labs))
    n = max(1, min(groups, len(ordered)))
    return [ordered[i::n] for i in range(n)]


def deploy_run(pool: str) -> str:
    """Register the run flow as a deployment of ``pool`` (a Prefect process work pool); returns
    its name. Workers import the flow from the installed labwatch package, so nothing is built
    or uploaded: every machine needs labwatch installed, and the corpus at the same path."""
    from prefect.deployments.runner import EntrypointType

    from labwatch.flows.prefect_flows import run_flow

    run_flow.deploy(
        name=DEPLOYMENT,
        work_pool_name=pool,
        build=False,
        push=False,
        entrypoint_type=EntrypointType.MODULE_PATH,
        enforce_parameter_schema=False,
        print_next_steps=False,
        ignore_warnings=True,
    )
    return f"{run_flow.name}/{DEPLOYMENT}"


def run_split(
    corpus: Path, db: str, groups: list[list[str]], *, deployment: str, timeout: float = 1800
) -> list[GroupRun]:
    """Submit one flow run per group of labs and wait until all have ended (their states say
    how; a crashed or failed group is reported, never retried here)."""
    from prefect import get_client
    from prefect.deployments import run_deployment

    from labwatch.flows.prefect_flows import refuse_stored_secret

    refuse_stored_secret(db, "a run on workers")
    start = time.monotonic()
    submitted = [
        (g, run_deployment(deployment, parameters={"corpus": str(corpus), "db": db, "labs": g}, timeout=0))
        for g in groups
    ]
    ended: dict[str, GroupRun] = {}
    with get_client(sync_client=True) as client:
        while len(ended) < len(submitted):
            if time.monotonic() - start > timeout:
                raise TimeoutError(
                    f"split run: {len(submitted) - len(ended)} flow run(s) still going after {timeout:.0f} s"
                )
            for labs, fr in submitted:
                if str(fr.id) in ended:
                    continue
                state = client.read_flow_run(fr.id).state
                if state is not None and state.is_final():
                    ended[str(fr.id)] = GroupRun(
                        labs, str(fr.id), state.type.value, state.message, time.monotonic() - start
                    )
            time.sleep(0.5)
    return [ended[str(fr.id)] for _, fr in submitted]
