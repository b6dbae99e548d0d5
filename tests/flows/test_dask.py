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


def _derived_rows(db) -> dict:
    """Everything a run derives, by content (ids are content-derived, so they compare too)."""
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return {
            "statements": sorted(
                con.execute(
                    "SELECT statement_id, lab, document_id, text, is_commitment, strength FROM statements"
                ).fetchall()
            ),
            "matches": sorted(
                (mid, crit, rank, round(score, 4))
                for mid, crit, rank, score in con.execute(
                    "SELECT match_id, criterion_id, rank, score FROM candidate_matches"
                ).fetchall()
            ),
            "changes": sorted(
                con.execute("SELECT lab, document_id, kind, old_text, new_text FROM commitment_changes").fetchall()
            ),
        }


def test_a_multi_process_dask_cluster_derives_what_one_process_derives(tmp_path, prefect_harness, monkeypatch):
    monkeypatch.setenv("LABWATCH_BATCH_SIZE", "2")
    from prefect_dask import DaskTaskRunner

    from labwatch.flows.prefect_flows import run_flow
    from labwatch.flows.run import run_corpus
    from labwatch.warehouse.db import Warehouse

    from .test_cli_ingest import POLICY_V2

    corpus = tmp_path / "corpus"
    for i in range(4):
        (corpus / f"lab-{i}").mkdir(parents=True)
        (corpus / f"lab-{i}" / "policy.txt").write_text(POLICY_V1.replace("Harbor Light", f"Harbor Light {i}"))
    versions = corpus / "lab-0" / "framework"
    versions.mkdir()
    (versions / "v1.txt").write_text(POLICY_V1)
    (versions / "v2.txt").write_text(POLICY_V2)  # a weakened commitment between versions

    single = tmp_path / "single.duckdb"
    one = run_corpus(corpus, Warehouse(single))
    assert one.new_versions == 6 and one.failed == 0

    cluster = tmp_path / "dask.duckdb"
    runner = DaskTaskRunner(
        cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "processes": True, "dashboard_address": None}
    )
    state = run_flow.with_options(task_runner=runner)(str(corpus), str(cluster), window=2, return_state=True)
    assert state.is_completed(), state
    assert state.result()["new_versions"] == 6

    expected, got = _derived_rows(single), _derived_rows(cluster)
    assert expected["changes"] and any(kind == "weakened" for *_, kind, _o, _n in expected["changes"])
    assert got == expected
