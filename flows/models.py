"""Heavy resources (spaCy, the embedding model, the matcher), loaded once per process.

Nothing here loads at import time: an unchanged re-run decides from content hashes that it has
nothing to do before any model starts.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from labwatch.extractors.records import text_hash

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",  # a wrong model name would otherwise cost a minute of retries
    "TRANSFORMERS_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
    "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1",
}
for _k, _v in OFFLINE_ENV.items():
    os.environ.setdefault(_k, _v)

# The int8 ONNX build of all-MiniLM-L6-v2: the same vectors (cosine 0.999) at about twice the
# speed, and no torch import; LABWATCH_MODEL=minilm (or --model minilm) selects torch.
# Derived rows and stored vectors record their model: a switch re-derives on the next run.
DEFAULT_MODEL = os.environ.get("LABWATCH_MODEL", "minilm-onnx")
DEFAULT_RUBRIC = os.environ.get("LABWATCH_RUBRIC", "risk-assessment")

_lock = threading.Lock()
_cache: dict[tuple, object] = {}


def _cached(key: tuple, build):
    with _lock:
        if key not in _cache:
            _cache[key] = build()
        return _cache[key]


def embedder(name: str = DEFAULT_MODEL):
    from labwatch.extractors.matching.embeddings import load_embedder

    return _cached(("embedder", name), lambda: load_embedder(name))


def rubric(name: str = DEFAULT_RUBRIC):
    from labwatch.extractors.matching.rubric import load_rubric

    return _cached(("rubric", name), lambda: load_rubric(name))


class CachedEmbedder:
    """Wraps an embedder with a cache keyed by (model, normalised text hash).

    ``prefetch`` fills the cache from the warehouse; ``encode`` only runs the model on misses;
    ``fresh`` holds the vectors computed here, for the caller to store.
    """

    def __init__(self, inner, loader=None):
        self.inner = inner
        self.loader = loader  # callable(model_id, hashes) -> dict[hash, vector]
        self.vectors: dict[str, np.ndarray] = {}
        self.fresh: dict[str, np.ndarray] = {}
        self.hits = 0
        self.misses = 0

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def dim(self) -> int:
        return self.inner.dim

    def prefetch(self, texts: Sequence[str]) -> None:
        if self.loader is None:
            return
        wanted = [h for h in {text_hash(t) for t in texts if t} if h not in self.vectors]
        if wanted:
            self.vectors.update(self.loader(self.model_id, wanted))

    def encode(self, texts: Sequence[str], batch_size: int = 64, **kwargs) -> np.ndarray:
        hashes = [text_hash(t) for t in texts]
        todo: dict[str, str] = {}
        for t, h in zip(texts, hashes):
            if h not in self.vectors and h not in todo:
                todo[h] = t
        self.misses += len(todo)
        self.hits += len(texts) - len(todo)
        if todo:
            new = self.inner.encode(list(todo.values()), batch_size=batch_size)
            for h, v in zip(todo, new):
                v = np.asarray(v, dtype=np.float32)
                self.vectors[h] = v
                self.fresh[h] = v
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self.vectors[h] for h in hashes])

    def take_fresh(self) -> tuple[list[str], np.ndarray]:
        """Vectors computed since the last call (to store). The batch's cache is dropped so a
        long run's memory stays flat (the next batch prefetches what it needs), except these
        fresh vectors: the next batch may repeat their texts before they are stored."""
        keys = list(self.fresh)
        vecs = np.stack([self.fresh[k] for k in keys]) if keys else np.zeros((0, self.dim), np.float32)
        self.vectors = self.fresh
        self.fresh = {}
        return keys, vecs


@dataclass(frozen=True)
class Versions:
    """What produced the derived rows: recorded on every row, compared on every re-run."""

    parser: str
    features: str
    matcher: str
    model: str
    rubric: str
    rubric_version: str
    segmenter: str

    @property
    def extractor(self) -> str:
        return f"parse={self.parser};segment={self.segmenter};features={self.features}"

    @property
    def signature(self) -> str:
        return f"{self.extractor};matcher={self.matcher};model={self.model};rubric={self.rubric}@{self.rubric_version}"


def versions(model: str = DEFAULT_MODEL, rubric_name: str = DEFAULT_RUBRIC) -> Versions:
    """Version strings, without loading any model."""
    from labwatch.extractors.matching.matcher import MATCHER_VERSION
    from labwatch.extractors.versions import FEATURES_VERSION, PARSER_VERSION, SEGMENTER_VERSION  # no spaCy

    rb = rubric(rubric_name)
    return Versions(PARSER_VERSION, FEATURES_VERSION, MATCHER_VERSION, model, rb.id, rb.version, SEGMENTER_VERSION)
