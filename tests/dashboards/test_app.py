"""The dashboard driven through Streamlit's AppTest, checking the warehouse after every action."""

from __future__ import annotations

import subprocess
import sys

import pytest

from labwatch.dashboards.render import escape_text, word_diff
from labwatch.extractors.records import make_match_id
from labwatch.warehouse import queries
from labwatch.warehouse.db import Warehouse
from labwatch.warehouse.reviews import new_event, record_events, resolve_match

PAGES = ["Review queue", "Scores", "Evidence and history", "Changes", "Runs"]


def _queue(wh, order="score", **filters):
    """The queue as the dashboard shows it by default: best first, like `labwatch review list`."""
    with wh.read() as con:
        return queries.review_queue(con, order=order, limit=None, **filters)


def _decisions(wh) -> dict[str, tuple]:
    with wh.read() as con:
        rows = con.execute("SELECT match_id, decision, credit, reviewer, criterion_id FROM decisions").fetchall()
    return {r[0]: r[1:] for r in rows}


def _score(wh, lab: str) -> float:
    with wh.read() as con:
        return con.execute("SELECT score FROM lab_scores WHERE lab = ?", [lab]).fetchone()[0]


def _events(wh) -> list[tuple]:
    with wh.read() as con:
        return con.execute(
            "SELECT match_id, reviewer, decision, credit, origin FROM reviews ORDER BY created_at"
        ).fetchall()


def _shown_criterion(at) -> str:
    return next(h.value for h in at.subheader if h.value.startswith("Suggested criterion: ")).split(": ", 1)[1]


def _frame(at, column: str):
    """The first dataframe on the page that has ``column``."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_without_error(app, page):
    at = app(page)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.header[0].value == page


def test_nothing_can_be_decided_without_a_reviewer_name(app, warehouse):
    at = app(reviewer=None)
    assert any("nothing can be decided" in w.value for w in at.warning)
    labels = {b.label for b in at.button}
    assert "Confirm" not in labels and "Reject" not in labels
    assert not any(b.label.startswith("Confirm all") for b in at.button)
    at.session_state["reviewer"] = "ada"
    at.run()
    assert "Confirm" in {b.label for b in at.button}
    assert _events(warehouse) == []


def test_queue_shows_the_best_suggestion_first_and_says_so(app, warehouse):
    first = _queue(warehouse)[0]
    assert first["score"] == max(q["score"] for q in _queue(warehouse))
    at = app()
    assert _shown_criterion(at) == first["criterion_id"]
    assert at.radio(key="q_order").value == "Best first"
    assert any(
        f"{len(_queue(warehouse))} undecided suggestions" in c.value and "best first" in c.value for c in at.caption
    )
    text = _markdown(at)
    assert escape_text(first["text"]) in text
    assert escape_text(first["document_id"]) in text and escape_text(first["version_id"]) in text


def test_confirm_records_a_decision_and_moves_the_score(app, warehouse):
    first = _queue(warehouse)[0]
    before = _score(warehouse, first["lab"])
    at = app()
    at.button(key="confirm").click().run()
    assert _decisions(warehouse)[first["match_id"]] == ("confirmed", 1.0, "ada", first["criterion_id"])
    assert _events(warehouse)[-1][-1] == "dashboard"
    assert _score(warehouse, first["lab"]) > before
    assert first["match_id"] not in {q["match_id"] for q in _queue(warehouse)}
    assert any("Confirmed" in s.value for s in at.success)
    second = _queue(warehouse)[0]
    assert _shown_criterion(at) == second["criterion_id"] and escape_text(second["text"]) in _markdown(at)


@pytest.mark.parametrize(("label", "order"), [("Most informative first", "useful"), ("Document order", "document")])
def test_the_other_orders_are_offered_and_shown_as_active(app, warehouse, label, order):
    expected = _queue(warehouse, order=order)
    assert expected[0]["match_id"] != _queue(warehouse)[0]["match_id"]  # the orders really differ here
    at = app()
    at.radio(key="q_order").set_value(label).run()
    assert _shown_criterion(at) == expected[0]["criterion_id"]
    assert escape_text(expected[0]["text"]) in _markdown(at)
    assert any(label.lower() in c.value for c in at.caption)
    at.button(key="skip").click().run()
    assert escape_text(expected[1]["text"]) in _markdown(at)


def test_the_queue_filters_by_scored_and_unscored_criteria(app, warehouse):
    unscored = [q for q in _queue(warehouse) if q["criterion_id"] == "context.thresholds"]
    assert len(unscored) == 1
    at = app()
    at.radio(key="f_scored").set_value("Unscored or weight 0 (context)").run()
    assert _shown_criterion(at) == "context.thresholds"
    assert any("1 undecided suggestions" in c.value for c in at.caption)
    assert any("Does not move a score" in i.value and "unscored" in i.value for i in at.info)
    at.radio(key="f_scored").set_value("Scored (a decision can move a score)").run()
    n = len(_queue(warehouse)) - 1
    assert any(f"{n} undecided suggestions" in c.value for c in at.caption)
    for _ in range(n):
        assert _shown_criterion(at) != "context.thresholds"
        at.button(key="skip").click().run()
    assert any("Nothing left" in s.value for s in at.success)


def test_each_card_says_whether_its_decision_moves_a_score(app, warehouse):
    first = _queue(warehouse)[0]
    at = app()
    said = [s.value for s in at.success if s.value.startswith("Moves a score")]
    before = _score(warehouse, first["lab"])
    assert said and first["lab"] in said[0]
    points = float(said[0].split("up to ")[1].split(" points")[0])
    at.button(key="confirm").click().run()
    assert _score(warehouse, first["lab"]) - before == pytest.approx(points, abs=0.05)


def test_decision_buttons_have_keyboard_shortcuts(app):
    at = app()
    keys = {b.key: b.proto.shortcut.upper() for b in at.button}
    assert {k: keys[k] for k in ("confirm", "reject", "skip", "undo", "confirm_other")} == {
        "confirm": "Y",
        "reject": "X",
        "skip": "S",
        "undo": "U",
        "confirm_other": "B",
    }
    assert any("Keys: Y confirm" in c.value for c in at.caption)


def test_confirm_for_another_criterion_defaults_to_the_next_best(app, warehouse):
    first = _queue(warehouse, lab="alpha-lab")[0]
    with warehouse.read() as con:
        others = queries.other_criteria(con, first["statement_id"], first["criterion_id"])
        rubric = sorted(c["criterion_id"] for c in queries.rubric_criteria(con))
    best = others[0]["criterion_id"]
    assert best != next(c for c in rubric if c != first["criterion_id"])  # not the alphabetically first
    at = app()
    at.selectbox(key="f_lab").select("alpha-lab").run()
    assert _shown_criterion(at) == first["criterion_id"]
    assert at.selectbox(key="q_other").value == best
    assert at.button(key="confirm_other").label == f"Confirm for {best}"
    at.button(key="confirm_other").click().run()
    other_id = make_match_id(first["lab"], first["document_id"], first["text"], best)
    assert _decisions(warehouse)[other_id][0] == "confirmed"


def test_next_best_buttons_reassign_in_one_click(app, warehouse):
    first = _queue(warehouse, lab="alpha-lab")[0]
    second, third = first["next_best"]
    at = app()
    at.selectbox(key="f_lab").select("alpha-lab").run()
    assert _shown_criterion(at) == first["criterion_id"]
    assert at.button(key="next_best_0").label == f"Reassign to {second['criterion_id']} ({second['score']:.2f})"
    assert at.button(key="next_best_1").label == f"Reassign to {third['criterion_id']} ({third['score']:.2f})"
    # the second-best is not what "Confirm for ..." offers: the button carries its own criterion
    assert at.selectbox(key="q_other").value == second["criterion_id"]
    at.button(key="next_best_1").click().run()
    assert not at.exception, [e.value for e in at.exception]
    target = make_match_id(first["lab"], first["document_id"], first["text"], third["criterion_id"])
    assert set(_events(warehouse)) == {
        (first["match_id"], "ada", "rejected", None, "dashboard"),
        (target, "ada", "confirmed", 1.0, "dashboard"),
    }
    assert _decisions(warehouse)[target] == ("confirmed", 1.0, "ada", third["criterion_id"])
    assert _shown_criterion(at) != first["criterion_id"]


def test_reject_records_a_rejection_without_score(app, warehouse):
    first = _queue(warehouse)[0]
    at = app()
    at.text_input(key="q_note").input("not about change control")
    at.button(key="reject").click().run()
    decision, credit, reviewer, _ = _decisions(warehouse)[first["match_id"]]
    assert (decision, credit, reviewer) == ("rejected", 0.0, "ada")
    with warehouse.read() as con:
        note = con.execute("SELECT note FROM reviews WHERE match_id = ?", [first["match_id"]]).fetchone()[0]
    assert note == "not about change control"
    assert _score(warehouse, first["lab"]) == 0


def test_partial_credit_is_recorded_and_scored(app, warehouse):
    first = _queue(warehouse)[0]
    at = app()
    at.button(key="confirm").click().run()
    full = _score(warehouse, first["lab"])
    at.button(key="undo").click().run()
    assert first["match_id"] not in _decisions(warehouse)
    # the undone suggestion is back at the top of the queue
    assert _shown_criterion(at) == first["criterion_id"]
    at.slider(key="q_credit").set_value(0.5).run()
    at.button(key="confirm").click().run()
    assert _decisions(warehouse)[first["match_id"]][:2] == ("confirmed", 0.5)
    assert _score(warehouse, first["lab"]) == pytest.approx(full / 2)
    assert at.slider(key="q_credit").value == 1.0  # reset for the next suggestion


def test_undo_withdraws_the_last_decision(app, warehouse):
    first = _queue(warehouse)[0]
    at = app()
    at.button(key="confirm").click().run()
    assert first["match_id"] in _decisions(warehouse)
    at.button(key="undo").click().run()
    assert first["match_id"] not in _decisions(warehouse)
    assert [e[2] for e in _events(warehouse)] == ["confirmed", "withdrawn"]
    assert first["match_id"] in {q["match_id"] for q in _queue(warehouse)}
    assert at.button(key="undo").disabled  # nothing left to undo


def test_confirm_for_a_different_criterion(app, warehouse):
    first = _queue(warehouse)[0]
    target = "accountability.change_control"
    assert first["criterion_id"] != target
    at = app()
    at.selectbox(key="q_other").select(target).run()
    at.button(key="confirm_other").click().run()
    other_id = make_match_id(first["lab"], first["document_id"], first["text"], target)
    decided = _decisions(warehouse)
    assert decided[first["match_id"]][0] == "rejected"
    assert decided[other_id] == ("confirmed", 1.0, "ada", target)
    at.button(key="undo").click().run()
    assert first["match_id"] not in _decisions(warehouse) and other_id not in _decisions(warehouse)


def test_skip_moves_on_without_recording(app, warehouse):
    queue = _queue(warehouse)
    at = app()
    at.button(key="skip").click().run()
    assert _events(warehouse) == []
    shown = _markdown(at)
    assert escape_text(queue[1]["text"]) in shown and _shown_criterion(at) == queue[1]["criterion_id"]


def test_filters_narrow_the_queue(app, warehouse):
    at = app()
    at.selectbox(key="f_lab").select("beta-lab").run()
    expected = _queue(warehouse, lab="beta-lab")
    assert any(f"{len(expected)} undecided suggestions" in c.value for c in at.caption)
    assert _shown_criterion(at) == expected[0]["criterion_id"]
    at.selectbox(key="f_criterion").select("measuring.third_party_access").run()
    only = _queue(warehouse, lab="beta-lab", criterion="measuring.third_party_access")
    assert len(only) == 1 and _shown_criterion(at) == "measuring.third_party_access"
    assert escape_text(only[0]["text"]) in _markdown(at)
    at.selectbox(key="f_lab").select("alpha-lab").run()
    at.selectbox(key="f_document").select("frontier-policy").run()
    assert any(
        f"{len(_queue(warehouse, lab='alpha-lab', criterion='measuring.third_party_access'))} undecided" in c.value
        for c in at.caption
    )


def test_bulk_decision_needs_the_confirmation_tick(app, warehouse):
    at = app()
    at.selectbox(key="f_lab").select("beta-lab").run()
    ids = {q["match_id"] for q in _queue(warehouse, lab="beta-lab")}
    assert len(ids) == 2
    assert at.button(key="bulk_confirm").disabled
    assert at.checkbox(key="bulk_ack").label == "I have read these 2 suggestions"
    assert at.button(key="bulk_reject").disabled and _events(warehouse) == []
    at.checkbox(key="bulk_ack").check().run()
    assert not at.button(key="bulk_confirm").disabled
    at.button(key="bulk_confirm").click().run()
    decided = _decisions(warehouse)
    assert {m for m in ids if decided.get(m, ("",))[0] == "confirmed"} == ids
    assert len(decided) == 2  # alpha-lab's suggestions were not touched
    assert _score(warehouse, "beta-lab") > 0
    at.button(key="undo").click().run()
    assert _decisions(warehouse) == {}


def test_attach_a_criterion_to_a_missed_passage(app, warehouse):
    text = "Our board approves every change to this policy."
    at = app()
    before = _score(warehouse, "alpha-lab")
    at.text_input(key="a_query").input("BOARD approves").run()
    assert at.selectbox(key="a_statement").value is not None
    assert any(t.value == text for t in at.text)
    at.selectbox(key="a_criterion").select("accountability.change_control").run()
    at.button(key="attach").click().run()
    match_id = make_match_id("alpha-lab", "frontier-policy", text, "accountability.change_control")
    assert _decisions(warehouse)[match_id] == ("confirmed", 1.0, "ada", "accountability.change_control")
    assert _score(warehouse, "alpha-lab") > before


def test_search_treats_wildcards_literally(app):
    at = app()
    at.text_input(key="a_query").input("%%%").run()
    assert any("No passage contains" in i.value for i in at.info)


def test_crawled_html_is_shown_as_text(app, warehouse):
    first = _queue(warehouse, order="useful")[0]
    assert "<script>" in first["text"]  # the fixture's most informative suggestion carries the payload
    at = app()
    at.radio(key="q_order").set_value("Most informative first").run()
    body = _markdown(at)
    assert "&lt;script&gt;alert" in body and "&lt;img src" in body
    assert "<script" not in body.lower() and "<img" not in body.lower()
    at.button(key="confirm").click().run()
    for page in PAGES[1:]:
        at.session_state["page"] = page
        at.run()
        if page == "Scores":
            at.selectbox(key="s_lab").select(first["lab"]).run()
            at.selectbox(key="s_criterion").select(first["criterion_id"]).run()
            assert "&lt;script&gt;" in _markdown(at)
        body = _markdown(at).lower()
        assert "<script" not in body and "<img" not in body, page


def test_scores_page_shows_warehouse_scores_and_cell_evidence(app, warehouse):
    first = _queue(warehouse)[0]
    at = app()
    at.button(key="confirm").click().run()
    at.session_state["page"] = "Scores"
    at.run()
    grid = _frame(at, "score")
    with warehouse.read() as con:
        expected = dict(con.execute("SELECT lab, score FROM lab_scores").fetchall())
    assert {lab: grid.loc[lab, "score"] for lab in grid.index} == expected
    assert grid.loc[first["lab"], first["criterion_id"]] == 1.0
    assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    at.selectbox(key="s_lab").select(first["lab"]).run()
    at.selectbox(key="s_criterion").select(first["criterion_id"]).run()
    assert escape_text(first["text"]) in _markdown(at)
    at.selectbox(key="s_criterion").select("measuring.names_capabilities").run()
    assert any("No confirmed evidence" in i.value for i in at.info)


def test_scores_page_says_why_a_confirmed_credit_does_not_count(app, warehouse):
    first = _queue(warehouse)[0]
    at = app()
    at.selectbox(key="q_other").select("context.thresholds").run()
    at.button(key="confirm_other").click().run()
    at.session_state["page"] = "Scores"
    at.run()
    assert "context.thresholds (unscored)" in _frame(at, "score").columns
    why = _frame(at, "why it does not count")
    assert list(why["lab"]) == [first["lab"]] and list(why["criterion"]) == ["context.thresholds"]
    assert "unscored" in why["why it does not count"][0]
    at.selectbox(key="s_lab").select(first["lab"]).run()
    at.selectbox(key="s_criterion").select("context.thresholds").run()
    assert any("does not count" in w.value and "unscored" in w.value for w in at.warning)


def test_history_shows_what_each_decision_replaced_and_flags_disagreement(app, warehouse):
    first = _queue(warehouse)[0]
    with warehouse.read() as con:
        ref = resolve_match(con, first["match_id"])
    record_events(warehouse, [new_event(ref, reviewer="ada", decision="confirmed")])
    record_events(warehouse, [new_event(ref, reviewer="bob", decision="rejected", note="reads as a hedge")])
    at = app("Evidence and history")
    assert any("1 matches where reviewers" in w.value for w in at.warning)
    split = _frame(at, "stances")
    assert list(split["match_id"]) == [first["match_id"]]
    assert "ada: confirmed" in split["stances"][0] and "bob: rejected" in split["stances"][0]
    events = _frame(at, "replaced")
    latest = events.iloc[0]
    assert (latest["reviewer"], latest["decision"]) == ("bob", "rejected")
    assert latest["replaced"].startswith("confirmed by ada at ")
    assert events.iloc[1]["replaced"] == ""


def test_changes_page_marks_changed_words(app):
    at = app("Changes")
    body = _markdown(at)
    assert "weakened" in body
    old, new = word_diff("We will run evaluations every three months.", "We aim to run evaluations every six months.")
    assert old in body and new in body
    assert "<mark" in new and ">aim to</mark>" in new and ">six</mark>" in new and ">will</mark>" in old
    # what moved, which way and why, on the codebook's dimensions
    assert "<b>strength</b> ▼ weaker" in body and "<b>threshold</b> ▼ weaker" in body
    assert escape_text("interval: '3 months' -> '6 months'") in body


def test_runs_page_lists_runs_and_failures(app):
    at = app("Runs")
    runs = _frame(at, "status")
    assert list(runs["status"]) == ["partial"]
    fails = _frame(at, "reason")
    assert fails.iloc[0]["reason"] == "not a PDF: header missing"


@pytest.mark.parametrize("page", PAGES)
def test_an_empty_warehouse_renders_every_page(app, tmp_path, monkeypatch, page):
    empty = Warehouse(tmp_path / "empty" / "empty.duckdb")
    empty.ensure()
    monkeypatch.setenv("LABWATCH_DB", str(empty.path))
    at = app(page)
    assert not at.exception and not at.error
    assert at.info or at.success


def test_missing_warehouse_is_reported_not_created(app, tmp_path, monkeypatch):
    missing = tmp_path / "nowhere" / "none.duckdb"
    monkeypatch.setenv("LABWATCH_DB", str(missing))
    at = app()
    assert any("No warehouse at" in e.value for e in at.error)
    assert not missing.exists()


@pytest.mark.parametrize("payload", ["<b>x</b>", "[a](javascript:alert(1))", "$x$ :red[y] **z**", "a & b \"c\" 'd'"])
def test_escape_text_leaves_no_markup(payload):
    out = escape_text(payload)
    assert not any(c in out for c in "<>[]()*$\"'") and "javascript:" not in out


@pytest.mark.slow
def test_a_decision_made_while_another_process_writes_is_kept_in_the_journal(app, warehouse):
    first = _queue(warehouse)[0]
    at = app()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); c.execute('BEGIN'); "
            "print('ready', flush=True); time.sleep(12)",
            str(warehouse.path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        at.button(key="confirm").click().run(timeout=60)
    finally:
        holder.wait(timeout=30)
    assert any("saved in the journal" in s.value for s in at.success), [
        (e.type, e.value) for e in (*at.success, *at.error, *at.warning, *at.exception)
    ]
    assert len(list(warehouse.journal_dir.glob("*.json"))) == 1
    warehouse.ensure()  # the next write of any labwatch process loads the journal
    assert _decisions(warehouse)[first["match_id"]][:3] == ("confirmed", 1.0, "ada")


def test_confident_suggestions_button_names_count_and_estimate_and_confirms_exactly_those(app, warehouse):
    at = app()
    at.number_input(key="b_target").set_value(0.7).run()
    above = [q for q in _queue(warehouse) if q["probability"] is not None and q["probability"] >= 0.7]
    assert len(above) == 2 < len(_queue(warehouse))
    estimate = sum(q["probability"] for q in above) / 2
    button = at.button(key="bulk_above")
    assert button.label == f"Confirm 2 at estimated precision {estimate:.2f}" and not button.disabled
    button.click().run()
    events = _events(warehouse)
    assert sorted((e[0], e[2], e[4]) for e in events) == sorted((q["match_id"], "confirmed", "bulk") for q in above)
    assert at.button(key="bulk_above").label == "Confirm 0" and at.button(key="bulk_above").disabled
    # the scores page says which credit came from bulk decisions
    scores_page = app("Scores")
    bulk_rows = _frame(scores_page, "points")
    assert set(bulk_rows["criterion"]) == {q["criterion_id"] for q in above}
    # one click undoes the batch
    at.button(key="bulk_undo_batch").click().run()
    assert _decisions(warehouse) == {}
    assert at.button(key="bulk_above").label == f"Confirm 2 at estimated precision {estimate:.2f}"


def test_confident_suggestions_need_a_reviewer_name(app, warehouse):
    at = app(reviewer=None)
    at.number_input(key="b_target").set_value(0.7).run()
    assert any(c.value.startswith("2 undecided suggestions") for c in at.caption)  # the count shows anyway
    assert not [b for b in at.button if b.key == "bulk_above"] and _events(warehouse) == []
