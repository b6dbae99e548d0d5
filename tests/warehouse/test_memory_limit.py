"""Warehouse connections cap DuckDB's memory (LABWATCH_DUCKDB_MEMORY), so a long run's memory
does not grow with the warehouse file, and big queries still complete under the cap."""

from __future__ import annotations

import pyarrow.compute as pc
import pytest

from labwatch.warehouse import scoring
from labwatch.warehouse.db import Warehouse
from labwatch.warehouse.exceptions import WarehouseError


def _limit(con) -> str:
    return con.execute("SELECT current_setting('memory_limit')").fetchone()[0]


def test_read_and_write_connections_take_the_configured_limit(wh, monkeypatch):
    monkeypatch.setenv("LABWATCH_DUCKDB_MEMORY", "64MB")
    with wh.write() as con:
        assert _limit(con) == "61.0 MiB"  # DuckDB shows 64 MB in MiB
    with wh.read() as con:
        assert _limit(con) == "61.0 MiB"
    monkeypatch.delenv("LABWATCH_DUCKDB_MEMORY")
    with wh.read() as con:
        assert _limit(con) == "122.0 MiB"  # the default, 128 MB
    monkeypatch.setenv("LABWATCH_DUCKDB_MEMORY", "default")
    with wh.read() as con:  # DuckDB's own limit: 80% of this machine's memory
        assert _limit(con) not in ("61.0 MiB", "122.0 MiB")


@pytest.mark.slow
def test_queries_bigger_than_the_limit_spill_beside_the_warehouse_and_complete(tmp_path, monkeypatch):
    monkeypatch.setenv("LABWATCH_DUCKDB_MEMORY", "64MB")
    wh = Warehouse(tmp_path / "big.duckdb")
    rows = 1_200_000  # about 80 MB of distinct 64-character strings, more than the limit
    with wh.write() as con:
        con.execute(
            f"CREATE TABLE big AS SELECT i, md5(i::VARCHAR) || md5((i + 1)::VARCHAR) AS s FROM range({rows}) t(i)"
        )
    with wh.read() as con:
        assert con.execute("SELECT current_setting('temp_directory')").fetchone()[0] == str(tmp_path / "big.duckdb.tmp")
        # the operators of the views and scores: a hash aggregate, a hash join and a sort, each
        # over the whole table
        assert con.execute("SELECT count(*) FROM (SELECT s FROM big GROUP BY s)").fetchone()[0] == rows
        assert con.execute("SELECT count(*) FROM big a JOIN big b ON a.s = b.s AND a.i = b.i").fetchone()[0] == rows
        ordered = con.execute("SELECT s FROM big ORDER BY s").arrow()
        ordered = (ordered.read_all() if hasattr(ordered, "read_all") else ordered).column("s")
    assert len(ordered) == rows
    assert pc.all(pc.less(ordered[:-1], ordered[1:])).as_py()


def test_scores_and_views_work_under_a_small_limit(wh, monkeypatch):
    monkeypatch.setenv("LABWATCH_DUCKDB_MEMORY", "20MB")
    with wh.read() as con:
        got = scoring.scores(con)
    monkeypatch.setenv("LABWATCH_DUCKDB_MEMORY", "default")
    with wh.read() as con:
        assert got == scoring.scores(con)


@pytest.mark.parametrize("value", ["lots", "256", "-1GB"])
def test_a_value_duckdb_cannot_read_is_one_line_naming_the_variable(wh, monkeypatch, value):
    monkeypatch.setenv("LABWATCH_DUCKDB_MEMORY", value)
    with pytest.raises(WarehouseError, match="LABWATCH_DUCKDB_MEMORY") as err:
        with wh.read():
            pass
    assert "\n" not in str(err.value)


def test_a_plain_duckdb_reader_in_the_same_process_opens_beside_a_labwatch_connection(wh):
    # a notebook that holds a labwatch connection and opens the file with duckdb itself
    import duckdb

    with wh.read() as con:
        mine = duckdb.connect(str(wh.path), read_only=True)
        try:
            assert (
                mine.execute("SELECT count(*) FROM versions").fetchone()
                == con.execute("SELECT count(*) FROM versions").fetchone()
            )
        finally:
            mine.close()
