"""Shared fixtures of the extractor tests (keep small: session-scoped models and tiny data)."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def spacy_tagger():
    """The statistical tagger pipeline, loaded once per test session."""
    from labwatch.extractors.statements.spacy_models import get_nlp

    return get_nlp(("tagger",))
