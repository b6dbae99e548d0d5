"""`labwatch diff OLD NEW`: two files -> commitment-level changes, without the warehouse.

Both files go through the same text stage as `labwatch run`: parsed, segmented and read for
commitment features in the parser worker (``flows/isolation.py``, time and memory limits), so
a hostile file cannot take the command down. Statements identical in both versions are paired
by hash first; only the others are encoded (the packaged MiniLM), and criteria are matched only
for the statements a change names, from the rubric's shipped reference vectors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from labwatch.extractors.records import Statement
from labwatch.flows import models


@dataclass(frozen=True)
class DiffResult:
    """The changes in the contract's JSON shape, and every pair the alignment made (as texts)."""

    changes: list[dict]
    pairs: list[tuple[str, str]]
    encoded: int = 0  # statements that needed a vector


def statements_of_file(path: Path, pool=None) -> list[Statement]:
    """Parse, segment and detect features of one file (in ``pool``'s worker when given)."""
    from labwatch.extractors.records import Statement

    if not Path(path).is_file():
        raise FileNotFoundError(2, "no such file", str(path))
    data = Path(path).read_bytes()
    if pool is not None:
        extracted = pool.extract(data, source=str(path))
    else:
        from labwatch.extractors.statements.extraction import extract_document

        extracted = extract_document(data, source=str(path))
    passages, feats = extracted.passages, extracted.features
    return [Statement(passage=p, features=f) for p, f in zip(passages, feats)]


def vectors_for(old: Sequence[Statement], new: Sequence[Statement], embedder) -> tuple[np.ndarray, np.ndarray]:
    """Sentence vectors of the statements the alignment compares (rows of identical statements
    stay zero: they are paired by hash and never compared). Each statement is encoded by its
    own text, as `labwatch run` encodes it for matching, so the run's change detection can
    align with the vectors it stored (``change_detection.stored_vectors_for``) exactly as this
    command does."""
    from labwatch.extractors.changes.alignment import pair_identical

    _, rest_old, rest_new = pair_identical([s.text for s in old], [s.text for s in new])
    texts = [old[i].text for i in rest_old] + [new[j].text for j in rest_new]
    encoded = embedder.encode(texts) if texts else np.zeros((0, embedder.dim), dtype=np.float32)
    va = np.zeros((len(old), embedder.dim), dtype=np.float32)
    vb = np.zeros((len(new), embedder.dim), dtype=np.float32)
    va[rest_old] = encoded[: len(rest_old)]
    vb[rest_new] = encoded[len(rest_old) :]
    return va, vb


def diff_lists(old, new, embedder, *, threshold: float | None = None):
    """``diff_versions`` of two statement lists with vectors from ``embedder`` (None: wording
    only). Returns the Diff and how many statements were encoded."""
    from labwatch.extractors.changes.classification import diff_versions

    if embedder is None:
        return diff_versions(old, new, threshold=threshold), 0
    va, vb = vectors_for(old, new, embedder)
    encoded = int(np.count_nonzero(va.any(axis=1)) + np.count_nonzero(vb.any(axis=1)))
    return diff_versions(old, new, vectors_old=va, vectors_new=vb, threshold=threshold), encoded


def with_criteria(changes, embedder, rubric_name: str = models.DEFAULT_RUBRIC) -> list:
    """The changes with the criteria their statements are evidence for (matched now, only for
    the statements the changes name)."""
    from dataclasses import replace

    from labwatch.extractors.matching.matcher import Matcher

    sides = list(dict.fromkeys(id(s) for c in changes for s in (c.old, c.new) if s is not None))
    by_id = {id(s): s for c in changes for s in (c.old, c.new) if s is not None}
    statements = [by_id[k] for k in sides]
    if not statements:
        return list(changes)
    matcher = Matcher(models.rubric(rubric_name), embedder)
    passages = [s.passage for s in statements]
    vectors = embedder.encode([p.text for p in passages])
    context = _context_vectors(passages, embedder, vectors)
    suggestions = matcher.match(passages, [s.features for s in statements], vectors, context)
    crit = {k: tuple(x.criterion_id for x in ss if x.suggested) for k, ss in zip(sides, suggestions)}
    out = []
    for c in changes:
        found = [crit[id(s)] for s in (c.old, c.new) if s is not None]
        out.append(replace(c, criteria=tuple(dict.fromkeys(x for f in found for x in f))))
    return out


def _context_vectors(passages, embedder, vectors) -> np.ndarray | None:
    """Each passage's context (heading, list lead-in, previous sentence) as the mean of the
    parts' vectors, as `labwatch run` matches it: the parts repeat and are mostly statements
    already encoded, so this costs a few encodes rather than one per passage."""
    parts = [[t for t in ((p.section[-1] if p.section else None), p.lead_in, p.context) if t] for p in passages]
    unique = sorted({t for ps in parts for t in ps})
    if not unique:
        return None
    table = dict(zip(unique, embedder.encode(unique)))
    out = np.zeros_like(vectors)
    for i, ps in enumerate(parts):
        if ps:
            v = np.mean([table[t] for t in ps], axis=0)
            out[i] = v / (np.linalg.norm(v) or 1.0)
    return out


def diff_documents(
    old: Path,
    new: Path,
    *,
    with_criteria_: bool = True,
    model: str = models.DEFAULT_MODEL,
    threshold: float | None = None,
    isolate: bool = True,
) -> DiffResult:
    """Commitment changes between two files, and the alignment's pairs."""
    from labwatch.extractors.changes.alignment import merge_statements
    from labwatch.flows.isolation import ParserPool

    pool = ParserPool() if isolate else None
    try:
        if pool is not None:
            pool.warm()  # the worker starts while the model loads
        embedder = models.CachedEmbedder(models.embedder(model))
        a = statements_of_file(old, pool)
        b = statements_of_file(new, pool)
    finally:
        if pool is not None:
            pool.close()
    diff, encoded = diff_lists(a, b, embedder, threshold=threshold)
    changes = with_criteria(diff.changes, embedder) if with_criteria_ else list(diff.changes)
    pairs = [
        (merge_statements([a[i] for i in p.old]).text, merge_statements([b[j] for j in p.new]).text)
        for p in diff.alignment.pairs
    ]
    return DiffResult([c.as_dict() for c in changes], pairs, encoded)


def diff_files(old: Path, new: Path, *, with_criteria: bool = True, model: str = models.DEFAULT_MODEL) -> list[dict]:
    """The changes of ``diff_documents`` only (the contract's JSON rows)."""
    return diff_documents(old, new, with_criteria_=with_criteria, model=model).changes
