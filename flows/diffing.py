"""`labwatch diff OLD NEW`: two files -> commitment-level changes, without the warehouse."""

from __future__ import annotations

from pathlib import Path

from labwatch.extractors.records import Statement


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


def diff_files(old: Path, new: Path, *, with_criteria: bool = True) -> list[dict]:
    from labwatch.extractors.changes.classification import diff_statements
    from labwatch.flows.pipeline import Deriver

    deriver = Deriver(None, learn=False) if with_criteria else None
    a = statements_of_file(old, deriver)
    b = statements_of_file(new, deriver)
    return [
        {
            "kind": c.kind,
            "reason": c.reason,
            "old": c.old.text if c.old else None,
            "new": c.new.text if c.new else None,
            "criteria": list(c.criteria),
        }
        for c in diff_statements(a, b)
    ]
