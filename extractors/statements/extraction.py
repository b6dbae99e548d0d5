"""The text stage: document bytes -> parsed text, passages and commitment features.

Every command that reads a document calls ``extract_document`` (``labwatch run`` and ``ingest``
through the parser worker in ``flows/isolation.py``, which adds time and memory limits), so a
document yields the same passages whichever command reads it.
"""

from __future__ import annotations

from labwatch.extractors.parsing.formats import parse_document
from labwatch.extractors.records import ExtractedDocument, HtmlRules
from labwatch.extractors.statements.features import detect_features
from labwatch.extractors.statements.segmentation import segment_many


def extract_document(
    data: bytes, *, source: str, kind: str = "auto", rules: HtmlRules | None = None
) -> ExtractedDocument:
    """Parse ``data`` (named ``source`` in errors), split it into passages and detect their
    commitment features. Raises ``ParseError`` subclasses for documents that cannot be read."""
    parsed = parse_document(data, source=source, kind=kind, rules=rules)
    passages = segment_many([parsed])[0]
    return ExtractedDocument(parsed=parsed, passages=passages, features=detect_features(passages))
