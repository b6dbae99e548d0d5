"""`labwatch diff OLD NEW`: two files -> commitment-level changes, without the warehouse."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from labwatch.extractors.records import Statement


@dataclass(frozen=True)
class DiffResult:
    """The changes in the contract's JSON shape, and every pair the alignment made (as texts)."""

    changes: list[dict]
    pairs: list[tuple[str, str]]


def statements_of_file(path: Path, deriver=None) -> list[Statement]:
    """Parse, segment and detect features of one file; criteria come from the matcher."""
    from labwatch.extractors.statements.extraction import extract_document

    if not Path(path).is_file():
        raise FileNotFoundError(2, "no such file", str(path))
    extracted = extract_document(Path(path).read_bytes(), source=str(path))
    passages, feats = extracted.passages, extracted.features
    criteria = [()] * len(passages)
    if deriver is not None and passages:
        vectors = deriver.embedder.encode([p.text for p in passages])
        sugg = deriver.matcher.match(passages, feats, vectors)
        criteria = [tuple(s.criterion_id for s in ss if s.suggested) for ss in sugg]
    return [Statement(passage=p, features=f, criteria=c) for p, f, c in zip(passages, feats, criteria)]


def diff_documents(old: Path, new: Path, *, with_criteria: bool = True) -> DiffResult:
    """Commitment changes between two files, and the alignment's pairs."""
    from labwatch.extractors.changes.alignment import align_texts, compare_text, merge_statements
    from labwatch.extractors.changes.classification import diff_statements
    from labwatch.flows.pipeline import Deriver

    deriver = Deriver(None, learn=False) if with_criteria else None
    a = statements_of_file(old, deriver)
    b = statements_of_file(new, deriver)
    alignment = align_texts([compare_text(s) for s in a], [compare_text(s) for s in b])
    pairs = [
        (merge_statements([a[i] for i in p.old]).text, merge_statements([b[j] for j in p.new]).text)
        for p in alignment.pairs
    ]
    return DiffResult([c.as_dict() for c in diff_statements(a, b)], pairs)


def diff_files(old: Path, new: Path, *, with_criteria: bool = True) -> list[dict]:
    """The changes of ``diff_documents`` only (the contract's JSON rows)."""
    return diff_documents(old, new, with_criteria=with_criteria).changes
