"""The text stage: document bytes -> parsed text, passages and commitment features.

Every command that reads a document calls ``extract_document`` (``labwatch run`` and ``ingest``
through the parser worker in ``flows/isolation.py``, which adds time and memory limits), so a
document yields the same passages whichever command reads it.

The stage's work is bounded whatever the input: at most ``max_passages`` passages per document
and ``max_sentence_chars`` characters per passage (a one-line megabyte page or a megabyte
"sentence" would otherwise cost the embedder and the feature rules minutes). Hitting a bound, a
document whose content is not what its file name says, and a document without passages are
named in ``ExtractedDocument.warnings``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from labwatch.extractors.parsing.formats import parse_document
from labwatch.extractors.records import ExtractedDocument, HtmlRules, ParsedDocument, Passage
from labwatch.extractors.statements.features import detect_features
from labwatch.extractors.statements.segmentation import segment_many

MAX_PASSAGES = 12_000  # real policies have a few thousand at most
MAX_SENTENCE_CHARS = 2_000  # real sentences are a few hundred; longer ones are flattened tables or junk
_CLAIMED = {".pdf": "pdf", ".html": "html", ".htm": "html", ".xhtml": "html", ".txt": "text", ".md": "text"}
_NAMES = {"pdf": "PDF", "html": "HTML", "text": "plain text"}


def extract_document(
    data: bytes,
    *,
    source: str,
    kind: str = "auto",
    rules: HtmlRules | None = None,
    max_passages: int = MAX_PASSAGES,
    max_sentence_chars: int = MAX_SENTENCE_CHARS,
) -> ExtractedDocument:
    """Parse ``data`` (named ``source`` in errors), split it into passages and detect their
    commitment features. Raises ``ParseError`` subclasses for documents that cannot be read;
    names what a reader should know in ``warnings`` (see the module doc)."""
    parsed = parse_document(data, source=source, kind=kind, rules=rules)
    warnings = [w for w in (_format_mismatch(source, parsed.format) if kind == "auto" else None,) if w]
    passages = segment_many([parsed])[0]
    passages, notes = bound_passages(passages, source, max_passages, max_sentence_chars)
    warnings += notes
    if not passages:
        warnings.append(f"{source}: no passages found ({_extent(parsed)}); nothing to match or review")
    return ExtractedDocument(
        parsed=parsed, passages=passages, features=detect_features(passages), warnings=tuple(warnings)
    )


def bound_passages(
    passages: list[Passage], source: str, max_passages: int, max_sentence_chars: int
) -> tuple[list[Passage], list[str]]:
    """At most ``max_passages`` passages (the first ones), each cut to ``max_sentence_chars``
    (its offsets still point at its text); and a warning for each bound that was hit."""
    notes = []
    if len(passages) > max_passages:
        notes.append(
            f"{source}: {len(passages):,} passages, more than the {max_passages:,} read per document "
            "(LABWATCH_MAX_PASSAGES); the rest were not matched"
        )
        passages = passages[:max_passages]
    long = [i for i, p in enumerate(passages) if len(p.text) > max_sentence_chars]
    if long:
        notes.append(
            f"{source}: {len(long):,} passage(s) longer than {max_sentence_chars:,} characters "
            "(LABWATCH_MAX_SENTENCE_CHARS) were cut to that length"
        )
        passages = list(passages)
        for i in long:
            p = passages[i]
            passages[i] = replace(p, text=p.text[:max_sentence_chars], end=p.start + max_sentence_chars)
    return passages, notes


def _format_mismatch(source: str, fmt: str) -> str | None:
    path = urlsplit(source).path if "://" in source else source
    claimed = _CLAIMED.get(PurePosixPath(path).suffix.lower())
    if claimed is None or claimed == fmt:
        return None
    return (
        f"{source}: the content is {_NAMES.get(fmt, fmt)}, not {_NAMES[claimed]} as its name says; "
        f"read as {_NAMES.get(fmt, fmt)}"
    )


def _extent(parsed: ParsedDocument) -> str:
    if parsed.n_pages is not None:
        return f"{parsed.n_pages} page{'s' if parsed.n_pages != 1 else ''}, {len(parsed.text):,} character(s) of text"
    return f"{_NAMES.get(parsed.format, parsed.format)}, {len(parsed.text):,} character(s) of text"
