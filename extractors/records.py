"""Typed records handed between the extraction stages.

parse  -> ParsedDocument (blocks with page/section provenance)
segment -> Passage (sentences and list items, in reading order)
detect -> Features (commitment features of one passage)
(the three together, ``statements.extraction.extract_document``) -> ExtractedDocument
match  -> Suggestion (a criterion suggested for a passage, with its why)

These are plain frozen dataclasses: cheap to build in bulk, picklable for worker processes.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

BlockKind = str  # "paragraph" | "list_item" | "heading" | "table_row"


@dataclass(frozen=True, slots=True)
class Block:
    """A run of text in reading order: a paragraph, a list item, a heading or a table row.

    ``start``/``end`` are character offsets into ``ParsedDocument.text``.
    ``section`` is the heading path above the block, outermost first.
    ``lead_in`` is the sentence that introduces a list ("We will:"), carried to its items.
    """

    text: str
    kind: BlockKind = "paragraph"
    page: int | None = None
    section: tuple[str, ...] = ()
    start: int = 0
    end: int = 0
    lead_in: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    """Text of one document with provenance. ``text`` is the blocks joined by blank lines."""

    text: str
    blocks: tuple[Block, ...]
    format: str  # "pdf" | "html" | "text"
    parser: str  # e.g. "pypdfium2-5.15" -- recorded on every derived row
    n_pages: int | None = None
    title: str | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Passage:
    """One sentence or list item, the unit that is matched and reviewed."""

    seq: int
    text: str
    kind: str = "sentence"  # "sentence" | "list_item" | "table_row"
    page: int | None = None
    section: tuple[str, ...] = ()
    start: int = 0
    end: int = 0
    lead_in: str | None = None
    context: str | None = None  # neighbouring text that helps matching (previous sentence)


@dataclass(frozen=True, slots=True)
class Features:
    """Commitment features of one passage. They rank and explain; they never filter."""

    is_commitment: bool
    strength: str  # "firm" | "hedged" | "none"
    category: str  # "commitment" | "hedge" | "description" | "recommendation"
    negated: bool = False
    conditions: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()  # normalised, e.g. "4x effective compute", "3 months"
    modality: str | None = None  # the modal/trigger word that decided strength: "will", "aim to"
    why: str = ""


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A criterion suggested for a passage. ``suggested`` is True when above the threshold."""

    criterion_id: str
    score: float
    rank: int
    suggested: bool
    why: str
    probability: float | None = None  # chance a suggested pair is right (matching/confidence.py)


@dataclass(frozen=True, slots=True)
class Statement:
    """A passage with its features: what diff/changes compare."""

    passage: Passage
    features: Features
    criteria: tuple[str, ...] = field(default=())

    @property
    def text(self) -> str:
        return self.passage.text


_LIST_MARKER = re.compile(r"^\s*(?:[\u2022\u25cf\u25aa\-\*\u2013]|\(?[0-9]{1,2}[.)]|\(?[a-z]{1,3}[.)])\s+")
_WS = re.compile(r"\s+")
_QUOTES = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-", "\u00ad": ""}
)


def normalize_text(text: str) -> str:
    """Normalised form of a statement: what identity (match ids, version text hashes) is built on.

    Case, whitespace, typographic quotes/dashes, soft hyphens, list markers and trailing
    punctuation are not meaningful; wording is.
    """
    t = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    t = _LIST_MARKER.sub("", t)
    t = _WS.sub(" ", t).strip().lower()
    return t.rstrip(" .;:,")


def text_hash(text: str) -> str:
    """sha256 (hex, 32 chars) of the normalised text."""
    return hashlib.sha256(normalize_text(text).encode("utf-8")).hexdigest()[:32]


def make_match_id(lab: str, document_id: str, text: str, criterion_id: str) -> str:
    """Stable match id: survives re-extraction, re-matching and new versions of identical text."""
    key = "\x1f".join([lab, document_id, normalize_text(text), criterion_id])
    return "m_" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]


@dataclass(frozen=True, slots=True)
class HtmlRules:
    """Per-source CSS selectors for an HTML page's main content, applied before trafilatura
    (Open Terms Archive's ``select``/``remove``): ``remove`` drops matching elements, then only
    what ``select`` matches is kept (all of it, in page order). Empty: the whole page."""

    select: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.select or self.remove)

    @property
    def signature(self) -> str:
        """``rules-<hash>``: part of a version's extractor signature, so a rule change re-derives."""
        key = "\x1f".join(["select", *self.select, "remove", *self.remove])
        return "rules-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True, slots=True)
class ExtractedDocument:
    """The text stage's output for one document: its parsed text, passages and their features.

    ``features[i]`` describes ``passages[i]``. Built by ``extract_document`` (in the parser
    worker for untrusted input), picklable so it crosses the process boundary whole.
    """

    parsed: ParsedDocument
    passages: list[Passage]
    features: list[Features]
    # what a person should know about this document although it was read: content that is not
    # what its name says, a cap on passages or sentence length that was hit, no passages at all
    warnings: tuple[str, ...] = ()
