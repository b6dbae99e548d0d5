"""`Warehouse("ducklake:postgres:...")`: the same migrations, tables, views, macros, idempotent
writes and review events as a DuckDB file, on a real PostgreSQL catalog started by the tests."""

from __future__ import annotations

from datetime import date

import pytest

from labwatch.warehouse import reviews as R
from labwatch.warehouse import store
from labwatch.warehouse.db import SCHEMA_VERSION, Warehouse
from labwatch.warehouse.journal import list_event_files
from labwatch.warehouse.lake import LakeError
from labwatch.warehouse.lakehouse import LakeWarehouse
from labwatch.warehouse.lakeurl import LakeAddress
from labwatch.warehouse.queries import CONTRACT_VIEWS
from labwatch.warehouse.schema import lake_sql

from .conftest import V1, V2, make_record, rubric_rows


@pytest.fixture()
def lake_url(pg_server, tmp_path):
    return f"ducklake:postgres:{pg_server.new_database()} data_path={tmp_path / 'parquet'} home={tmp_path / 'home'}"


def fill(w: Warehouse) -> None:
    """The same corpus as the ``wh`` fixture, stored twice over (the second time changes nothing)."""
    for _ in range(2):
        with w.write() as con:
            store.store_rubric(con, rubric_rows())
            store.store_version(con, make_record("alpha", "policy", V1, sha="a1", published=date(2024, 1, 10)))
            store.store_version(con, make_record("alpha", "policy", V2, sha="a2", published=date(2025, 3, 1)))
            store.store_version(con, make_record("beta", "framework", V1[:2], sha="b1", published=date(2024, 6, 1)))
            store.store_embeddings(con, "m", ["h1", "h2", "h1"], [[0.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
            store.record_input(con, "/c/alpha/policy.txt", 10, 1, "a1", "alpha", "policy", "p1")
            store.record_input(con, "/c/alpha/policy.txt", 11, 2, "a2", "alpha", "policy", "p1")


# tables beside the views whose rows must be the same, less the time each row was written
STAMPED = {
    "reviews": "review_id, created_at",  # each event's own random id and time
    "confirmed_evidence": "decided_at",
    "labs": "created_at",
    "documents": "created_at",
    "snapshots": "first_seen",
    "version_snapshots": "seen_at",
    "embeddings": None,
    "inputs": "seen_at",
}


def contents(w: Warehouse) -> dict[str, list[tuple]]:
    with w.read() as con:
        got = {}
        for table, stamp in {**{v: None for v in CONTRACT_VIEWS}, **STAMPED}.items():
            cols = f"* EXCLUDE ({stamp})" if stamp else "*"
            got[table] = con.execute(f"SELECT {cols} FROM {table} ORDER BY ALL").fetchall()
        got["as_of"] = con.execute("SELECT * FROM lab_scores_as_of(DATE '2024-12-31') ORDER BY ALL").fetchall()
    return got


def test_a_lake_address_names_the_catalog_and_labwatchs_own_folders(tmp_path):
    a = LakeAddress.parse(
        f"ducklake:postgres:host=db port=5432 dbname=lake data_path=s3:/bucket/lake home='{tmp_path}/my home'"
    )
    assert a.catalog_url == "ducklake:postgres:host=db port=5432 dbname=lake"
    assert a.data_path == "s3://bucket/lake"  # the // a command line's path lost is restored
    assert a.home == tmp_path / "my home"
    default = LakeAddress.parse("ducklake:postgres:dbname=lake host=db").home
    assert default.parent.name == "lakes" and default.name.startswith("lake-")
    assert default == LakeAddress.parse("ducklake:postgres:host=db dbname=lake").home  # order does not matter
    for bad, why in (("ducklake:sqlite:x.db", "PostgreSQL only"), ("ducklake:postgres:home=/x", "no PostgreSQL")):
        with pytest.raises(LakeError, match=why):
            Warehouse(bad)


def test_lake_dialect_takes_out_keys_and_indexes_only():
    sql = (
        "CREATE TABLE a (k VARCHAR PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0, u VARCHAR UNIQUE);\n"
        "CREATE TABLE b (x VARCHAR NOT NULL, y INTEGER, PRIMARY KEY (x, y));\n"
        "CREATE UNIQUE INDEX b_x ON b (x);\n"
        "ALTER TABLE b ADD COLUMN z VARCHAR DEFAULT 'error';"
    )
    assert [" ".join(s.split()).rstrip(";") for s in lake_sql(sql)] == [
        "CREATE TABLE a (k VARCHAR, n INTEGER NOT NULL DEFAULT 0, u VARCHAR)",
        "CREATE TABLE b (x VARCHAR NOT NULL, y INTEGER)",
        "ALTER TABLE b ADD COLUMN z VARCHAR DEFAULT 'error'",
    ]


def test_migrations_give_a_lake_the_files_tables_and_columns(lake_url, tmp_path):
    lake, file = Warehouse(lake_url), Warehouse(tmp_path / "f.duckdb")
    assert isinstance(lake, LakeWarehouse) and not lake.exists
    lake.ensure()
    file.ensure()
    assert lake.exists and lake.schema_version() == file.schema_version() == SCHEMA_VERSION

    def shape(w):
        with w.read() as con:
            here = "database_name = current_database() AND schema_name = 'main'"
            columns = con.execute(
                # DuckLake reports "no default" as the text NULL; a file's view columns can be
                # stale in its catalog, so views are compared by name here and by rows elsewhere
                "SELECT table_name, column_name, data_type, nullif(column_default, 'NULL') FROM duckdb_columns() "
                f"WHERE {here} AND table_name IN (SELECT table_name FROM duckdb_tables() WHERE {here}) ORDER BY ALL"
            ).fetchall()
            views = con.execute(f"SELECT view_name FROM duckdb_views() WHERE {here} ORDER BY ALL").fetchall()
            macros = con.execute(
                f"SELECT DISTINCT function_name FROM duckdb_functions() WHERE {here} AND macro_definition IS NOT NULL "
                "ORDER BY ALL"
            ).fetchall()
            return columns, views, macros

    assert shape(lake) == shape(file)
    _, views, macros = shape(lake)
    assert set(CONTRACT_VIEWS) - {"statements"} <= {v for (v,) in views}  # statements is a table
    assert {"lab_scores_as_of", "evidence_as_of", "current_versions"} <= {m for (m,) in macros}
    Warehouse(lake_url).ensure()  # a second process: nothing left to apply
    with lake.read() as con:
        assert con.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == len(
            {r[0] for r in con.execute("SELECT version FROM schema_migrations").fetchall()}
        )


def test_views_and_macros_are_the_same_on_a_lake_and_a_file(lake_url, tmp_path):
    lake, file = Warehouse(lake_url), Warehouse(tmp_path / "f.duckdb")
    for w in (lake, file):
        fill(w)
        with w.read() as con:
            a, b = (
                R.resolve_match(con, m)
                for (m,) in con.execute("SELECT match_id FROM candidate_matches ORDER BY match_id LIMIT 2").fetchall()
            )
        R.record_events(w, R.confirm(a, reviewer="ann") + R.reject(b, reviewer="bo"))
    got, want = contents(lake), contents(file)
    assert want["candidate_matches"] and want["lab_scores"] and want["commitment_changes"] == []
    assert len(want["reviews"]) == 2 and len(want["embeddings"]) == 2 and len(want["inputs"]) == 1
    for key in want:
        assert got[key] == want[key], key
    assert len(list_event_files(lake.journal_dir)) == 2  # the decisions were written to the journal first
    assert lake.journal_dir.parent == tmp_path / "home"


def test_a_decision_in_the_journal_reaches_the_lake_on_the_next_write(lake_url):
    lake = Warehouse(lake_url)
    fill(lake)
    with lake.read() as con:
        (m,) = con.execute("SELECT match_id FROM candidate_matches ORDER BY match_id LIMIT 1").fetchone()
        ref = R.resolve_match(con, m)
    from labwatch.warehouse.journal import append_event

    append_event(lake.journal_dir, R.confirm(ref, reviewer="cy")[0])  # made while the lake was away
    with Warehouse(lake_url).write():
        pass
    with lake.read() as con:
        assert con.execute("SELECT decision, reviewer FROM decisions").fetchall() == [("confirmed", "cy")]
