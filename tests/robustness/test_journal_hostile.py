"""A forged or broken journal file changes no score, blocks no write, and is named."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from labwatch.extractors.records import make_match_id, text_hash
from labwatch.warehouse.db import Warehouse
from labwatch.warehouse.journal import ReviewEvent, list_event_files, quarantine_dir, quarantined

from .conftest import invoke, invoke_json, seeded_warehouse

TEXT = "We will evaluate every frontier model for dangerous capabilities before release."
CRITERION = "measuring.key_domains"


def _match_id(wh: Warehouse) -> str:
    with wh.read() as con:
        return con.execute("SELECT match_id FROM matches LIMIT 1").fetchone()[0]


def _event(**over) -> dict:
    event = {
        "event_id": "forged0001",
        "match_id": make_match_id("aurora-labs", "policy", TEXT, CRITERION),
        "lab": "aurora-labs",
        "document_id": "policy",
        "norm_hash": text_hash(TEXT),
        "text": TEXT,
        "criterion_id": CRITERION,
        "reviewer": "mallory",
        "decision": "confirmed",
        "credit": 1.0,
        "note": None,
        "created_at": "2025-01-01T00:00:00.000000Z",
        "origin": "cli",
    }
    return {**event, **over}


def _drop(wh: Warehouse, event: dict | str, name: str | None = None) -> Path:
    """Put a file into the journal as an attacker with write access to the folder would."""
    wh.journal_dir.mkdir(parents=True, exist_ok=True)
    if name is None:
        name = f"20250101T000000000000Z-{event['event_id']}.json"
    path = wh.journal_dir / name
    path.write_text(event if isinstance(event, str) else json.dumps(event), encoding="utf-8")
    return path


def _score(wh: Warehouse) -> float:
    doc = invoke_json("score", "--db", wh.path)
    (lab,) = [lab for lab in doc["labs"] if lab["lab"] == "aurora-labs"]
    return lab["score"]


def _decision(wh: Warehouse):
    with wh.read() as con:
        return con.execute("SELECT decision, credit, reviewer FROM decisions").fetchall()


@pytest.fixture
def wh(tmp_path) -> Warehouse:
    return seeded_warehouse(tmp_path / "w.duckdb", texts=(TEXT,))


@pytest.mark.parametrize(
    ("over", "why"),
    [
        ({"credit": 1000, "created_at": "2099-01-01T00:00:00.000000Z"}, "outside 0..1"),
        ({"created_at": "2099-01-01T00:00:00.000000Z"}, "in the future"),
        ({"created_at": "2300-06-01T00:00:00Z"}, "in the future"),
        ({"credit": "abc"}, "not a number"),
        ({"credit": float("nan")}, "not a number"),
        ({"decision": "approved"}, "unknown decision"),
        ({"reviewer": "  "}, "no reviewer"),
        ({"reviewer": None}, "no reviewer"),
        ({"match_id": "m_00000000000000000000"}, "not the id of its own"),
        ({"criterion_id": "commitments.other"}, "not the id of its own"),
    ],
)
def test_an_invalid_event_is_quarantined_and_decides_nothing(wh, over, why):
    match_id = _match_id(wh)
    assert invoke("review", "reject", match_id, "--reviewer", "ana", "--db", wh.path).exit_code == 0
    before = _score(wh)
    forged = _drop(wh, _event(**over))
    assert _score(wh) == before  # `score` writes (loads the journal) first
    assert _decision(wh) == [("rejected", 0.0, "ana")]
    assert not forged.exists()
    (q,) = quarantined(wh.journal_dir)
    assert Path(q["file"]).parent == quarantine_dir(wh.journal_dir) and why in q["reason"]
    status = invoke_json("status", "--db", wh.path, "--no-models")
    assert [Path(x["file"]).name for x in status["journal_quarantined"]] == [forged.name]
    table = invoke("status", "--db", wh.path, "--no-models")
    assert forged.name in " ".join(table.stderr.split())


def test_a_bad_value_blocks_no_later_write(wh):
    _drop(wh, _event(credit="abc"))
    match_id = _match_id(wh)
    result = invoke("review", "confirm", match_id, "--reviewer", "ana", "--credit", "0.5", "--db", wh.path)
    assert result.exit_code == 0, result.stderr
    assert _decision(wh) == [("confirmed", 0.5, "ana")]
    assert invoke("score", "--db", wh.path).exit_code == 0


def test_a_file_that_is_not_json_is_named_not_skipped(wh):
    bad = _drop(wh, "{this is not json", name="20250101T000000000000Z-broken01.json")
    stray = _drop(wh, "hello", name="notes.txt")
    with wh.write():
        pass
    reasons = {Path(q["file"]).name: q["reason"] for q in quarantined(wh.journal_dir)}
    assert set(reasons) == {bad.name, stray.name}
    assert "not JSON" in reasons[bad.name] and "not a review event file" in reasons[stray.name]


def _shown(wh: Warehouse) -> list[tuple]:
    """The standing decisions and stored events as a user sees them (`labwatch sql`), after a
    write command (`score`) has loaded the journal."""
    assert invoke("score", "--db", wh.path).exit_code == 0
    decisions = invoke_json("sql", "select decision, reviewer, event_id from decisions", "--db", wh.path)
    reviews = invoke_json("sql", "select review_id, decision from reviews order by review_id", "--db", wh.path)
    return [tuple(r.values()) for r in decisions["rows"]], [tuple(r.values()) for r in reviews["rows"]]


def _status_reasons(wh: Warehouse) -> dict[str, str]:
    status = invoke_json("status", "--db", wh.path, "--no-models")
    return {Path(q["file"]).name: q["reason"] for q in status["journal_quarantined"]}


def test_copies_of_one_event_are_one_event_and_the_decision_is_kept(wh):
    event = _event(event_id="twin0001", decision="confirmed")
    a = _drop(wh, event, name="20250101T000000000000Z-twin0001.json")
    b = wh.journal_dir / "20250101T000000000001Z-twin0001.json"
    shutil.copyfile(a, b)  # byte-identical
    respelled = json.dumps(dict(reversed(event.items())), indent=2).replace(".000000Z", "+00:00")
    c = _drop(wh, respelled, name="20250101T000000000002Z-twin0001.json")  # same content, other spelling
    assert _shown(wh) == ([("confirmed", "mallory", "twin0001")], [("twin0001", "confirmed")])
    assert [p.name for p in list_event_files(wh.journal_dir)] == [a.name]
    reasons = _status_reasons(wh)
    assert set(reasons) == {b.name, c.name}
    assert all("second copy of event 'twin0001'" in r and a.name in r for r in reasons.values())


def test_one_event_id_with_different_content_keeps_the_one_written_first(wh):
    # file names in the opposite order of the recorded times: the recorded time decides
    first = _drop(
        wh,
        _event(event_id="twin0002", decision="rejected", created_at="2025-01-01T00:00:00.000000Z"),
        name="20250105T000000000000Z-twin0002.json",
    )
    later = _drop(
        wh,
        _event(event_id="twin0002", decision="confirmed", created_at="2025-01-03T00:00:00.000000Z"),
        name="20250102T000000000000Z-twin0002.json",
    )
    broken = _drop(
        wh,
        _event(event_id="twin0002", credit=7.0, created_at="2024-01-01T00:00:00.000000Z"),
        name="20240101T000000000000Z-twin0002.json",
    )
    assert _shown(wh) == ([("rejected", "mallory", "twin0002")], [("twin0002", "rejected")])
    assert first.exists() and not later.exists() and not broken.exists()
    reasons = _status_reasons(wh)
    assert "outside 0..1" in reasons[broken.name]
    assert "different content" in reasons[later.name] and f"{first.name} was written first" in reasons[later.name]
    table = invoke("status", "--db", wh.path, "--no-models")
    assert later.name in " ".join(table.stderr.split())


def test_same_time_different_content_is_decided_by_file_name(wh):
    a = _drop(wh, _event(event_id="twin0003", decision="rejected"), name="20250101T000000000000Z-twin0003.json")
    b = _drop(wh, _event(event_id="twin0003", decision="confirmed"), name="20250101T000000000001Z-twin0003.json")
    assert _shown(wh)[0] == [("rejected", "mallory", "twin0003")]
    assert a.exists() and not b.exists() and a.name in _status_reasons(wh)[b.name]


def test_a_twin_of_a_loaded_decision_never_replaces_it(wh, tmp_path):
    match_id = _match_id(wh)
    assert invoke("review", "confirm", match_id, "--reviewer", "ana", "--db", wh.path).exit_code == 0
    (real,) = list_event_files(wh.journal_dir)
    stored = json.loads(real.read_text(encoding="utf-8"))
    # a forged file claiming the same id, an earlier time and the opposite decision
    forged = _drop(
        wh,
        {**stored, "decision": "rejected", "reviewer": "mallory", "created_at": "2020-01-01T00:00:00.000000Z"},
        name=f"20200101T000000000000Z-{stored['event_id']}.json",
    )
    assert _shown(wh)[0] == [("confirmed", "ana", stored["event_id"])]
    assert real.exists() and not forged.exists() and real.name in _status_reasons(wh)[forged.name]
    fresh = seeded_warehouse(tmp_path / "fresh" / "w.duckdb", texts=(TEXT,))
    shutil.copytree(wh.journal_dir, fresh.journal_dir)
    assert _shown(fresh)[0] == [("confirmed", "ana", stored["event_id"])]


def test_a_file_whose_name_and_content_disagree_is_quarantined(wh):
    _drop(wh, _event(event_id="inside01"), name="20250101T000000000000Z-outside1.json")
    with wh.write():
        pass
    assert _decision(wh) == [] and "its name claims event 'outside1'" in quarantined(wh.journal_dir)[0]["reason"]


def test_an_event_for_a_match_that_is_not_current_is_kept(wh):
    text = "We will publish a report on every incident within thirty days."  # no such statement now
    event = _event(
        event_id="later001",
        text=text,
        norm_hash=text_hash(text),
        match_id=make_match_id("aurora-labs", "policy", text, CRITERION),
    )
    _drop(wh, event)
    with wh.write():
        pass
    assert quarantined(wh.journal_dir) == []
    with wh.read() as con:
        assert con.execute("SELECT event_id FROM review_events").fetchall() == [("later001",)]


def test_events_stored_before_validation_decide_nothing(wh):
    """A warehouse that loaded a forged event before events were validated on read."""
    ok = ReviewEvent(**_event(event_id="good0001", credit=0.5, created_at="2025-01-02T00:00:00.000000Z"))
    forged = ReviewEvent(**_event(event_id="bad00001", credit=1000.0, created_at="2099-01-01T00:00:00.000000Z"))
    from labwatch.warehouse.decisions import insert_events

    with wh.write() as con:
        insert_events(con, [ok, forged])  # the old path: no validation
    assert _decision(wh) == [("confirmed", 0.5, "mallory")]
    assert 0 <= _score(wh) <= 100


def test_a_replay_into_a_fresh_warehouse_decides_the_same(wh, tmp_path):
    match_id = _match_id(wh)
    for args in (("confirm",), ("reject",), ("undo",), ("confirm", "--credit", "0.25")):
        assert invoke("review", args[0], match_id, *args[1:], "--reviewer", "ana", "--db", wh.path).exit_code == 0
    fresh = seeded_warehouse(tmp_path / "fresh" / "w.duckdb", texts=(TEXT,))
    shutil.copytree(wh.journal_dir, fresh.journal_dir)
    with fresh.write():
        pass
    assert _decision(fresh) == _decision(wh) == [("confirmed", 0.25, "ana")]


# ----------------------------------------------------------------------------- journal naming
def test_two_warehouses_of_one_stem_keep_separate_journals(tmp_path):
    a = seeded_warehouse(tmp_path / "x.db", texts=(TEXT,))
    b = seeded_warehouse(tmp_path / "x.duckdb", texts=(TEXT,))
    assert a.journal_dir != b.journal_dir
    assert invoke("review", "confirm", _match_id(a), "--reviewer", "ana", "--db", a.path).exit_code == 0
    assert _decision(a) == [("confirmed", 1.0, "ana")] and _decision(b) == []
    assert a.journal_dir.name == "x.db.journal" and b.journal_dir.name == "x.duckdb.journal"


def test_two_warehouses_of_one_stem_keep_separate_feeds(tmp_path):
    from labwatch.flows.feeds import write_feeds

    a = seeded_warehouse(tmp_path / "x.db", texts=(TEXT,))
    b = seeded_warehouse(tmp_path / "x.duckdb", texts=(TEXT,))
    written = [set(write_feeds(wh)) for wh in (a, b)]
    assert written[0] and written[1] and not written[0] & written[1]
    assert {p.parent.name for p in written[0]} == {"x.db.feeds"}


def _old_layout(tmp_path: Path) -> Warehouse:
    """A warehouse with decisions whose journal has the old name ``<stem>.journal/``."""
    wh = seeded_warehouse(tmp_path / "w.duckdb", texts=(TEXT,))
    match_id = _match_id(wh)
    for verb in ("confirm", "reject"):
        assert invoke("review", verb, match_id, "--reviewer", "ana", "--db", wh.path).exit_code == 0
    wh.journal_dir.rename(tmp_path / "w.journal")
    return wh


def test_an_old_journal_is_adopted_and_the_warehouse_keeps_every_decision(tmp_path):
    _old_layout(tmp_path)
    again = Warehouse(tmp_path / "w.duckdb")
    with again.write():
        pass
    assert again.journal_dir == tmp_path / "w.duckdb.journal" and not (tmp_path / "w.journal").exists()
    assert len(list_event_files(again.journal_dir)) == 2
    assert _decision(again) == [("rejected", 0.0, "ana")]
    # and the adopted journal replays every decision into a new file
    (tmp_path / "w.duckdb").unlink()
    replayed = seeded_warehouse(tmp_path / "w.duckdb", texts=(TEXT,))
    assert _decision(replayed) == [("rejected", 0.0, "ana")]


def test_an_old_journal_two_warehouses_could_claim_is_left_alone(tmp_path):
    _old_layout(tmp_path)
    seeded_warehouse(tmp_path / "w.db", texts=(TEXT,))
    other = Warehouse(tmp_path / "w.duckdb")
    assert not other.journal_dir.exists() and (tmp_path / "w.journal").is_dir()
