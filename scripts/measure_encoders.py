"""Passages per second of each encoder on the texts of labeled JSONL files (docs/accuracy.md,
"Encoders"). Each model is loaded and warmed on a few texts first, so the figure is encoding
alone; run it on an otherwise idle machine.

    python scripts/measure_encoders.py ../shared/eval/dev.jsonl ../shared/eval/dev-more.jsonl
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from labwatch.extractors.matching.embeddings import EmbedderError, load_embedder

ENCODERS = ("minilm-onnx", "minilm", "mpnet")


def main(paths: list[str]) -> None:
    texts = [json.loads(line)["text"] for p in paths for line in Path(p).read_text().splitlines() if line.strip()]
    for name in ENCODERS:
        try:
            emb = load_embedder(name)
            emb.encode(texts[:8])
        except EmbedderError as exc:
            print(f"{name}: not available ({exc})")
            continue
        start = time.perf_counter()
        emb.encode(texts)
        seconds = time.perf_counter() - start
        print(f"{name} ({emb.model_id}, {emb.dim} dims): {len(texts) / seconds:.1f} passages/s on {len(texts)}")


if __name__ == "__main__":
    main(sys.argv[1:])
