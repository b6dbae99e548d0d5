"""Security: no path escapes the data folder, SQL takes only parameters, the dashboard is local."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labwatch.corpus.exceptions import SnapshotError
from labwatch.corpus.local import discover_corpus, slugify
from labwatch.corpus.snapshots import SnapshotStore
from labwatch.warehouse import queries, store
from labwatch.warehouse.db import Warehouse

from .conftest import invoke, invoke_json, version_record

INJECTION = "'; DROP TABLE versions; --"
TABLES = ("versions", "statements", "matches", "review_events", "failures", "runs", "documents", "labs")


# ----------------------------------------------------------------------------- path traversal
@pytest.mark.parametrize(
    "bad_id",
    [
        "../" * 8 + "etc/passwd",
        "../../" + "a" * 62,
        "a" * 64 + "/../../x",
        "/" + "a" * 63,
        "..\\" + "a" * 61,
        "a" * 63 + "\x00",
        "a" * 63 + "/",
        "g" * 64,
        "",
        "a" * 65,
    ],
)
def test_snapshot_ids_that_are_not_sha256_are_refused(tmp_path, bad_id):
    snaps = SnapshotStore(tmp_path / "data" / "snapshots")
    for call in (snaps.path, snaps.has, snaps.get):
        with pytest.raises(SnapshotError, match="invalid snapshot id"):
            call(bad_id)
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]  # refusing wrote nothing anywhere


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=0, max_size=80))
def test_any_snapshot_id_is_refused_or_stays_under_the_root(sha):
    root = Path("/tmp/labwatch-snapshot-root-property")
    snaps = SnapshotStore(root)
    try:
        path = snaps.path(sha)
    except SnapshotError:
        return
    assert path.is_relative_to(root.resolve()) and len(path.relative_to(root.resolve()).parts) == 2


def test_stored_snapshots_live_under_their_hash_only(tmp_path):
    root = tmp_path / "data" / "snapshots"
    snaps = SnapshotStore(root)
    sha = snaps.put(b"<html>../../etc/passwd</html>")
    assert snaps.get(sha) == b"<html>../../etc/passwd</html>"
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert files == [root / sha[:2] / sha[2:]]


@pytest.mark.parametrize("name", ["../../escape", "..", "a/../../b", "/etc/passwd", "C:\\Windows\\x", "\x00nul"])
def test_ids_from_names_cannot_hold_path_separators(name):
    slug = slugify(name)
    assert "/" not in slug and "\\" not in slug and slug not in ("", ".", "..") and not slug.startswith(".")


def test_sidecar_document_ids_are_slugified(tmp_path):
    lab = tmp_path / "corpus" / "some-lab"
    lab.mkdir(parents=True)
    (lab / "policy.txt").write_text("We will test models. We will publish results.", encoding="utf-8")
    (lab / "policy.txt.meta.yaml").write_text("document: ../../../outside\n", encoding="utf-8")
    (doc,) = discover_corpus(tmp_path / "corpus")
    assert doc.document_id == "outside" and ".." not in doc.document_id


@pytest.mark.parametrize(
    "field",
    [
        "created_at",
        "event_id",
    ],
)
def test_imported_review_events_cannot_write_outside_the_journal(tmp_path, field):
    """`labwatch import` of a crafted export must not place files outside <db>.journal/."""
    import uuid

    from labwatch.warehouse.backup import import_events

    # a target folder whose path survives the name mangling (no '-', '.', ':')
    target = Path("/tmp") / f"lwescape{uuid.uuid4().hex}"
    target.mkdir()
    export = tmp_path / "export"
    export.mkdir()
    event = {
        "match_id": "m1",
        "lab": "lab",
        "document_id": "doc",
        "norm_hash": "h",
        "text": "t",
        "criterion_id": "c",
        "reviewer": "mallory",
        "decision": "confirmed",
        "credit": None,
        "note": None,
        "origin": "cli",
        "event_id": "e1",
        "created_at": "2025-01-01T00:00:00.000000Z",
    }
    event[field] = f"{target}/escaped" if field == "created_at" else f"/../../../../..{target}/escaped"
    (export / "review_events.jsonl").write_text(json.dumps(event), encoding="utf-8")
    wh = Warehouse(tmp_path / "data" / "w.duckdb")
    try:
        import_events(wh, export)
    except Exception:  # noqa: BLE001 - refusing the crafted event is fine; escaping is not
        pass
    escaped = list(target.iterdir())
    for p in escaped:
        p.unlink()
    target.rmdir()
    assert not escaped, f"files written outside {wh.journal_dir}: {escaped}"


# ---------------------------------------------------------------------------- SQL parameters
def _tables_intact(con) -> None:
    names = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert set(TABLES) <= names


def test_quotes_and_sql_in_values_round_trip_through_store_and_queries(tmp_path):
    wh = Warehouse(tmp_path / "w.duckdb")
    lab, doc = "o'brien-labs", "x'); DELETE FROM statements; --"
    texts = [
        f"We will never run {INJECTION} against any customer system.",
        'Our team\'s "red line" is written down; it will not move.',
    ]
    with wh.write() as con:
        store.store_version(con, version_record(lab, doc, texts, title=f"Policy {INJECTION}"))
    with wh.read() as con:
        _tables_intact(con)
        rows = con.execute("SELECT lab, document_id, title FROM versions").fetchall()
        assert rows == [(lab, doc, f"Policy {INJECTION}")]
        hits = queries.search_passages(con, INJECTION)
        assert [h["text"] for h in hits] == [texts[0]]
        assert queries.search_passages(con, 'team\'s "red line"', lab=lab)[0]["text"] == texts[1]
        # a quote in a filter is a value, not SQL: it matches nothing instead of everything
        assert queries.search_passages(con, "will", lab="' OR '1'='1") == []
        assert queries.search_passages(con, "%") == [] and queries.search_passages(con, "_") == []
        assert queries.review_queue(con, lab="x' OR 1=1 --") == []
        assert len(queries.review_queue(con, lab=lab, limit=None)) == 2
        assert con.execute("SELECT count(*) FROM statements").fetchone()[0] == 2


@pytest.mark.model
@pytest.mark.slow
def test_cli_ingest_with_hostile_lab_title_and_text(tmp_path):
    db = tmp_path / "w.duckdb"
    doc = tmp_path / "policy.txt"
    doc.write_text(
        f"# Safety\n\nWe will never run {INJECTION} against any system.\n\n"
        'Our board\'s "final" say covers every launch.\n',
        encoding="utf-8",
    )
    out = invoke_json(
        "ingest",
        doc,
        "--lab",
        f"Evil{INJECTION}",
        "--document",
        f"doc{INJECTION}",
        "--title",
        f'It\'s "quoted"{INJECTION}',
        "--db",
        db,
    )
    assert out["new_versions"] == 1
    with Warehouse(db).read() as con:
        _tables_intact(con)
        lab, document_id, title = con.execute("SELECT lab, document_id, title FROM versions").fetchone()
        assert lab == slugify(f"Evil{INJECTION}") and document_id == slugify(f"doc{INJECTION}")
        assert title == f'It\'s "quoted"{INJECTION}'
        hits = queries.search_passages(con, INJECTION)
        assert len(hits) == 1 and INJECTION in hits[0]["text"]
    # the read commands take the same strings as filters without harm
    for command in ("changes", "score", "review"):  # an unknown lab, named, not a query
        args = ("review", "list") if command == "review" else (command,)
        refused = invoke(*args, "--lab", INJECTION, "--db", db)
        assert refused.exit_code == 1 and "no such lab" in refused.stderr, command
    with Warehouse(db).read() as con:
        _tables_intact(con)
    assert invoke_json("status", "--db", db, "--no-models")["views"]["passages"] == 2


# ------------------------------------------------------------------------------ dashboard bind
def _dashboard_cmd(monkeypatch, tmp_path, *extra) -> list[str]:
    import os

    seen = {}

    def fake_execve(path, cmd, env):  # the command replaces its own process with streamlit
        seen["cmd"], seen["env"] = cmd, env
        raise SystemExit(0)

    monkeypatch.setattr(os, "execve", fake_execve)
    result = invoke("dashboard", "--db", tmp_path / "w.duckdb", *extra)
    assert result.exit_code == 0, result.stdout
    return seen["cmd"]


def test_dashboard_binds_loopback_by_default(monkeypatch, tmp_path):
    cmd = _dashboard_cmd(monkeypatch, tmp_path)
    assert "streamlit" in cmd and cmd.count("--server.address") == 1
    assert cmd[cmd.index("--server.address") + 1] == "127.0.0.1"
    assert cmd[cmd.index("--browser.gatherUsageStats") + 1] == "false"


def test_dashboard_binds_another_address_only_when_asked(monkeypatch, tmp_path):
    cmd = _dashboard_cmd(monkeypatch, tmp_path, "--host", "0.0.0.0", "--port", "9999")
    assert cmd[cmd.index("--server.address") + 1] == "0.0.0.0"
    assert cmd[cmd.index("--server.port") + 1] == "9999"


def test_no_project_streamlit_config_overrides_the_address():
    repo = Path(__file__).resolve().parents[2]
    for cfg in (repo / ".streamlit" / "config.toml", repo / "dashboards" / ".streamlit" / "config.toml"):
        if cfg.exists():
            assert "address" not in cfg.read_text(encoding="utf-8")
