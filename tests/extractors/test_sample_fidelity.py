"""Extraction fidelity on the bundled corpus: labeled sentences come back intact, boilerplate never."""

from __future__ import annotations

import json
import re

import pytest

from labwatch.corpus.local import bundled_corpus, discover_corpus

pytestmark = pytest.mark.model


def _norm(t: str) -> str:
    return re.sub(r"\s+", " ", t).strip()


@pytest.fixture(scope="module")
def passages_by_lab():
    from labwatch.extractors.parsing.formats import parse_document
    from labwatch.extractors.statements.segmentation import segment_many

    docs = discover_corpus(bundled_corpus())
    parsed = [parse_document(d.path.read_bytes(), source=str(d.path)) for d in docs]
    out: dict[str, list[str]] = {}
    for d, ps in zip(docs, segment_many(parsed)):
        out.setdefault(d.lab, []).extend(_norm(p.text) for p in ps)
    return out


def test_labeled_sentences_come_back_as_passages(passages_by_lab):
    gold = [json.loads(line) for line in (bundled_corpus() / "gold.jsonl").read_text().splitlines() if line.strip()]
    found, missing = 0, []
    for row in gold:
        text = _norm(row["text"])
        hay = passages_by_lab[row["lab"]]
        # a labeled passage is a sentence or list item; it must appear whole inside one passage
        # or be exactly covered by consecutive passages
        joined = " ".join(hay)
        if any(text in p for p in hay) or (text in joined and any(p and p in text for p in hay)):
            found += 1
        else:
            missing.append(f"{row['id']}: {text[:80]}")
    assert found / len(gold) >= 0.95, "\n".join(missing)


def test_no_boilerplate_in_passages(passages_by_lab):
    all_text = " ".join(p for ps in passages_by_lab.values() for p in ps).lower()
    for junk in (
        "accept all cookies",
        "page 1 of 6",
        "datalayer",
        "function (",
        "lumenfield ai | frontier hazard protocol",
    ):
        assert junk not in all_text, junk
