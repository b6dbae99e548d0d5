"""`labwatch review confirm --above P` on the demo warehouse: says how many and the estimate
before asking, confirms exactly the suggestions at or above P, each undoable, and score output
says which credit came from bulk decisions."""

from __future__ import annotations

import json

import pytest

from .conftest import invoke, invoke_json

pytestmark = [pytest.mark.model, pytest.mark.slow]


def _queue(db):
    return invoke_json("review", "list", "--limit", "0", "--db", db)["items"]


def test_bulk_confirm_takes_exactly_the_suggestions_at_or_above_the_target_and_undoes(demo_copy):
    before = _queue(demo_copy)
    scores_before = invoke_json("score", "--db", demo_copy)
    above = [i for i in before if i["probability"] is not None and i["probability"] >= 0.95]
    assert 0 < len(above) < len(before)  # the demo has suggestions on both sides of the target
    estimate = sum(i["probability"] for i in above) / len(above)

    # declining the prompt changes nothing, and the count and the estimate came first
    declined = invoke("review", "confirm", "--bulk", "--reviewer", "ana", "--db", demo_copy, input="n\n", check=False)
    assert declined.exit_code == 1
    assert f"{len(above)} undecided suggestions at probability >= 0.95; estimated precision {estimate:.3f}" in (
        declined.stderr
    )
    assert _queue(demo_copy) == before

    done = invoke("review", "confirm", "--above", "0.95", "--reviewer", "ana", "--db", demo_copy, input="y\n")
    assert f"confirmed {len(above)} suggestions by ana (origin bulk" in done.stderr
    after = _queue(demo_copy)
    assert {i["id"] for i in before} - {i["id"] for i in after} == {i["id"] for i in above}
    events = json.loads(
        invoke("sql", "SELECT match_id, origin FROM reviews", "--format", "json", "--db", demo_copy).stdout
    )
    assert sorted((r["match_id"], r["origin"]) for r in events["rows"]) == sorted((i["id"], "bulk") for i in above)

    # score output names the bulk credit
    doc = invoke_json("score", "--db", demo_copy)
    bulk_evidence = {
        e["match_id"] for l in doc["labs"] for c in l["criteria"] for e in c["evidence"] if e["origin"] == "bulk"
    }
    assert bulk_evidence and bulk_evidence <= {i["id"] for i in above}
    assert any(c["from_bulk"] for l in doc["labs"] for c in l["criteria"])
    assert "credit from bulk decisions only" in invoke("score", "--db", demo_copy).stdout

    # one undone with the ordinary command, then the whole batch
    invoke("review", "undo", above[0]["id"], "--reviewer", "ana", "--db", demo_copy)
    assert above[0]["id"] in {i["id"] for i in _queue(demo_copy)}
    batch = done.stderr.split("batch ")[1].split(")")[0]
    invoke("review", "undo", "--batch", batch, "--reviewer", "ana", "--db", demo_copy)
    assert _queue(demo_copy) == before
    assert invoke_json("score", "--db", demo_copy)["labs"] == scores_before["labs"]


def test_bulk_confirm_refuses_a_target_outside_zero_to_one_and_a_match_id_beside_it(demo_copy):
    bad = invoke("review", "confirm", "--above", "1.5", "--reviewer", "ana", "--db", demo_copy, check=False)
    assert bad.exit_code == 1 and "--above 1.5" in bad.stderr
    both = invoke("review", "confirm", "m_x", "--above", "0.9", "--reviewer", "ana", "--db", demo_copy, check=False)
    assert both.exit_code == 1 and "drop the match id" in both.stderr
    neither = invoke("review", "confirm", "--reviewer", "ana", "--db", demo_copy, check=False)
    assert neither.exit_code == 1 and "give a match id" in neither.stderr
