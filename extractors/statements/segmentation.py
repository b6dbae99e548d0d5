"""Passages: the sentences of paragraph blocks, list items and table rows, in reading order.

Sentences are split by rules on spaCy's tokenizer output (no statistical model): a boundary
follows ``.``, ``!`` or ``?`` when the next token opens a sentence, except after abbreviations
("Sec.", "Fig.", "e.g.", initials) and list enumerators ("1.", "b."). Offsets always point into
``ParsedDocument.text`` so that ``doc.text[p.start:p.end] == p.text``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from spacy.tokens import Doc

from labwatch.extractors.records import Block, ParsedDocument, Passage
from labwatch.extractors.statements.spacy_models import get_blank
from labwatch.extractors.versions import SEGMENTER_VERSION  # noqa: F401 - bump it there

LONG_ITEM_CHARS = 300  # list items longer than this are split into sentences
LONG_SENTENCE_TOKENS = 150  # run-ons (flattened tables, missing periods) are cut at ";" or ":"

log = logging.getLogger(__name__)

_ENDERS = {".", "!", "?", "…", "...", "?!"}
_CLOSERS = {'"', "'", "”", "’", ")", "]", "»"}
_OPENERS = {'"', "“", "‘", "(", "[", "«", "•", "-", "–", "—"}
# Lower-cased abbreviations that the tokenizer splits from their period ("Sec" ".").
_ABBREVIATIONS = frozenset(
    """sec secs fig figs no nos vol vols pp p ch chap art arts eq eqs ref refs vs cf approx
    dept inc ltd co corp st mr mrs ms dr prof jr sr etc al e.g i.e eg ie app apps para paras
    tab ed eds est min max govt sect jan feb mar apr jun jul aug sep sept oct nov dec viz resp
    incl excl ca approx ver v op cit ibid n.b nb""".split()
)
_ENUMERATOR = re.compile(r"^(?:\d{1,3}|[a-zA-Z]|[ivxlcdm]{1,5}|[IVXLCDM]{1,5})$")
_LETTER = re.compile(r"[^\W\d_]")
_WHOLE_KINDS = {"table_row", "heading"}
_TRAILERS = _CLOSERS | _ENDERS


def _is_boundary(texts: list[str], i: int, sent_start: int) -> bool:
    """Whether a sentence ends after token ``i`` given the current sentence's first token."""
    tok = texts[i]
    if tok not in _ENDERS:
        return False
    if tok == "." and i > sent_start:
        prev = texts[i - 1]
        if prev.lower() in _ABBREVIATIONS or (len(prev) == 1 and prev.isalpha()):
            return False
        if i - 1 == sent_start and _ENUMERATOR.match(prev):
            return False  # "1." or "b." opening a list item
        if i - 2 >= sent_start and texts[i - 2] in {"(", "["} and _ENUMERATOR.match(prev):
            return False
    j = i + 1
    while j < len(texts) and texts[j] in _TRAILERS:
        j += 1
    if j >= len(texts):
        return False  # the text ends here anyway
    nxt = texts[j]
    # a name written with inner capitals starts a sentence too ("xAI", "iOS")
    camel = nxt[0].islower() and any(c.isupper() for c in nxt[1:]) and nxt.isalpha()
    return nxt[0].isupper() or nxt[0].isdigit() or nxt in _OPENERS or camel


def token_sentences(texts: list[str]) -> list[tuple[int, int]]:
    """Token ranges ``[start, end)`` of the sentences of a token list."""
    out: list[tuple[int, int]] = []
    start, i, n = 0, 0, len(texts)
    while i < n:
        if _is_boundary(texts, i, start):
            j = i + 1
            while j < n and texts[j] in _TRAILERS:
                j += 1
            out.append((start, j))
            start = i = j
            continue
        i += 1
    if start < n:
        out.append((start, n))
    return [piece for a, b in out for piece in _split_long(texts, a, b)]


def _split_long(texts: list[str], a: int, b: int) -> list[tuple[int, int]]:
    """A run-on sentence cut after ";" or ":" into pieces of at most ~LONG_SENTENCE_TOKENS."""
    if b - a <= LONG_SENTENCE_TOKENS:
        return [(a, b)]
    pieces, start = [], a
    for i in range(a, b - 1):
        if texts[i] in {";", ":"} and i + 1 - start >= LONG_SENTENCE_TOKENS // 4:
            pieces.append((start, i + 1))
            start = i + 1
    pieces.append((start, b))
    return pieces


def sentence_spans(doc: Doc) -> list[tuple[int, int]]:
    """Character spans ``(start, end)`` of the sentences of ``doc``, whitespace trimmed."""
    toks = [t for t in doc if not t.is_space]
    texts = [t.text for t in toks]
    spans = []
    for a, b in token_sentences(texts):
        spans.append((toks[a].idx, toks[b - 1].idx + len(texts[b - 1])))
    return spans


def _locate(doc: ParsedDocument, block: Block, cursor: int) -> int | None:
    """Offset of ``block.text`` in ``doc.text``: its own offsets when they hold, else a search."""
    if doc.text[block.start : block.end] == block.text:
        return block.start
    found = doc.text.find(block.text, cursor)
    if found < 0:
        found = doc.text.find(block.text)
    return None if found < 0 else found


def _block_spans(block: Block, parsed: Doc | None) -> list[tuple[int, int]]:
    """Spans of the passages of one block, relative to the block's text."""
    if parsed is None:
        text = block.text
        left = len(text) - len(text.lstrip())
        right = len(text.rstrip())
        return [(left, right)] if right > left else []
    return sentence_spans(parsed)


def _needs_split(block: Block) -> bool:
    """Paragraphs (and any kind we do not know) are split into sentences; rows never."""
    if block.kind == "list_item":
        return len(block.text) > LONG_ITEM_CHARS
    return block.kind not in _WHOLE_KINDS


def segment(doc: ParsedDocument) -> list[Passage]:
    """Passages of one document in reading order (see ``segment_many``)."""
    return segment_many([doc])[0]


def segment_many(docs: Sequence[ParsedDocument]) -> list[list[Passage]]:
    """Passages of each document: sentences of paragraphs, list items, table rows.

    Headings are not passages (they are the ``section`` of what follows). A list item is one
    passage unless it is longer than ``LONG_ITEM_CHARS`` and has several sentences; its
    ``lead_in`` is kept either way. ``seq`` runs 0..n-1 per document; ``context`` is the
    previous passage of the same section; passages without any letter are dropped. Blocks whose
    text cannot be found in ``doc.text`` are skipped with a logged warning, never raised.
    """
    nlp = get_blank()
    to_split = [b.text for d in docs for b in d.blocks if _needs_split(b)]
    parsed = iter(nlp.pipe(to_split, batch_size=512))
    return [_segment_one(d, parsed) for d in docs]


def _segment_one(doc: ParsedDocument, parsed) -> list[Passage]:
    passages: list[Passage] = []
    cursor = 0
    prev_text: str | None = None
    prev_section: tuple[str, ...] | None = None
    for block in doc.blocks:
        tokens = next(parsed) if _needs_split(block) else None
        if block.kind == "heading":
            continue
        base = _locate(doc, block, cursor)
        if base is None:
            log.warning("segment: block text not found in document text: %r", block.text[:60])
            continue
        cursor = base + len(block.text)
        spans = _block_spans(block, tokens)
        kind = {"list_item": "list_item", "table_row": "table_row"}.get(block.kind, "sentence")
        for a, b in spans:
            text = doc.text[base + a : base + b]
            if not _LETTER.search(text):
                continue
            context = prev_text if prev_section == block.section else None
            passages.append(
                Passage(
                    seq=len(passages),
                    text=text,
                    kind=kind,
                    page=block.page,
                    section=block.section,
                    start=base + a,
                    end=base + b,
                    lead_in=block.lead_in,
                    context=context,
                )
            )
            prev_text, prev_section = text, block.section
    return passages
