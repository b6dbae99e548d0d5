"""`labwatch eval-changes TRACES.jsonl --docs DIR`: the diff scored against traced commitments.

Each revision pair of the traces (``pair_id`` with versions ``v_i`` -> ``v_next``) is diffed
exactly as ``labwatch diff`` diffs two files, then scored by ``extractors/changes/evaluation``.
Documents are found in DIR by the version part of their name,
``<provider>_<document>_<version>_<date>.<ext>`` (the layout of ``changes-dev/docs``).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path


def read_trace_rows(path: Path) -> list[dict]:
    """The JSON objects of a traces JSONL file; a bad line is a TraceError naming it."""
    from labwatch.extractors.changes.evaluation import TraceError
    from labwatch.flows.evaluating import read_jsonl

    return read_jsonl(path, TraceError)


def version_of(path: Path) -> str | None:
    """The version part of ``<provider>_<document>_<version>_<date>``, or None."""
    parts = path.stem.split("_")
    return "_".join(parts[2:-1]) if len(parts) >= 4 else None


def find_document(docs: Path, version: str, pair_id: str) -> Path:
    """The one file of ``docs`` whose version part is ``version``."""
    from labwatch.extractors.changes.evaluation import TraceError

    hits = sorted(p for p in Path(docs).iterdir() if p.is_file() and version_of(p) == version)
    if len(hits) != 1:
        what = "no file" if not hits else f"{len(hits)} files ({', '.join(p.name for p in hits)})"
        raise TraceError(f"{docs}: {what} with version {version!r} (pair {pair_id}); expected one")
    return hits[0]


def pair_files(units, docs: Path) -> dict[str, tuple[Path, Path]]:
    """pair_id -> (old file, new file), from the units' versions."""
    from labwatch.extractors.changes.evaluation import TraceError

    if not Path(docs).is_dir():
        raise FileNotFoundError(2, "no such directory", str(docs))
    versions: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for u in units:
        versions[u.pair_id].add((u.v_i, u.v_next))
    out_: dict[str, tuple[Path, Path]] = {}
    for pair_id, vs in sorted(versions.items()):
        if len(vs) != 1 or not all(next(iter(vs))):
            raise TraceError(f"pair {pair_id}: its rows must name one v_i and one v_next (got {sorted(vs)})")
        v_i, v_next = next(iter(vs))
        out_[pair_id] = (find_document(docs, v_i, pair_id), find_document(docs, v_next, pair_id))
    return out_


# Alignment thresholds tried when calibrating leave-one-pair-out. Above 0.75 only near-identical
# wordings pair, which is the lexical method this alignment replaces.
THRESHOLDS = (0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75)


def objective(f: dict) -> float:
    """What calibration maximises: the share of material units found with the right kind,
    less the share of retained units alarmed (an alarm on an unchanged commitment costs as
    much as a change missed)."""
    return f["right"] / max(f["material"], 1) - (f["retained_alarmed"] or 0.0)


def run_eval_changes(
    traces: Path,
    docs: Path,
    *,
    n_boot: int = 2000,
    pairs: list[str] | None = None,
    model: str = "minilm-onnx",
    threshold: float | None = None,
    calibrate: bool = False,
) -> dict:
    """Diff every traced pair and score it; the result also holds what the misses need.

    With ``calibrate``, the alignment threshold of each pair is the one of ``THRESHOLDS`` that
    scores best (``objective``) on the other pairs, and the figures are those of each pair at
    its own threshold (leave one pair out); ``threshold`` fixes it instead.
    """
    from labwatch.extractors.changes.alignment import VECTOR_MATCH_THRESHOLD
    from labwatch.extractors.changes.evaluation import pairing_quality, read_traces, summarise
    from labwatch.flows import models
    from labwatch.flows.diffing import statements_of_file
    from labwatch.flows.isolation import ParserPool

    units = read_traces(read_trace_rows(traces), source=str(traces))
    files = pair_files(units, docs)
    if pairs:
        files = {k: v for k, v in files.items() if k in pairs}
    embedder = models.CachedEmbedder(models.embedder(model))
    with ParserPool() as pool:
        parsed = {p: statements_of_file(p, pool) for p in sorted({f for v in files.values() for f in v})}
    grid = THRESHOLDS if calibrate else (threshold,)
    scored = {t: _score_all(units, files, parsed, embedder, t) for t in grid}
    chosen: dict[str, float | None] = {}
    for pair_id in files:
        if not calibrate:
            chosen[pair_id] = threshold
            continue
        rest = [k for k in files if k != pair_id] or [pair_id]
        chosen[pair_id] = max(
            grid, key=lambda t: (objective(_pooled(scored[t], rest)), -abs(t - VECTOR_MATCH_THRESHOLD))
        )
    results = [scored[chosen[k]][k][0] for k in files]
    doc = summarise(results, n_boot=n_boot)
    doc["pairing"] = {k: pairing_quality([u for u in units if u.pair_id == k], scored[chosen[k]][k][1]) for k in files}
    doc["files"] = {k: [v[0].name, v[1].name] for k, v in files.items()}
    doc["thresholds"] = chosen
    doc["model"] = model
    if calibrate:
        doc["calibration"] = {
            "grid": list(grid),
            "objective": "right / material - retained_alarmed, on the other pairs",
            "all_pairs": {str(t): _brief(_pooled(scored[t], list(files))) for t in grid},
        }
    return {"summary": doc, "results": results}


def _score_all(units, files, parsed, embedder, threshold) -> dict:
    """pair_id -> (PairResult, alignment pairs as texts) at one alignment threshold."""
    from labwatch.extractors.changes.alignment import merge_statements
    from labwatch.extractors.changes.evaluation import ListedChange, score_pair
    from labwatch.flows.diffing import diff_lists

    out = {}
    for pair_id, (old, new) in files.items():
        a, b = parsed[old], parsed[new]
        diff, _ = diff_lists(a, b, embedder, threshold=threshold)
        changes = [
            ListedChange(c.kind, c.old.text if c.old else None, c.new.text if c.new else None, c.reason)
            for c in diff.changes
        ]
        texts = [
            (merge_statements([a[i] for i in p.old]).text, merge_statements([b[j] for j in p.new]).text)
            for p in diff.alignment.pairs
        ]
        out[pair_id] = (score_pair(pair_id, [u for u in units if u.pair_id == pair_id], changes), texts)
    return out


def _pooled(scored: dict, pair_ids: list[str]) -> dict:
    from labwatch.extractors.changes.evaluation import figures

    return figures([r for k in pair_ids for r in scored[k][0].units])


def _brief(f: dict) -> dict:
    keys = ("material_found", "direction_right", "retained_alarmed", "weakened_found")
    return {k: None if f[k] is None else round(f[k], 3) for k in keys}
