"""Refit extractors/matching/rubrics/confidence.json: the packaged probability of a suggestion.

The map (score -> probability that a suggestion is right, ``extractors/matching/confidence.py``)
is fitted on the team's own labeled passages that the package holds,
``labwatch/sample_corpus/gold.jsonl`` (fiction written for labwatch), with the rubric's default
thresholds, once per bundled encoder. Reviews replace it: once enough labs are reviewed, the
matcher refits it leave-one-lab-out on them. tests/extractors/test_confidence.py fails when the
file is stale. Run after changing the rubric, the matcher's scoring or the sample gold:

    .venv/bin/python scripts/fit_confidence.py
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from labwatch.extractors.matching.confidence import SHIPPED_FILE
from labwatch.extractors.matching.embeddings import load_embedder
from labwatch.extractors.matching.evaluation import fit_rows_confidence
from labwatch.extractors.matching.matcher import Matcher
from labwatch.extractors.matching.rubric import list_rubrics, load_rubric
from labwatch.flows.evaluating import read_jsonl

MODELS = ("minilm", "minilm-onnx")
GOLD = Path(str(resources.files("labwatch") / "sample_corpus" / "gold.jsonl"))


def main() -> None:
    rows = read_jsonl(GOLD)
    maps: dict[str, dict] = {}
    for name in MODELS:
        embedder = load_embedder(name)
        for rubric_name in list_rubrics():
            rubric = load_rubric(rubric_name)
            conf = fit_rows_confidence(rows, Matcher(rubric, embedder), embedder, source="sample gold")
            maps.setdefault(rubric.id, {})[embedder.model_id] = conf.to_dict()
            print(
                f"{rubric.id} / {embedder.model_id}: {conf.fitted_on} suggested pairs, p {conf.values[0]}..{conf.values[-1]}"
            )
    doc = {"fitted_on": "labwatch/sample_corpus/gold.jsonl", "maps": maps}
    SHIPPED_FILE.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {SHIPPED_FILE}")


if __name__ == "__main__":
    main()
