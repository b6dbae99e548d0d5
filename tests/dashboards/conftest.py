"""A small hand-made warehouse for the dashboard tests (no models, no corpus files).

Two labs; one lab's policy PDF has two versions (the older one differs in one commitment), one
passage carries an HTML payload to prove that crawled text is shown as text.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from labwatch.extractors.records import Features, Passage, Suggestion
from labwatch.warehouse import store
from labwatch.warehouse.db import Warehouse

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
RUBRIC = "test-rubric"
SCRIPT = "<script>alert(1)</script> We publish evaluation notes <img src=x onerror=alert(2)>."


def _criterion(
    cid: str,
    category: str,
    category_weight: float,
    weight: float,
    description: str,
    parent: str | None = None,
    scored: bool = True,
) -> dict:
    return {
        "rubric": RUBRIC,
        "rubric_version": "1",
        "criterion_id": cid,
        "category": category,
        "category_weight": category_weight,
        "weight": weight,
        "parent": parent,
        "scored": scored,
        "description": description,
    }


RUBRIC_ROWS = [
    _criterion("measuring.names_capabilities", "measuring", 0.6, 0.5, "Lists the dangerous capabilities it tests for."),
    _criterion("measuring.third_party_access", "measuring", 0.6, 0.5, "Outside evaluators get model access."),
    _criterion("accountability.change_control", "accountability", 0.4, 1.0, "A board signs off policy changes."),
    _criterion("context.thresholds", "context", 0.0, 0.0, "Thresholds and responses.", scored=False),
]

FIRM = Features(is_commitment=True, strength="firm", category="commitment", modality="will", why="modal 'will'")
HEDGED = Features(is_commitment=False, strength="hedged", category="hedge", modality="aim to", why="hedge 'aim to'")


def _p(score: float) -> float | None:
    """The probability a suggested pair carries here: a made-up monotone map of its score."""
    return round(0.6 + 0.5 * (score - 0.4), 4) if score >= 0.4 else None


def _version(
    lab: str,
    doc: str,
    sha: str,
    texts: list[tuple[str, Features, list[tuple[str, float]]]],
    *,
    published: date,
    fmt: str = "pdf",
    source: str | None = None,
) -> store.VersionRecord:
    passages, features, suggestions = [], [], []
    for seq, (text, feat, crits) in enumerate(texts):
        passages.append(
            Passage(
                seq=seq,
                text=text,
                page=seq // 2 + 1,
                section=("Evaluations",),
                context=texts[seq - 1][0] if seq else None,
            )
        )
        features.append(feat)
        suggestions.append(
            [
                Suggestion(c, s, rank=i + 1, suggested=s >= 0.4, why=f"close to {c} ({s:.2f})", probability=_p(s))
                for i, (c, s) in enumerate(crits)
            ]
        )
    return store.VersionRecord(
        lab=lab,
        document_id=doc,
        snapshot_sha=sha,
        text="\n\n".join(t for t, _, _ in texts),
        format=fmt,
        parser="hand",
        extractor_version="test",
        passages=passages,
        features=features,
        suggestions=suggestions,
        title=doc.replace("-", " ").title(),
        source=source,
        source_url=source,
        published=published,
        n_pages=3,
        model="none",
        rubric=RUBRIC,
        rubric_version="1",
        matcher_version="test",
    )


ALPHA_V2 = [
    ("Our team writes down the risks we study.", HEDGED, []),
    (
        "We will test every new model for cyber offence and self-replication skills.",
        FIRM,
        [
            ("measuring.names_capabilities", 0.62),
            ("measuring.third_party_access", 0.20),
            ("accountability.change_control", 0.12),
            ("context.thresholds", 0.05),
        ],
    ),
    (
        "We will give independent evaluators access to models before release.",
        FIRM,
        [("measuring.third_party_access", 0.55)],
    ),
    ("We aim to run evaluations every six months.", HEDGED, [("context.thresholds", 0.44)]),
    (SCRIPT, FIRM, [("accountability.change_control", 0.48)]),
    ("Our board approves every change to this policy.", FIRM, []),
]


def build_warehouse(path: Path) -> Warehouse:
    """Write the fixture warehouse at ``path``."""
    wh = Warehouse(path, timeout=10)
    alpha_v1 = [
        (t if "six months" not in t else "We will run evaluations every three months.", f, c) for t, f, c in ALPHA_V2
    ]
    with wh.write() as con:
        store.store_rubric(con, RUBRIC_ROWS)
        store.store_version(
            con,
            _version(
                "alpha-lab",
                "frontier-policy",
                "a1",
                alpha_v1,
                published=date(2025, 1, 10),
                source="https://alpha.example/policy.pdf",
            ),
        )
        store.store_version(
            con,
            _version(
                "alpha-lab",
                "frontier-policy",
                "a2",
                ALPHA_V2,
                published=date(2025, 6, 1),
                source="https://alpha.example/policy.pdf",
            ),
        )
        store.store_version(
            con,
            _version(
                "beta-lab",
                "safety-page",
                "b1",
                [
                    ("Beta Lab shares models with outside testers.", FIRM, [("measuring.third_party_access", 0.71)]),
                    (
                        "An oversight committee reviews each policy update.",
                        FIRM,
                        [("accountability.change_control", 0.45)],
                    ),
                ],
                published=date(2025, 3, 1),
                fmt="html",
                source="https://beta.example/safety",
            ),
        )
        store.replace_changes(
            con,
            "alpha-lab",
            "frontier-policy",
            [
                {
                    "change_id": "c1",
                    "lab": "alpha-lab",
                    "document_id": "frontier-policy",
                    "old_version_id": "v_old",
                    "new_version_id": "v_new",
                    "kind": "weakened",
                    "reason": "modality will -> aim to; 3 months -> 6 months",
                    "old_text": "We will run evaluations every three months.",
                    "new_text": "We aim to run evaluations every six months.",
                    "criteria": ["measuring.names_capabilities"],
                    "published": date(2025, 6, 1),
                    "changes_version": "test",
                    "dimensions": json.dumps(
                        [
                            {"dimension": "strength", "direction": -1, "reason": "modality: 'will' -> 'aim to'"},
                            {"dimension": "threshold", "direction": -1, "reason": "interval: '3 months' -> '6 months'"},
                        ]
                    ),
                }
            ],
        )
        run_id = store.start_run(con, "run", {"corpus": "fixture"})
        store.record_failure(
            con,
            run_id,
            "parse",
            "corpus/gamma/broken.pdf",
            "not a PDF: header missing",
            lab="gamma",
            document_id="broken",
        )
        store.finish_run(con, run_id, "partial", {"documents": 3}, 1)
    return wh


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    """A fresh fixture warehouse per test (tests record decisions into it)."""
    st.cache_data.clear()
    return build_warehouse(tmp_path / "wh" / "test.duckdb")


@pytest.fixture
def app(warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch):
    """A function that returns a fresh AppTest of the dashboard on the fixture warehouse, already run."""
    monkeypatch.setenv("LABWATCH_DB", str(warehouse.path))

    def make(page: str = "Review queue", reviewer: str | None = "ada") -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=30)
        at.session_state["page"] = page
        if reviewer:
            at.session_state["reviewer"] = reviewer
        return at.run()

    return make
