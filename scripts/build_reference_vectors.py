"""Rebuild extractors/matching/rubrics/reference-vectors.npz after editing a bundled rubric.

The matcher compares every passage with the rubric's reference texts (descriptions, exemplars,
negatives). Shipping their vectors for the bundled models saves each fresh process encoding
them (about a second). tests/extractors/test_reference_vectors.py fails when the file is stale.

    .venv/bin/python scripts/build_reference_vectors.py
"""

from __future__ import annotations

import numpy as np

from labwatch.extractors.matching.embeddings import load_embedder
from labwatch.extractors.matching.matcher import REFERENCE_VECTORS_FILE, reference_texts
from labwatch.extractors.matching.rubric import list_rubrics, load_rubric
from labwatch.extractors.records import text_hash

MODELS = ("minilm", "minilm-onnx")


def main() -> None:
    texts = list(dict.fromkeys(t for name in list_rubrics() for t in reference_texts(load_rubric(name))))
    arrays = {}
    for name in MODELS:
        embedder = load_embedder(name)
        by_hash = dict(zip((text_hash(t) for t in texts), embedder.encode(texts)))
        arrays[f"{embedder.model_id}__hashes"] = np.array(list(by_hash), dtype=str)
        arrays[f"{embedder.model_id}__vectors"] = np.stack(list(by_hash.values())).astype(np.float32)
        print(f"{embedder.model_id}: {len(by_hash)} reference texts")
    tmp = REFERENCE_VECTORS_FILE.with_name("reference-vectors.tmp.npz")
    np.savez_compressed(tmp, **arrays)
    tmp.replace(REFERENCE_VECTORS_FILE)
    print(f"wrote {REFERENCE_VECTORS_FILE} ({REFERENCE_VECTORS_FILE.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
