"""The run flow on a local Dask cluster (prefect-dask), the scale-out path of the docs."""

from __future__ import annotations

import pytest

from .test_cli_ingest import POLICY_V1

pytestmark = [pytest.mark.model, pytest.mark.slow]


def test_run_flow_on_a_local_dask_cluster(tmp_path, prefect_harness, monkeypatch):
    monkeypatch.setenv("LABWATCH_BATCH_SIZE", "1")  # three documents, three tasks
    from prefect_dask import DaskTaskRunner

    from labwatch.flows.prefect_flows import run_flow

    corpus = tmp_path / "corpus"
    for i in range(3):
        lab = corpus / f"lab-{i}"
        lab.mkdir(parents=True)
        (lab / "policy.txt").write_text(POLICY_V1.replace("Harbor Light", f"Harbor Light {i}"))
    db = tmp_path / "w.duckdb"
    runner = DaskTaskRunner(
        cluster_kwargs={"n_workers": 1, "threads_per_worker": 1, "processes": True, "dashboard_address": None}
    )
    state = run_flow.with_options(task_runner=runner)(str(corpus), str(db), window=1, return_state=True)
    assert state.is_completed(), state
    summary = state.result()
    assert summary["new_versions"] == 3 and summary["failed"] == 0, summary
