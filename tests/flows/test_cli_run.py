"""`labwatch run`, `review`, `score`, `status` end to end on the bundled corpus."""

from __future__ import annotations

import json

import pytest

from .conftest import invoke, invoke_json

pytestmark = [pytest.mark.model, pytest.mark.slow]


def test_run_fills_every_view_for_several_labs(demo_db):
    db, summary = demo_db
    assert summary["failed"] == 0, summary["failures"]
    views = summary["views"]
    for v in ("passages", "statements", "candidate_matches", "lab_scores"):
        assert views[v] > 0, v
    assert views["commitment_changes"] > 0  # the bundled corpus has a versioned policy
    status = invoke_json("status", "--db", db, "--no-models")
    assert status["views"] == views
    assert status["last_run"]["status"] == "ok"


def test_second_run_adds_nothing(demo_copy):
    before = invoke_json("status", "--db", demo_copy, "--no-models")["views"]
    again = invoke_json("run", "--no-prefect", "--db", demo_copy)
    assert again["new_versions"] == 0 and again["skipped"] == again["documents"]
    assert again["views"] == before


def test_review_confirm_moves_score_and_reject_empties_queue(demo_copy):
    items = invoke_json("review", "list", "--db", demo_copy, "--limit", "0")["items"]
    assert items and {"id", "lab", "document_id", "criterion_id", "score", "text", "why"} <= set(items[0])
    assert all(i["why"] for i in items)
    scored = [
        i
        for i in items
        if i["criterion_id"]
        in (
            "measuring.third_party_access",
            "commitments.assessment_frequency",
            "accountability.change_control",
            "measuring.elicitation_details",
        )
    ]
    pick = scored[0]
    before = {l["lab"]: l["score"] for l in invoke_json("score", "--db", demo_copy)["labs"]}
    invoke("review", "confirm", pick["id"], "--reviewer", "ana", "--db", demo_copy)
    after = {l["lab"]: l["score"] for l in invoke_json("score", "--db", demo_copy)["labs"]}
    assert after[pick["lab"]] > before[pick["lab"]]
    remaining = {i["id"] for i in invoke_json("review", "list", "--db", demo_copy, "--limit", "0")["items"]}
    assert pick["id"] not in remaining
    other = items[-1]
    invoke("review", "reject", other["id"], "--reviewer", "ana", "--db", demo_copy)
    invoke("review", "undo", other["id"], "--reviewer", "ana", "--db", demo_copy)
    remaining = {i["id"] for i in invoke_json("review", "list", "--db", demo_copy, "--limit", "0")["items"]}
    assert other["id"] in remaining  # undo put it back in the queue


def test_decisions_survive_a_full_rerun_into_a_new_warehouse(demo_copy, tmp_path):
    item = invoke_json("review", "list", "--db", demo_copy, "--limit", "1")["items"][0]
    invoke("review", "confirm", item["id"], "--reviewer", "ana", "--db", demo_copy)
    # the same journal folder beside a brand-new warehouse file: decisions replay
    fresh = demo_copy.with_name("demo.duckdb")
    fresh.unlink()
    invoke_json("run", "--no-prefect", "--db", fresh)
    ev = invoke_json("score", "--db", fresh)
    credited = [c for l in ev["labs"] for c in l["criteria"] if c["evidence"]]
    assert any(e["match_id"] == item["id"] for c in credited for e in c["evidence"])


def test_json_output_is_one_document(demo_db):
    db, _ = demo_db
    for args in (("score",), ("changes",), ("review", "list"), ("status", "--no-models")):
        out = invoke(*args, "--db", db, "--format", "json").stdout
        json.loads(out)


def test_score_markdown_quotes_evidence(demo_copy):
    item = invoke_json("review", "list", "--db", demo_copy, "--limit", "1")["items"][0]
    invoke("review", "confirm", item["id"], "--reviewer", "ana", "--db", demo_copy)
    md = invoke("score", "--db", demo_copy, "--format", "md").stdout
    assert md.startswith("# ") and item["criterion_id"] in md
    assert " ".join(item["text"].split())[:40] in md


@pytest.mark.parametrize(
    "args, message",
    [
        (("run", "--no-prefect", "--corpus", "/nonexistent/corpus"), "not found"),
        (("review", "confirm", "m_doesnotexist", "--reviewer", "x"), "no suggestion"),
        (("score", "--as-of", "yesterday"), "not a date"),
        (("review", "confirm", "X", "--reviewer", "x", "--credit", "3"), "outside 0..1"),
    ],
)
def test_bad_input_is_one_line_and_non_zero(demo_copy, args, message):
    result = invoke(*args, "--db", demo_copy, check=False)
    assert result.exit_code != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_interactive_review_in_the_terminal(demo_copy):
    before = invoke_json("review", "list", "--db", demo_copy, "--limit", "0")["items"]
    # confirm the first suggestion shown, skip the next, reject the third, then quit
    result = invoke("review", "--db", demo_copy, "--reviewer", "ana", input="c\ns\nr\nq\n")
    assert "criterion:" in result.stdout
    shown = {f"p(right) {i['probability']:.2f}" for i in before if i["probability"] is not None}
    assert any(p in result.stdout for p in shown)  # each card says how likely it is right
    after = invoke_json("review", "list", "--db", demo_copy, "--limit", "0")["items"]
    assert len(after) == len(before) - 2
    import duckdb

    con = duckdb.connect(str(demo_copy), read_only=True)
    decided = sorted(r[0] for r in con.execute("SELECT decision FROM reviews WHERE reviewer = 'ana'").fetchall())
    con.close()
    assert decided == ["confirmed", "rejected"]


def test_flat_folder_of_lab__document__version_files_is_read_and_strays_named(tmp_path):
    corpus = tmp_path / "policies"
    corpus.mkdir()
    (corpus / "acme__safety-policy__v1.txt").write_text(
        "# Safety policy\n\nWe will evaluate every model for cyber capabilities before release.\n"
    )
    (corpus / "acme__safety-policy__v2.txt").write_text(
        "# Safety policy\n\nWe aim to evaluate most models for cyber capabilities before release.\n"
    )
    (corpus / "notes.txt").write_text("Reminder: ask the board about the new policy.\n")
    result = invoke("run", "--no-prefect", "--corpus", corpus, "--db", tmp_path / "w.duckdb", "--format", "json")
    summary = json.loads(result.stdout)
    assert (summary["documents"], summary["new_versions"], summary["failed"]) == (2, 2, 0)
    assert summary["views"]["commitment_changes"] >= 1  # v1 -> v2 weakened "will" to "aim to"
    assert "skipped 1 file(s)" in result.stderr and "notes.txt" in result.stderr


def test_a_corpus_without_documents_is_an_error_not_an_empty_run(tmp_path):
    (tmp_path / "corpus" / "empty-lab").mkdir(parents=True)
    result = invoke("run", "--no-prefect", "--corpus", tmp_path / "corpus", "--db", tmp_path / "w.duckdb", check=False)
    assert result.exit_code != 0 and "no documents found" in result.stderr
    assert not (tmp_path / "w.duckdb").exists()


def test_without_a_prefect_server_the_run_is_not_a_flow_and_with_one_it_is(tmp_path, monkeypatch, prefect_harness):
    """No PREFECT_API_URL: the pipeline runs directly (a temporary API would only cost seconds);
    with one, `labwatch run` is a flow run on that server, named in the summary."""
    from prefect.settings import PREFECT_API_URL

    corpus = tmp_path / "corpus" / "acme"
    corpus.mkdir(parents=True)
    (corpus / "policy.txt").write_text("# Policy\n\nWe will test every model before release.\n")
    server = PREFECT_API_URL.value()  # the harness's running API
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    direct = invoke_json("run", "--corpus", corpus.parent, "--db", tmp_path / "a.duckdb")
    assert direct["new_versions"] == 1 and direct["prefect_flow_run"] is None
    monkeypatch.setenv("PREFECT_API_URL", server)
    as_flow = invoke_json("run", "--corpus", corpus.parent, "--db", tmp_path / "b.duckdb")
    assert as_flow["new_versions"] == 1 and as_flow["prefect_flow_run"]
    assert as_flow["views"] == direct["views"]
