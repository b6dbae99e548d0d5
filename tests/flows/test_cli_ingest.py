"""`labwatch ingest`, bad documents in a corpus, and one real Prefect flow run."""

from __future__ import annotations

import os

import pytest

from .conftest import invoke, invoke_json

pytestmark = [pytest.mark.model, pytest.mark.slow]

POLICY_V1 = """# Harbor Light AI safety policy

## Evaluations

We will evaluate every frontier model for cyber offence and autonomous replication before deployment.
We will repeat these evaluations at least every three months while a model is deployed.

## Governance

Changes to this policy are approved by our board and announced on our website.
"""
POLICY_V2 = POLICY_V1.replace(
    "We will repeat these evaluations at least every three months",
    "We aim to repeat these evaluations every six months",
)


def test_ingest_adds_versions_only_when_text_changes(tmp_path):
    db = tmp_path / "w.duckdb"
    f = tmp_path / "policy.txt"
    f.write_text(POLICY_V1)
    first = invoke_json(
        "ingest", f, "--lab", "harbor-light", "--document", "policy", "--published", "2025-01-01", "--db", db
    )
    assert first["new_versions"] == 1
    f.write_text(POLICY_V1.replace("\n\n", "\n\n\n"))  # reflowed: same text
    same = invoke_json("ingest", f, "--lab", "harbor-light", "--document", "policy", "--db", db)
    assert same["new_versions"] == 0
    table = invoke("ingest", f, "--lab", "harbor-light", "--document", "policy", "--db", db)
    assert table.stdout.lstrip().startswith(f"labwatch ingest -> {db}")  # not "labwatch run"
    f.write_text(POLICY_V2)
    second = invoke_json(
        "ingest", f, "--lab", "harbor-light", "--document", "policy", "--published", "2025-06-01", "--db", db
    )
    assert second["new_versions"] == 1
    changes = invoke_json("changes", "--lab", "harbor-light", "--db", db)["changes"]
    weakened = [c for c in changes if c["kind"] == "weakened"]
    assert weakened and "every six months" in weakened[0]["new"]
    assert weakened[0]["published"] == "2025-06-01"
    assert invoke_json("changes", "--since", "2025-07-01", "--db", db)["changes"] == []


def test_ingest_pdf_generated_here(tmp_path):
    from tests.extractors.pdfgen import make_policy_pdf

    pdf = tmp_path / "framework.pdf"
    data = make_policy_pdf(
        None,
        [
            [
                "We will give external evaluators access to models before deployment.",
                "Evaluators may fine-tune the model and use tools during their tests.",
            ],
            ["Our board approves every change to this framework."],
        ],
    )
    pdf.write_bytes(data)
    db = tmp_path / "w.duckdb"
    out = invoke_json("ingest", pdf, "--lab", "Harbor Light", "--db", db)
    assert out["new_versions"] == 1
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("SELECT lab, document_id, page, text FROM passages ORDER BY seq").fetchall()
    con.close()
    assert rows[0][:2] == ("harbor-light", "framework")
    assert {r[2] for r in rows} == {1, 2}


def test_bad_files_are_named_recorded_and_skipped(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "good-lab").mkdir(parents=True)
    (corpus / "good-lab" / "policy.txt").write_text(POLICY_V1)
    (corpus / "bad-lab").mkdir()
    (corpus / "bad-lab" / "broken.pdf").write_bytes(os.urandom(3000))
    (corpus / "bad-lab" / "empty.txt").write_bytes(b"")
    db = tmp_path / "w.duckdb"
    result = invoke("run", "--no-prefect", "--corpus", corpus, "--db", db, "--format", "json", check=False)
    import json

    summary = json.loads(result.stdout)
    assert result.exit_code == 0  # the good document went through
    assert summary["new_versions"] == 1 and summary["failed"] == 2
    reasons = " ".join(f["reason"] for f in summary["failures"])
    assert "broken.pdf" in reasons and "empty.txt" in reasons
    status = invoke_json("status", "--db", db, "--no-models")
    assert status["last_run"]["n_failures"] == 2


def test_prefect_flow_run(tmp_path, prefect_harness):
    from labwatch.flows.prefect_flows import run_flow

    corpus = tmp_path / "corpus"
    (corpus / "harbor-light").mkdir(parents=True)
    (corpus / "harbor-light" / "policy.txt").write_text(POLICY_V1)
    db = tmp_path / "w.duckdb"
    state = run_flow(str(corpus), str(db), return_state=True)
    assert state.is_completed()
    summary = state.result()
    assert summary["new_versions"] == 1 and summary["passages"] == 3  # the three sentences
    assert summary["prefect_flow_run"] == str(state.state_details.flow_run_id)
