"""`labwatch export --to-ducklake` / `import --from-ducklake` on the demo corpus, against a real
PostgreSQL started by the test: the seven contract views are identical in the file, the lake,
and the file copied back from the lake."""

from __future__ import annotations

import duckdb
import pytest

from labwatch.warehouse.lake import Lake
from labwatch.warehouse.queries import CONTRACT_VIEWS

from .conftest import invoke, invoke_json

pytestmark = [pytest.mark.model, pytest.mark.slow]


def views(con) -> dict[str, list[tuple]]:
    return {v: con.execute(f"SELECT * FROM {v} ORDER BY ALL").fetchall() for v in CONTRACT_VIEWS}


def test_demo_warehouse_round_trips_through_ducklake(demo_copy, pg_server, tmp_path):
    for item in invoke_json("review", "list", "--db", demo_copy)["items"][:3]:
        invoke("review", "confirm", item["id"], "--reviewer", "ann", "--db", demo_copy)
    url = f"ducklake:postgres:{pg_server.new_database()}"
    invoke("export", "--to-ducklake", url, "--lake-data", tmp_path / "lake", "--db", demo_copy)
    back = tmp_path / "back.duckdb"
    invoke("import", "--from-ducklake", url, "--db", back)

    with duckdb.connect(str(demo_copy), read_only=True) as con:
        file_views = views(con)
    assert all(file_views[v] for v in CONTRACT_VIEWS), {v: len(r) for v, r in file_views.items()}
    assert len(file_views["reviews"]) == 3
    with Lake(url).connect() as con:
        assert views(con) == file_views
    with duckdb.connect(str(back), read_only=True) as con:
        assert views(con) == file_views


def test_a_second_export_into_a_filled_lake_is_a_one_line_error(demo_copy, pg_server, tmp_path):
    url = f"ducklake:postgres:{pg_server.new_database()}"
    invoke("export", "--to-ducklake", url, "--lake-data", tmp_path / "lake", "--db", demo_copy)
    result = invoke("export", "--to-ducklake", url, "--db", demo_copy, check=False)
    assert result.exit_code != 0
    assert "already holds" in result.stderr and "--replace" in result.stderr


# Columns that say when a row was written (or which random id an event got), not what it holds.
WRITTEN_AT = {
    "reviews": ("review_id", "created_at"),
    "confirmed_evidence": ("decided_at",),
    "commitment_changes": ("detected_at", "old_seen_at", "new_seen_at"),
}


def contract(con) -> dict[str, list[tuple]]:
    got = {}
    for v in CONTRACT_VIEWS:
        cols = f"* EXCLUDE ({', '.join(WRITTEN_AT[v])})" if v in WRITTEN_AT else "*"
        got[v] = con.execute(f"SELECT {cols} FROM {v} ORDER BY ALL").fetchall()
    return got


def test_run_and_reviews_on_a_ducklake_warehouse_give_the_files_contract_views(demo_copy, pg_server, tmp_path):
    lake = f"ducklake:postgres:{pg_server.new_database()} data_path={tmp_path / 'parquet'} home={tmp_path / 'home'}"
    ran = invoke_json("run", "--no-prefect", "--db", lake)
    assert ran["new_versions"] == 6 and ran["views"]["passages"] > 0
    again = invoke_json("run", "--no-prefect", "--db", lake)  # idempotent, as on a file
    assert again["new_versions"] == 0 and again["views"] == ran["views"]
    items = invoke_json("review", "list", "--db", demo_copy)["items"][:3]
    for db in (demo_copy, lake):
        invoke("review", "confirm", items[0]["id"], "--reviewer", "ann", "--db", db)
        invoke("review", "reject", items[1]["id"], "--reviewer", "bo", "--db", db)
        invoke("review", "confirm", items[2]["id"], "--reviewer", "ann", "--credit", "0.5", "--db", db)
    with duckdb.connect(str(demo_copy), read_only=True) as con:
        file_views = contract(con)
        as_of = con.execute("SELECT * FROM lab_scores_as_of(DATE '2025-06-30') ORDER BY ALL").fetchall()
    assert all(file_views[v] for v in CONTRACT_VIEWS), {v: len(r) for v, r in file_views.items()}
    with Lake(lake).connect() as con:
        assert contract(con) == file_views
        assert con.execute("SELECT * FROM lab_scores_as_of(DATE '2025-06-30') ORDER BY ALL").fetchall() == as_of
    assert invoke_json("score", "--db", lake) == invoke_json("score", "--db", demo_copy)
