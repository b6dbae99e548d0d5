"""The bundled rubrics are written for labwatch: no reference text is copied from the real lab
texts the team measures on (../shared, beside the repository; absent on a user's clone, where
these tests skip)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from labwatch.extractors.matching.matcher import reference_texts
from labwatch.extractors.matching.rubric import list_rubrics, load_rubric

SHARED = Path(__file__).resolve().parents[3] / "shared"
RUN = 8  # words in a row: a copied clause is longer, a stock phrase ("at least once a year") shorter


def _runs(text: str, n: int = RUN) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def _real_texts() -> list[str]:
    texts = [
        json.loads(line)["text"]
        for path in sorted((SHARED / "eval").glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    for folder in (SHARED / "corpus-dev", SHARED / "eval" / "changes-dev" / "docs"):
        texts += [p.read_text(encoding="utf-8", errors="replace") for p in sorted(folder.rglob("*")) if p.is_file()]
    return texts


@pytest.mark.skipif(not (SHARED / "eval").is_dir(), reason="needs ../shared (the real lab texts), absent here")
def test_no_reference_text_shares_a_clause_with_a_real_lab_text():
    real = set().union(*(_runs(t) for t in _real_texts()))
    copied = [
        (name, text) for name in list_rubrics() for text in reference_texts(load_rubric(name)) if _runs(text) & real
    ]
    assert not copied, f"rubric texts sharing {RUN} words in a row with ../shared: {copied}"


def test_the_check_finds_a_copied_clause_and_not_a_stock_phrase():
    source = "Each year the board reviews whether the lab kept every promise it made in this policy document."
    assert _runs("We note that the board reviews whether the lab kept every promise it made.") & _runs(source)
    assert not _runs("We review this policy at least once a year with the board.") & _runs(source)
