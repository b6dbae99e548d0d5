"""A small warehouse built by hand (no models): two labs, versions, suggestions, a rubric."""

from __future__ import annotations

from datetime import date

import pytest

from labwatch.extractors.records import Features, Passage, Suggestion
from labwatch.warehouse import store
from labwatch.warehouse.db import Warehouse

RUBRIC = [
    # (criterion, category, category weight, weight, parent)
    ("measuring.names_capabilities", "measuring", 0.6, 1 / 26, None),
    ("measuring.key_domains", "measuring", 0.6, 6 / 26, "measuring.names_capabilities"),
    ("measuring.third_party_access", "measuring", 0.6, 6 / 26, None),
    ("commitments.assessment_frequency", "commitments", 0.15, 1.0, None),
    ("accountability.verification", "accountability", 0.25, 7 / 16, None),
]

FIRM = Features(True, "firm", "commitment", modality="will", why="firm modal")
DESC = Features(False, "none", "description", why="no modality")


def rubric_rows():
    return [
        dict(
            rubric="risk-assessment",
            rubric_version="test",
            criterion_id=c,
            category=cat,
            category_weight=cw,
            weight=w,
            parent=p,
            scored=True,
            description=f"about {c}",
        )
        for c, cat, cw, w, p in RUBRIC
    ]


def make_record(lab, doc, sentences, *, sha, published=None):
    """sentences: list of (text, criterion or None, is_commitment)."""
    passages, feats, suggs = [], [], []
    for i, (text, crit, firm) in enumerate(sentences):
        passages.append(Passage(seq=i, text=text, page=1 + i // 3, section=("Evaluations",)))
        feats.append(FIRM if firm else DESC)
        suggs.append(
            [Suggestion(crit, 0.8, 1, True, "exemplar: test")]
            if crit
            else [Suggestion("measuring.names_capabilities", 0.1, 1, False, "weak")]
        )
    return store.VersionRecord(
        lab=lab,
        document_id=doc,
        snapshot_sha=sha,
        text="\n\n".join(s for s, _, _ in sentences),
        format="text",
        parser="test",
        extractor_version="test",
        passages=passages,
        features=feats,
        suggestions=suggs,
        published=published,
        title=f"{doc} title",
    )


V1 = [
    ("We will evaluate every model for cyber offence and autonomous replication.", "measuring.key_domains", True),
    ("We watch for dangerous capabilities in biology and cyber.", "measuring.names_capabilities", False),
    ("We will run assessments every 3 months.", "commitments.assessment_frequency", True),
    ("Our offices are in a converted mill.", None, False),
]
V2 = [
    ("We will evaluate every model for cyber offence and autonomous replication.", "measuring.key_domains", True),
    ("We aim to run assessments every 6 months.", "commitments.assessment_frequency", False),
    ("External evaluators get pre-deployment access, including fine-tuning.", "measuring.third_party_access", True),
    ("Our offices are in a converted mill.", None, False),
]


@pytest.fixture()
def wh(tmp_path):
    w = Warehouse(tmp_path / "wh.duckdb", timeout=20)
    with w.write() as con:
        store.store_rubric(con, rubric_rows())
        store.store_version(con, make_record("alpha", "policy", V1, sha="a1", published=date(2024, 1, 10)))
        store.store_version(con, make_record("alpha", "policy", V2, sha="a2", published=date(2025, 3, 1)))
        store.store_version(con, make_record("beta", "framework", V1[:2], sha="b1", published=date(2024, 6, 1)))
    return w


@pytest.fixture(scope="session")
def pg_server():
    """A real PostgreSQL (Debian's package) on loopback for the DuckLake tests, once per session."""
    from .postgres_server import Unavailable, postgres

    try:
        with postgres() as server:
            yield server
    except Unavailable as exc:
        pytest.skip(f"PostgreSQL unavailable: {exc}")


@pytest.fixture()
def lake(pg_server, tmp_path):
    """An empty DuckLake warehouse: a fresh PostgreSQL database as catalog, Parquet under tmp_path."""
    from labwatch.warehouse.lake import Lake

    return Lake(f"ducklake:postgres:{pg_server.new_database()}", tmp_path / "lake-data")
