"""`labwatch sql`: read-only, no file-system access, patient with a writer; three formats."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from labwatch.warehouse.exceptions import WarehouseBusy
from labwatch.warehouse.sql import QueryError, run_query


def _cli(*args):
    from labwatch.flows.cli import app

    return CliRunner().invoke(app, [str(a) for a in args])


def test_views_and_as_of_macros_answer(wh):
    result = run_query(wh.path, "SELECT lab, count(*) AS n FROM statements GROUP BY lab ORDER BY lab")
    assert result.columns == ["lab", "n"]
    assert result.rows == [("alpha", 8), ("beta", 2)]
    old = run_query(
        wh.path, "SELECT lab, document_id, version_id FROM current_versions(DATE '2024-12-31') ORDER BY lab"
    )
    assert [r[0] for r in old.rows] == ["alpha", "beta"]


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM read_text('{secret}')",
        "SELECT * FROM read_csv('{secret}')",
        "SELECT * FROM glob('{folder}/*')",
        "COPY (SELECT * FROM statements) TO '{folder}/out.csv'",
        "EXPORT DATABASE '{folder}/export'",
        "ATTACH '{folder}/other.duckdb' AS other",
        "SET enable_external_access = true",
    ],
)
def test_no_query_reaches_the_file_system(wh, tmp_path, query):
    secret = tmp_path / "secret.txt"
    secret.write_text("not for queries")
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(QueryError) as info:
        run_query(wh.path, query.format(secret=secret, folder=tmp_path))
    assert "not for queries" not in str(info.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.mark.parametrize(
    "query",
    ["DELETE FROM review_events", "DROP VIEW lab_scores", "CREATE TABLE t AS SELECT 1", "UPDATE labs SET lab = 'x'"],
)
def test_the_warehouse_cannot_be_changed(wh, query):
    with pytest.raises(QueryError, match="read-only"):
        run_query(wh.path, query)
    assert run_query(wh.path, "SELECT count(*) FROM statements").rows == [(10,)]


_HOLD_WRITER = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("BEGIN TRANSACTION")
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
con.execute("COMMIT")
con.close()
"""


def _hold(path, seconds):
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLD_WRITER, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "holding"
    return proc


def test_a_query_waits_politely_while_a_writer_holds_the_file(wh):
    proc = _hold(wh.path, 1.5)
    told = []
    try:
        started = time.monotonic()
        result = run_query(wh.path, "SELECT count(*) FROM passages", timeout=30, on_wait=told.append)
        waited = time.monotonic() - started
    finally:
        proc.wait(10)
    assert result.rows == [(10,)]
    assert len(told) == 1 and "writing; waiting" in told[0]
    assert waited > 0.5  # it did wait for the writer, rather than reading past it


def test_a_writer_that_never_finishes_is_named_after_the_timeout(wh):
    proc = _hold(wh.path, 5)
    try:
        with pytest.raises(WarehouseBusy, match="a writer held the warehouse for more than 1 s"):
            run_query(wh.path, "SELECT 1", timeout=1)
    finally:
        proc.kill()
        proc.wait(10)


def test_cli_prints_table_json_and_csv(wh):
    q = "SELECT lab, document_id, count(*) AS n FROM passages GROUP BY ALL ORDER BY lab"
    doc = json.loads(_cli("sql", q, "--db", wh.path, "--format", "json").stdout)
    assert doc == {
        "columns": ["lab", "document_id", "n"],
        "rows": [
            {"lab": "alpha", "document_id": "policy", "n": 8},
            {"lab": "beta", "document_id": "framework", "n": 2},
        ],
        "count": 2,
    }
    rows = list(csv.reader(io.StringIO(_cli("sql", q, "--db", wh.path, "--format", "csv").stdout)))
    assert rows == [["lab", "document_id", "n"], ["alpha", "policy", "8"], ["beta", "framework", "2"]]
    table = _cli("sql", q, "--db", wh.path)
    assert table.exit_code == 0 and "2 rows" in table.stdout and "framework" in table.stdout


def test_cli_bad_sql_is_one_line_and_exit_1(wh, tmp_path):
    bad = _cli("sql", "SELEC 1", "--db", wh.path)
    assert bad.exit_code == 1 and "syntax error" in bad.stderr.lower() and "Traceback" not in bad.stderr
    missing = _cli("sql", "SELECT 1", "--db", tmp_path / "nowhere.duckdb")
    assert missing.exit_code == 1 and "no warehouse here" in missing.stderr
    assert not (tmp_path / "nowhere.duckdb").exists()
