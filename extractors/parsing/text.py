"""Plain text and markdown -> blocks, and the block-building rules the PDF and HTML parsers share.

Shared rules: how a list inherits its lead-in ("We will:"), how sections nest, and how blocks
are laid end to end into ``ParsedDocument.text`` with exact offsets. What one line is (a heading,
a list marker) and how wrapped lines are rejoined is lines.py; pages of a transcript, pages.py.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from labwatch.extractors.exceptions import EmptyDocument, UnsupportedFormat
from labwatch.extractors.parsing.lines import (
    DATELINE_RE,
    MD_HEADING_RE,
    collapse,
    goes_on_in_lower_case,
    heading_level,
    last_sentence,
    rejoin_lines,
    starts_item,
    strip_emphasis,
    strip_list_marker,
    vocabulary,
)
from labwatch.extractors.parsing.pages import page_lines
from labwatch.extractors.records import Block, ParsedDocument

BLOCK_SEPARATOR = "\n\n"
TABLE_SEP_RE = re.compile(r"^\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?$")
SETEXT_RE = re.compile(r"^(={3,}|-{3,})\s*$")
_CLOSING = ".;:!?"  # a line ending otherwise leaves its sentence open


class SectionTracker:
    """The heading path above the current block. Explicit levels nest by number; headings
    without one get a level per style (first seen nests under the current heading)."""

    def __init__(self) -> None:
        self._stack: list[tuple[int, str]] = []
        self._style_levels: dict[object, int] = {}
        self._path: tuple[str, ...] = ()  # titles of the stack, kept in step with it

    @property
    def path(self) -> tuple[str, ...]:
        return self._path

    def push(self, title: str, level: int | None = None, style: object = None) -> tuple[str, ...]:
        """Enter a heading; returns the path above it (its parents)."""
        if level is None:
            key = style if style is not None else "plain"
            if key not in self._style_levels:
                self._style_levels[key] = (self._stack[-1][0] + 1) if self._stack else 1
            level = self._style_levels[key]
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()
        parents = tuple(t for _, t in self._stack)
        self._stack.append((level, title))
        self._path = parents + (title,)
        return parents


class BlockBuilder:
    """Collects blocks in reading order with their section path and list lead-ins."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.sections = SectionTracker()
        self._levels: list[tuple[int, str | None]] = []  # open list levels: (indent, lead-in)

    @property
    def in_list(self) -> bool:
        """True inside a list or right after a paragraph ending with ":"."""
        return bool(self._levels) or bool(
            self.blocks and self.blocks[-1].kind == "paragraph" and self.blocks[-1].text.endswith(":")
        )

    def heading(self, title: str, level: int | None = None, style: object = None, page: int | None = None) -> None:
        """Add a heading; it becomes part of the section path of the blocks after it."""
        title = collapse(title)
        if not title:
            return
        parents = self.sections.push(title, level, style)
        self._levels = []
        self.blocks.append(Block(title, "heading", page, parents))

    def paragraph(self, text: str, page: int | None = None) -> None:
        """Add a paragraph; it ends any open list."""
        text = collapse(text)
        if text:
            self._levels = []
            self.blocks.append(Block(text, "paragraph", page, self.sections.path))

    def list_item(self, text: str, page: int | None = None, indent: int = 0) -> None:
        """Add a list item. Its lead-in is the sentence ending in ":" that opened its list: the
        paragraph before the list, or for a nested list the parent item ("publish results:")."""
        text = collapse(text)
        if not text:
            return
        while self._levels and self._levels[-1][0] > indent:
            self._levels.pop()
        if not self._levels or self._levels[-1][0] < indent:
            prev = self.blocks[-1] if self.blocks else None
            opens = prev is not None and prev.kind in ("paragraph", "list_item") and prev.text.endswith(":")
            inherited = self._levels[-1][1] if self._levels else None
            self._levels.append((indent, last_sentence(prev.text) if opens else inherited))
        lead_in = self._levels[-1][1]
        self.blocks.append(Block(text, "list_item", page, self.sections.path, lead_in=lead_in))

    def table_row(self, cells: Sequence[str], page: int | None = None) -> None:
        """Add a table row; cells are joined with " | "."""
        cells = [collapse(c) for c in cells]
        if any(cells):
            self._levels = []
            self.blocks.append(Block(" | ".join(cells), "table_row", page, self.sections.path))


def assemble_document(
    blocks: Sequence[Block],
    *,
    format: str,
    parser: str,
    source: str,
    n_pages: int | None = None,
    title: str | None = None,
    warnings: Sequence[str] = (),
) -> ParsedDocument:
    """Lay blocks end to end (joined by a blank line) with exact start/end offsets.

    Raises EmptyDocument when no block has text.
    """
    placed: list[Block] = []
    pos = 0
    for b in blocks:
        text = collapse(b.text)
        if not text:
            continue
        if placed:
            pos += len(BLOCK_SEPARATOR)
        placed.append(Block(text, b.kind, b.page, b.section, pos, pos + len(text), b.lead_in))
        pos += len(text)
    if not placed:
        raise EmptyDocument(source, f"no text found in the {format} document")
    body = BLOCK_SEPARATOR.join(b.text for b in placed)
    if title is None:
        title = next((b.text for b in placed if b.kind == "heading"), None)
    return ParsedDocument(body, tuple(placed), format, parser, n_pages, title, tuple(warnings))


def decode_bytes(data: bytes, source: str, declared: str | None = None) -> str:
    """Text from bytes: BOM, then a declared charset, then UTF-8, then Windows-1252/Latin-1.

    Raises UnsupportedFormat when the bytes look binary (NUL bytes or many control characters).
    """
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom) :].decode(enc, errors="replace")
    if looks_binary(data):
        raise UnsupportedFormat(source, "binary data, not text (NUL or control bytes)")
    candidates = [declared] if declared else []
    candidates += ["utf-8", "cp1252"]
    for enc in candidates:
        try:
            return data.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("latin-1")


def looks_binary(data: bytes) -> bool:
    """True when the first 8 KB hold NUL bytes or more than 5% control bytes."""
    head = data[:8192]
    if not head:
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for c in head if c < 32 and c not in (9, 10, 12, 13))
    return controls / len(head) > 0.05


def text_blocks(text: str) -> list[Block]:
    """Blocks of plain text or markdown: headings, paragraphs, list items and table rows.

    A text transcribed from a PDF may mark its pages with ``[[page N]]`` lines: the blocks then
    carry their page, page furniture at a page's edges (page numbers, running headers and
    footers repeated on several pages) is dropped, and a paragraph cut by a page break is
    joined again (``page_lines``).
    """
    builder = BlockBuilder()
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    vocab = vocabulary(lines)
    group: list[str] = []
    group_page: int | None = None
    ended = False  # a blank line followed the group: it ends unless the next line goes on with it
    for line, page in page_lines(lines):
        if not line.strip():
            ended = bool(group)
            continue
        if group and ended and not continues_across_blank(group[-1], line):
            _add_group(builder, group, vocab, group_page)
            group = []
        if not group:
            group_page = page
        group.append(line)
        ended = False
    if group:
        _add_group(builder, group, vocab, group_page)
    return builder.blocks


def continues_across_blank(last: str, line: str) -> bool:
    """True when ``line``, after a blank line, goes on with the sentence ``last`` left open:
    ``last`` has no closing punctuation and is no heading or table row, and ``line`` starts in
    lower case (a transcription that broke a sentence with an empty line)."""
    last, line = last.rstrip(), line.strip()
    if not goes_on_in_lower_case(line) or last.endswith(tuple(_CLOSING)) or not last:
        return False
    return not (MD_HEADING_RE.match(last.strip()) or last.strip().startswith("|"))


def _add_group(builder: BlockBuilder, lines: list[str], vocab: set[str], page: int | None = None) -> None:
    """One run of non-blank lines -> blocks (on ``page`` when the text marks pages)."""
    para: list[str] = []
    item: list[str] | None = None
    indent = 0

    def flush() -> None:
        nonlocal para, item
        if item is not None:
            builder.list_item(rejoin_lines(item, vocab), page=page, indent=indent)
        elif para:
            builder.paragraph(strip_emphasis(rejoin_lines(para, vocab)), page=page)
        para, item = [], None

    marker_lines = sum(1 for ln in lines if strip_list_marker(ln) is not None)
    width = max(len(ln.rstrip()) for ln in lines)
    for i, line in enumerate(lines):
        s = line.strip()
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if SETEXT_RE.match(s) and i > 0 and (para or item is not None):
            continue  # underline of a setext heading, handled with the line above
        if SETEXT_RE.match(nxt) and not para and item is None:
            flush()
            builder.heading(strip_emphasis(s), 1 if nxt.startswith("=") else 2, page=page)
            continue
        if s.startswith("|") and s.endswith("|") and len(s) > 1:
            flush()
            if not TABLE_SEP_RE.match(s):
                builder.table_row([strip_emphasis(c) for c in s.strip("|").split("|")], page=page)
            continue
        prev = lines[i - 1].strip() if i else ""
        if _bare_row(s) and (_bare_row(prev) or _bare_row(nxt)):
            # "Domain | Threshold | Tier" rows without outer pipes, two or more in a row (a
            # single such line is a running header: "Lab | Policy | Edition 2")
            flush()
            builder.table_row([strip_emphasis(c).strip() for c in s.split(" | ")], page=page)
            continue
        if DATELINE_RE.match(s):
            flush()  # a dateline stands alone: the sentence on the next line starts after it
            builder.paragraph(strip_emphasis(s), page=page)
            continue
        first = not para and item is None
        head = heading_level(s, standalone=len(lines) == 1) if first else None
        if head and goes_on_in_lower_case(nxt) and not MD_HEADING_RE.match(s):
            head = None  # the line wraps on into the next one: a sentence, not a heading
        if head and head[2] == "numbered" and _hangs_under(line, lines[i + 1] if i + 1 < len(lines) else "", width):
            # "3.3 The evaluations ... at least 15" over an indented "Business Days before ...":
            # a clause whose text wraps under a hanging indent, not a heading
            head = None
        if head and (MD_HEADING_RE.match(s) or not _list_context(builder, s, marker_lines)):
            flush()
            builder.heading(strip_emphasis(head[1]), head[0], head[2], page=page)
            continue
        body = starts_item(s, lines[i - 1] if i and para else None)
        if body is not None and not MD_HEADING_RE.match(s):
            flush()
            item, indent = [strip_emphasis(body)], len(line) - len(line.lstrip())
        elif item is not None and _continues_item(item, s):
            item.append(strip_emphasis(s))
        else:
            if item is not None:
                flush()
            para.append(s)
    flush()


def _hangs_under(line: str, nxt: str, width: int) -> bool:
    """True when ``nxt`` continues ``line`` under a hanging indent: indented deeper, no list
    item or heading of its own, and its first word would not have fitted on ``line`` within
    the run's width (so the line was wrapped; a short heading over an indented body was not)."""
    words = nxt.split()
    if not words or strip_list_marker(nxt) is not None or MD_HEADING_RE.match(nxt.strip()):
        return False
    deeper = len(nxt) - len(nxt.lstrip()) > len(line) - len(line.lstrip())
    return deeper and len(line.rstrip()) + 1 + len(words[0]) > width


def _list_context(builder: BlockBuilder, line: str, marker_lines: int) -> bool:
    """True when a numbered line is better read as a list item than as a heading."""
    if strip_list_marker(line) is None:
        return False
    return builder.in_list or marker_lines >= 2


def _continues_item(item: list[str], line: str) -> bool:
    last = item[-1].rstrip()
    return goes_on_in_lower_case(line) or not last.endswith((".", "!", "?", ";"))


def parse_text(data: bytes | str, *, source: str, parser: str) -> ParsedDocument:
    """Plain text or markdown bytes -> ParsedDocument (format "text").

    Raises EmptyDocument (nothing but whitespace) or UnsupportedFormat (binary bytes).
    """
    text = data if isinstance(data, str) else decode_bytes(data, source)
    blocks = text_blocks(text)
    pages = {b.page for b in blocks if b.page is not None}
    return assemble_document(blocks, format="text", parser=parser, source=source, n_pages=max(pages) if pages else None)


def _bare_row(line: str) -> bool:
    """A table row written without outer pipes: three or more cells split by " | "."""
    return line.count(" | ") >= 2 and not line.startswith("|")
