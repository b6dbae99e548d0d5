"""`labwatch sql` on a DuckLake warehouse stays read-only: nothing written into the lake's data
folder (which DuckDB must be allowed, to read the Parquet files), no state changed, while
reading queries, views, macros and DuckLake's own reading functions still run."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import invoke, invoke_json


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def _snapshots(lake: str) -> int:
    return invoke_json("sql", "select count(*) as n from ducklake_snapshots('lake')", "--db", lake)["rows"][0]["n"]


def test_a_copy_into_the_data_folder_is_refused_and_leaves_no_file(seeded_lake, tmp_path):
    data = tmp_path / "parquet"
    before = _files(data)
    target = data / "main" / "labs" / "extra.parquet"  # where the lake's own files are
    result = invoke("sql", f"COPY (SELECT * FROM labs) TO '{target}' (FORMAT parquet)", "--db", seeded_lake)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: sql: COPY") and "read-only" not in result.stdout
    assert "refused on a DuckLake warehouse" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not target.exists() and _files(data) == before


@pytest.mark.parametrize(
    ("sql", "named"),
    [
        ("EXPORT DATABASE '{data}/export'", "EXPORT"),
        ("ATTACH '{data}/new.duckdb' AS x", "ATTACH"),
        ("SELECT 1; COPY (SELECT 1) TO '{data}/a.csv'", "COPY"),  # a second statement is checked too
        ("INSTALL httpfs", "LOAD"),
        ("LOAD httpfs", "LOAD"),
        ("SET threads = 1", "SET"),
        ("CALL ducklake_merge_adjacent_files('lake')", "CALL"),
        ("SELECT * FROM ducklake_cleanup_old_files('lake', cleanup_all => true)", "ducklake_cleanup_old_files()"),
        (
            "SELECT * FROM ducklake_delete_orphaned_files('lake', cleanup_all => true)",
            "ducklake_delete_orphaned_files()",
        ),
        ("SELECT * FROM lake.merge_adjacent_files()", "merge_adjacent_files()"),
        ("SELECT * FROM postgres_query('__ducklake_metadata_lake', 'SELECT current_user')", "postgres_query()"),
        (
            "SELECT * FROM (SELECT 1) WHERE 1 IN (SELECT * FROM postgres_execute('x', 'DROP TABLE y'))",
            "postgres_execute()",
        ),
        ("SELECT * FROM query('SELECT 1')", "query()"),
    ],
)
def test_statements_that_write_or_change_state_are_refused(seeded_lake, tmp_path, sql, named):
    data = tmp_path / "parquet"
    before, snapshots = _files(data), _snapshots(seeded_lake)
    result = invoke("sql", sql.format(data=data), "--db", seeded_lake)
    assert result.exit_code == 1 and result.stderr.startswith("error: sql: ")
    assert named in result.stderr and "refused on a DuckLake warehouse" in result.stderr
    assert _files(data) == before and _snapshots(seeded_lake) == snapshots


def test_reading_queries_still_run_on_a_lake(seeded_lake):
    def rows(sql: str) -> list[dict]:
        return invoke_json("sql", sql, "--db", seeded_lake)["rows"]

    assert rows("select lab from labs") == [{"lab": "aurora-labs"}]
    assert rows("select lab, score from lab_scores_as_of(current_date)")[0]["lab"] == "aurora-labs"
    assert rows("with v as (select count(*) as n from passages) select n > 0 as some from v") == [{"some": True}]
    assert rows("select count(*) > 0 as some from ducklake_snapshots('lake')") == [{"some": True}]
    assert any(r["name"] == "labs" for r in rows("show tables"))
    assert {r["column_name"] for r in rows("describe labs")} >= {"lab"}
    assert rows("select 1 as a; select 2 as b") == [{"b": 2}]
    assert {"name": "lab"} in rows("select name from pragma_table_info('labs')")
    assert "lab" in [r["name"] for r in rows("pragma table_info('labs')")]
