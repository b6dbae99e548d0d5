"""Switching the encoder (int8 ONNX by default, torch by choice) re-derives cleanly."""

from __future__ import annotations

import duckdb
import pytest

from .conftest import invoke, invoke_json
from .test_cli_ingest import POLICY_V1, POLICY_V2
from .test_short_commands import run_probe

pytestmark = [pytest.mark.model, pytest.mark.slow]

ONNX_ID, TORCH_ID = "all-MiniLM-L6-v2-onnx-int8", "all-MiniLM-L6-v2"


def _corpus(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "harbor-light" / "policy").mkdir(parents=True)
    (corpus / "harbor-light" / "policy" / "v1.txt").write_text(POLICY_V1)
    (corpus / "harbor-light" / "policy" / "v2.txt").write_text(POLICY_V2)
    (corpus / "tidewater").mkdir()
    (corpus / "tidewater" / "framework.txt").write_text(POLICY_V1.replace("Harbor Light", "Tidewater"))
    return corpus


def _models_used(db) -> dict:
    with duckdb.connect(str(db), read_only=True) as con:
        return {
            "matches": {r[0] for r in con.execute("SELECT DISTINCT model FROM candidate_matches").fetchall()},
            "embeddings": {r[0] for r in con.execute("SELECT DISTINCT model FROM embeddings").fetchall()},
            "statements": con.execute("SELECT count(*) FROM statements").fetchone()[0],
            "changes": con.execute("SELECT count(*) FROM commitment_changes").fetchone()[0],
        }


def test_the_default_run_encodes_with_onnx_and_never_imports_torch(tmp_path, monkeypatch):
    monkeypatch.delenv("LABWATCH_MODEL", raising=False)
    corpus, db = _corpus(tmp_path), tmp_path / "w.duckdb"
    report = run_probe("run", "--corpus", corpus, "--db", db, "--no-prefect", "--format", "json")
    assert report["code"] == 0, report
    assert "torch" not in report["heavy"] and "sentence_transformers" not in report["heavy"]
    assert _models_used(db)["matches"] == {ONNX_ID}


def test_switching_encoders_rederives_every_version_and_keeps_decisions(tmp_path):
    corpus, db = _corpus(tmp_path), tmp_path / "w.duckdb"
    first = invoke_json("run", "--corpus", corpus, "--db", db, "--no-prefect", "--model", "minilm-onnx")
    assert first["new_versions"] == 3 and first["failed"] == 0
    before = _models_used(db)
    assert before["matches"] == {ONNX_ID} and before["embeddings"] == {ONNX_ID}
    item = invoke_json("review", "list", "--db", db, "--limit", "1")["items"][0]
    invoke("review", "confirm", item["id"], "--reviewer", "ana", "--db", db)

    switched = invoke_json("run", "--corpus", corpus, "--db", db, "--no-prefect", "--model", "minilm")
    assert switched["new_versions"] == 0 and switched["rederived"] == 3 and switched["skipped"] == 0
    after = _models_used(db)
    assert after["matches"] == {TORCH_ID}  # no match row left from the other encoder
    assert after["embeddings"] == {ONNX_ID, TORCH_ID}  # vectors are kept per model (a cache)
    assert after["statements"] == before["statements"] and after["changes"] == before["changes"]
    scores = invoke_json("score", "--db", db)["labs"]
    credited = {e["match_id"] for lab in scores for c in lab["criteria"] for e in c["evidence"]}
    assert item["id"] in credited  # the reviewer's decision outlives the switch

    again = invoke_json("run", "--corpus", corpus, "--db", db, "--no-prefect", "--model", "minilm")
    assert again["skipped"] == 3 and again["encoded"] == 0
    back = invoke_json("run", "--corpus", corpus, "--db", db, "--no-prefect", "--model", "minilm-onnx")
    assert back["rederived"] == 3 and _models_used(db)["matches"] == {ONNX_ID}
    assert back["cached"] > 0 and back["encoded"] == 0  # its vectors were still stored
