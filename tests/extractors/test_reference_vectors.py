"""The shipped vectors of the bundled rubrics' reference texts are what the models compute."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from labwatch.extractors.matching.embeddings import load_embedder
from labwatch.extractors.matching.matcher import Matcher, packaged_reference_vectors, reference_texts
from labwatch.extractors.matching.rubric import list_rubrics, load_rubric
from labwatch.extractors.records import text_hash

pytestmark = pytest.mark.model
REBUILD = "stale: run scripts/build_reference_vectors.py after editing a bundled rubric"


@pytest.mark.parametrize("model", ["minilm", "minilm-onnx"])
def test_shipped_reference_vectors_cover_the_rubrics_and_match_the_model(model):
    embedder = load_embedder(model)
    shipped = packaged_reference_vectors(embedder.model_id)
    texts = list(dict.fromkeys(t for name in list_rubrics() for t in reference_texts(load_rubric(name))))
    assert {text_hash(t) for t in texts} <= set(shipped), REBUILD
    fresh = embedder.encode(texts)
    cosines = np.einsum("ij,ij->i", fresh, np.stack([shipped[text_hash(t)] for t in texts]))
    assert cosines.min() > 0.999, REBUILD


class _Counting:
    """An embedder that counts the texts it is asked to encode."""

    def __init__(self, inner):
        self.inner, self.model_id, self.dim, self.seen = inner, inner.model_id, inner.dim, 0

    def encode(self, texts, batch_size=64):
        self.seen += len(texts)
        return self.inner.encode(texts, batch_size=batch_size)


def test_a_matcher_uses_shipped_vectors_and_encodes_only_texts_it_lacks():
    rubric = load_rubric("risk-assessment")
    counting = _Counting(load_embedder("minilm"))
    Matcher(rubric, counting).warm()
    assert counting.seen == 0
    edited = dataclasses.replace(rubric, background=(*rubric.background, "A sentence the team just added."))
    Matcher(edited, counting).warm()
    assert counting.seen == 1
