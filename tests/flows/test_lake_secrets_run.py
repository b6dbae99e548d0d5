"""A run on a DuckLake warehouse whose address carries a password, as a plain run and as a
Prefect flow: the summary (table and JSON), the stored runs row and the flow run's parameters
in Prefect's database show ``password=***``, never the password; the run itself works."""

from __future__ import annotations

import json

import pytest

from tests.robustness.conftest import SECRET, pg_with_password  # noqa: F401  (the password-only PostgreSQL)

from .conftest import invoke, invoke_json

pytestmark = [pytest.mark.model, pytest.mark.slow]


def test_a_lake_run_shows_and_stores_no_password(pg_with_password, tmp_path, monkeypatch, prefect_harness):  # noqa: F811
    from prefect import get_client
    from prefect.settings import PREFECT_API_URL

    corpus = tmp_path / "corpus" / "acme"
    corpus.mkdir(parents=True)
    (corpus / "policy.txt").write_text("# Policy\n\nWe will test every model for dangerous capabilities.\n")
    monkeypatch.setenv("PGPASSWORD", SECRET)  # createdb only
    conninfo = pg_with_password.new_database()
    monkeypatch.delenv("PGPASSWORD")
    lake = f"ducklake:postgres:{conninfo} password={SECRET} data_path={tmp_path / 'parquet'} home={tmp_path / 'home'}"
    monkeypatch.setenv("PREFECT_API_URL", PREFECT_API_URL.value())  # the harness's server: a flow run

    as_flow = invoke("run", "--corpus", corpus.parent, "--db", lake, "--format", "json")
    assert SECRET not in as_flow.stdout + as_flow.stderr
    summary = invoke_json("status", "--no-models", "--db", lake)
    assert summary["exists"] and "password=***" in summary["db"]
    ran = json.loads(as_flow.stdout)
    assert ran["new_versions"] == 1 and ran["prefect_flow_run"] and "password=***" in ran["db"]
    with get_client(sync_client=True) as client:
        parameters = client.read_flow_run(ran["prefect_flow_run"]).parameters
    assert SECRET not in json.dumps(parameters) and "password=***" in parameters["db"]

    (corpus / "policy.txt").write_text("# Policy\n\nWe will test every model before each release.\n")
    monkeypatch.delenv("PREFECT_API_URL")
    table = invoke("run", "--no-prefect", "--corpus", corpus.parent, "--db", lake)
    assert SECRET not in table.stdout + table.stderr and "password=***" in " ".join(table.stdout.split())
    runs = invoke_json("sql", "select kind, args from runs", "--db", lake)
    assert runs["count"] == 2 and SECRET not in json.dumps(runs)
    leaks = [str(p) for p in tmp_path.rglob("*") if p.is_file() and SECRET.encode() in p.read_bytes()]
    assert leaks == []
