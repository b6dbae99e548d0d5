"""A suggestion's probability is stored with its match and shown by candidate_matches."""

from __future__ import annotations

from datetime import date

from labwatch.extractors.records import Features, Passage, Suggestion
from labwatch.warehouse import store
from labwatch.warehouse.db import Warehouse
from labwatch.warehouse.queries import review_queue

from .conftest import rubric_rows

FIRM = Features(True, "firm", "commitment", modality="will", why="firm modal")


def test_probability_is_stored_for_suggested_pairs_and_read_back(tmp_path):
    wh = Warehouse(tmp_path / "wh.duckdb", timeout=20)
    text = "External evaluators get pre-deployment access, including fine-tuning."
    record = store.VersionRecord(
        lab="alpha",
        document_id="policy",
        snapshot_sha="s1",
        text=text,
        format="text",
        parser="test",
        extractor_version="test",
        passages=[Passage(seq=0, text=text, page=1)],
        features=[FIRM],
        suggestions=[
            [
                Suggestion("measuring.third_party_access", 0.81, 1, True, "exemplar", 0.93),
                Suggestion("measuring.names_capabilities", 0.42, 2, False, "weak"),
            ]
        ],
        published=date(2025, 1, 1),
    )
    with wh.write() as con:
        store.store_rubric(con, rubric_rows())
        store.store_version(con, record)
    with wh.read() as con:
        stored = dict(con.execute("SELECT criterion_id, probability FROM matches").fetchall())
        view = con.execute("SELECT criterion_id, probability FROM candidate_matches").fetchall()
        queue = review_queue(con)
    assert stored == {"measuring.third_party_access": 0.93, "measuring.names_capabilities": None}
    assert view == [("measuring.third_party_access", 0.93)]
    assert [(i["criterion_id"], i["probability"]) for i in queue] == [("measuring.third_party_access", 0.93)]
