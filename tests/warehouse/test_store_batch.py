"""Storing a batch with its versions looked up once gives what storing one by one gives."""

from __future__ import annotations

import shutil
from datetime import date

from labwatch.warehouse import store
from labwatch.warehouse.db import Warehouse

from .conftest import V1, V2, make_record

V3 = V2[:2] + [("We will publish a summary of every evaluation within 30 days.", None, True)]

# a sequence that exercises every branch: new, unchanged (same text, new bytes), re-derived (same
# bytes), a revert to an earlier text, undated versions, and successive versions in one batch
SEQUENCE = [
    make_record("alpha", "policy", V3, sha="a3", published=date(2025, 9, 1)),
    make_record("alpha", "policy", V3, sha="a3-rewrapped", published=date(2025, 9, 1)),
    make_record("alpha", "policy", V2, sha="a2"),  # the same bytes again: re-derived
    make_record("alpha", "policy", V1, sha="a4-revert", published=date(2025, 12, 1)),
    make_record("beta", "framework", V1[:2], sha="b1-again"),
    make_record("beta", "framework", V2, sha="b2"),
    make_record("beta", "framework", V3, sha="b3"),
    make_record("gamma", "charter", V1, sha="g1"),
    make_record("gamma", "charter", V1, sha="g1"),
]


def _state(w: Warehouse):
    with w.read() as con:
        return {
            t: con.execute(q).fetchall()
            for t, q in {
                "versions": "SELECT version_id, lab, document_id, ordinal, text_hash, published FROM versions ORDER BY ALL",
                "version_snapshots": "SELECT version_id, sha256 FROM version_snapshots ORDER BY ALL",
                "statements": "SELECT statement_id, version_id, seq FROM statements ORDER BY ALL",
                "matches": "SELECT match_id, statement_id, criterion_id FROM matches ORDER BY ALL",
                "labs": "SELECT lab, name FROM labs ORDER BY ALL",
                "documents": "SELECT lab, document_id FROM documents ORDER BY ALL",
            }.items()
        }


def test_batch_lookups_give_the_same_versions_and_outcomes_as_queries(wh, tmp_path):
    other = Warehouse(tmp_path / "copy.duckdb", timeout=20)
    shutil.copy(wh.path, other.path)
    with wh.write() as con:  # one query per lookup, document by document
        one_by_one = [store.store_version(con, rec).status for rec in SEQUENCE]
    with other.write() as con:  # the batch path of `labwatch run`
        buffer = store.RowBuffer.for_batch(con, SEQUENCE)
        batched = [store.store_version(con, rec, buffer).status for rec in SEQUENCE]
        buffer.flush(con)
    assert batched == one_by_one
    assert one_by_one == ["new", "unchanged", "rederived", "new", "unchanged", "new", "new", "new", "rederived"]
    assert _state(other) == _state(wh)
