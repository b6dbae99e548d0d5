"""Export every contract view and the review events; import restores decisions elsewhere."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from labwatch.warehouse import reviews as R
from labwatch.warehouse import store
from labwatch.warehouse.backup import export_warehouse, import_events
from labwatch.warehouse.db import Warehouse
from labwatch.warehouse.exceptions import ImportFailed
from labwatch.warehouse.queries import CONTRACT_VIEWS

from .conftest import V2, make_record, rubric_rows


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_import_round_trip(wh, tmp_path, fmt):
    with wh.read() as con:
        mids = [
            r[0]
            for r in con.execute(
                "SELECT match_id FROM candidate_matches WHERE lab='alpha' ORDER BY match_id"
            ).fetchall()
        ]
        refs = [R.resolve_match(con, m) for m in mids[:2]]
    R.record_events(
        wh,
        [
            R.new_event(refs[0], reviewer="ann", decision="confirmed"),
            R.new_event(refs[1], reviewer="ann", decision="rejected", note="no"),
        ],
    )
    out = tmp_path / "backup"
    counts = export_warehouse(wh, out, fmt)
    assert set(CONTRACT_VIEWS) <= set(counts) and counts["review_events"] == 2
    for name in CONTRACT_VIEWS:
        n = duckdb.sql(f"SELECT count(*) FROM '{out / f'{name}.{fmt}'}'").fetchone()[0]
        assert n == counts[name]

    other = Warehouse(tmp_path / "elsewhere" / "new.duckdb")
    with other.write() as con:
        store.store_rubric(con, rubric_rows())
        store.store_version(con, make_record("alpha", "policy", V2, sha="zz", published=date(2025, 3, 1)))
    assert import_events(other, out) == 2
    assert import_events(other, out) == 0  # idempotent
    with other.read() as con:
        got = sorted(con.execute("SELECT match_id, decision FROM decisions").fetchall())
        assert con.execute("SELECT count(*) FROM review_events").fetchone()[0] == 2
    assert got == sorted([(refs[0].match_id, "confirmed"), (refs[1].match_id, "rejected")])


def test_import_of_a_wrong_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ImportFailed, match="review_events.jsonl"):
        import_events(Warehouse(tmp_path / "w.duckdb"), tmp_path)
