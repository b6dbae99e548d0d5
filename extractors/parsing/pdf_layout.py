"""Page layout rules, engine-free: each page's rows of cells -> blocks in reading order.

Running headers, footers and page numbers are dropped; two-column pages are read column by
column; rows with separate cells are kept as table rows (cells wrapped over several lines merged
back); lines are rejoined into paragraphs, list items and headings, with end-of-line
hyphenation and glued footnote markers resolved. ``pdf.py`` reads the rows from the PDF."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from labwatch.extractors.parsing.lines import (
    NUMBERED_HEADING_RE,
    goes_on_in_lower_case,
    heading_level,
    rejoin_lines,
    starts_item,
    strip_list_marker,
    vocabulary,
)
from labwatch.extractors.parsing.text import BlockBuilder
from labwatch.extractors.records import Block


@dataclass(slots=True)
class Segment:
    """A run of text on one baseline. Coordinates are PDF points, ``top`` measured downwards."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float
    bold: bool = False


@dataclass(slots=True)
class Page:
    """One page's positioned runs as an engine (in ``pdf.py``) read them."""

    number: int  # 1-based
    width: float
    height: float
    segments: list[Segment]
    cell_gap: float = 1.3  # gap (in font sizes) between two runs that makes them separate cells
    words: bool = False  # segments are single words (pdfplumber), not runs of text


@dataclass(slots=True)
class Line:
    """A line (or table row) in reading order. ``flow`` is (page, band, column)."""

    text: str
    page: int
    x0: float
    top: float
    x1: float
    size: float
    flow: tuple[int, int, int]
    cells: list[Segment] | None = None
    bold: bool = False


_PAGE_NUMBER_RE = re.compile(r"^\W*(?:page\s*)?(?:\d{1,4}|[ivxlc]{1,6})(?:\s*(?:of|/)\s*\d{1,4})?\W*$", re.I)
_FOOTNOTE_RE = re.compile(r"\b([a-z]{3,})\d{1,2}(?=[\s.,;:)]|$)")
_FOOTNOTE_AFTER_PUNCT_RE = re.compile(r"(?<=[a-z][.,;:])\d{1,2}(?=\s|$)")
_DIGITS_RE = re.compile(r"\d+")
_LETTERS_RE = re.compile(r"[A-Za-z]{2}")
_TERMINAL = (".", "!", "?", ":", '."', ".)")
_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz")
MARGIN = 0.12  # share of the page height at top and bottom where running lines live
EDGE = 0.08  # on a one-page PDF, small print this close to the top or bottom edge is running text
RUNNING_SHARE = 0.4  # a top/bottom line on at least this share of pages is a running header/footer


def layout_blocks(pages: list[Page], rows_by_page: list[list[list[Segment]]]) -> list[Block]:
    """Blocks in reading order from each page's rows of cells (see ``pdf.page_rows``): running
    lines dropped, columns read in turn, tables, paragraphs, list items and headings."""
    rows_by_page = _drop_running_rows(pages, rows_by_page)
    body = _body_size([r for rows in rows_by_page for r in rows])
    lines: list[Line] = []
    notes: list[Line] = []
    for page, rows in zip(pages, rows_by_page):
        ordered = _order_page(page, rows)
        cut = _footnote_start(page, ordered, body)
        lines.extend(ordered[:cut])
        notes.extend(ordered[cut:])
    return _blocks_from_lines(lines + notes)


_NOTE_START_RE = re.compile(r"^\s*\d{1,2}(?:\s+|(?=[A-Z\"\u201c]))\S")


def _footnote_start(page: Page, lines: list[Line], body: float) -> int:
    """Where the footnotes at the foot of a page begin in its ``lines`` (``len(lines)`` when
    there are none): the last lines of the page, set smaller than the body text in the lower
    half of the page, the first of them opening with the note's number. They are read after
    the running text (at the end of the document, on their page), so a sentence that runs on
    to the next page is not cut by them."""
    k = len(lines)
    while k > 0 and lines[k - 1].size < 0.9 * body and lines[k - 1].top > 0.5 * page.height:
        k -= 1
    if k == len(lines) or k == 0 or not _NOTE_START_RE.match(lines[k].text):
        return len(lines)
    return k


def _row_key(row: list[Segment]) -> str:
    return _DIGITS_RE.sub("#", " ".join(c.text for c in row).lower())


def _margin_rows(page: Page, rows: list[list[Segment]]) -> list[int]:
    """Indices of the first and last two rows when they sit in the top/bottom margins."""
    idx = sorted(set(range(min(2, len(rows)))) | set(range(max(0, len(rows) - 2), len(rows))))
    return [i for i in idx if rows[i][0].top < MARGIN * page.height or rows[i][0].bottom > (1 - MARGIN) * page.height]


def _drop_running_rows(pages: list[Page], rows_by_page: list[list[list[Segment]]]) -> list:
    """Remove running headers/footers (same text, digits aside, on many pages) and page numbers."""
    keys = [{i: _row_key(rows[i]) for i in _margin_rows(page, rows)} for page, rows in zip(pages, rows_by_page)]
    counts: dict[str, int] = {}
    for page_keys in keys:
        for key in set(page_keys.values()):
            counts[key] = counts.get(key, 0) + 1
    needed = max(2.0, RUNNING_SHARE * len(pages))
    doc_body = None  # measured only when a repeated margin line needs it (it is never a heading)
    kept = []
    for page, rows, page_keys in zip(pages, rows_by_page, keys):
        drop = set()
        for i, key in page_keys.items():
            size = max(c.size for c in rows[i])
            if len(pages) >= 2 and counts[key] >= needed:
                if doc_body is None:
                    doc_body = _body_size([r for page_rows in rows_by_page for r in page_rows])
                if size <= 1.05 * doc_body:
                    drop.add(i)
                    continue
            if (
                len(pages) == 1
                and _at_edge(page, rows[i])
                and size < 0.95 * _body_size([r for r in rows if not _at_edge(page, r)] or rows)
            ):
                drop.add(i)
            elif _PAGE_NUMBER_RE.match(" ".join(c.text for c in rows[i])):
                drop.add(i)
        kept.append([r for i, r in enumerate(rows) if i not in drop] if drop else rows)
    return kept


def _body_size(rows: list[list[Segment]]) -> float:
    weights: dict[float, int] = {}
    for row in rows:
        for c in row:
            weights[round(c.size * 2) / 2] = weights.get(round(c.size * 2) / 2, 0) + len(c.text)
    return max(weights, key=weights.get) if weights else 0.0


def _at_edge(page: Page, row: list[Segment]) -> bool:
    """On a one-page PDF nothing repeats: small print this close to an edge is a running line."""
    edge = EDGE * page.height
    return row[0].top < edge or row[0].bottom > page.height - edge


def _gutter(page: Page, rows: list[list[Segment]]) -> float | None:
    """The x where a two-column page splits (the right column's left edge), or None.

    Candidates are the page middle and left edges shared by three or more lines in the middle
    half of the page; a split counts when both sides hold real text columns (see
    ``_is_column``) and few lines cross it.
    """
    cells = [c for r in rows for c in r]
    if len(cells) < 6:
        return None
    starts: dict[int, int] = {}
    for c in cells:
        if 0.25 * page.width < c.x0 < 0.75 * page.width:
            starts[round(c.x0)] = starts.get(round(c.x0), 0) + 1
    best, best_score = None, 0
    for g in [page.width / 2] + [float(x) for x, n in starts.items() if n >= 3]:
        left = [c for c in cells if c.x1 <= g]
        right = [c for c in cells if c.x0 >= g - 2]
        crossing = len(cells) - len(left) - len(right)
        if (
            crossing <= len(cells) / 3
            and _is_column(left, page)
            and _is_column(right, page)
            and min(len(left), len(right)) > best_score
        ):
            best, best_score = g, min(len(left), len(right))
    return best


def _is_column(side: list[Segment], page: Page) -> bool:
    """A text column: at least 3 lines, a quarter of the page wide, mostly full lines."""
    if len(side) < 3:
        return False
    width = max(c.x1 for c in side) - min(c.x0 for c in side)
    full = sum(c.x1 - c.x0 >= 0.6 * width for c in side)
    return width >= 0.25 * page.width and full >= 3 and full >= 0.4 * len(side)


def _order_page(page: Page, rows: list[list[Segment]]) -> list[Line]:
    """Lines of one page in reading order: column by column within bands between spanning rows."""
    n = page.number
    g = _gutter(page, rows)
    if g is None:
        return [_line(r, n, (n, 0, 0)) for r in rows]
    out: list[Line] = []
    band, lefts, rights = 0, [], []
    for row in rows:
        if any(c.x0 < g - 2 and c.x1 > g for c in row):  # crosses the gutter: spans both columns
            out += [_line([c], n, (n, band, 0)) for c in lefts] + [_line([c], n, (n, band, 1)) for c in rights]
            lefts, rights, band = [], [], band + 1
            out.append(_line(row, n, (n, band, 0)))
            band += 1
            continue
        for c in row:
            (lefts if c.x1 <= g else rights).append(c)
    out += [_line([c], n, (n, band, 0)) for c in lefts] + [_line([c], n, (n, band, 1)) for c in rights]
    return out


def _line(row: list[Segment], page: int, flow: tuple[int, int, int]) -> Line:
    if len(row) == 1:  # most lines: one cell
        c = row[0]
        return Line(c.text, page, c.x0, c.top, c.x1, c.size, flow, None, c.bold)
    text = " ".join(c.text for c in row)
    cells = list(row) if len(row) >= 2 else None
    main = max(row, key=lambda c: len(c.text))
    return Line(
        text, page, row[0].x0, min(c.top for c in row), row[-1].x1, main.size, flow, cells, all(c.bold for c in row)
    )


def _merge_tables(lines: list[Line]) -> list[Line]:
    """Table rows whose cells wrap onto several lines, merged back into one row each.

    A table starts at a line with several cells; it runs on while lines keep its size, sit close
    below each other and start at its column edges. Lines are grouped into rows where the gap
    between them is clearly wider than the smallest line pitch inside the table.
    """
    out: list[Line] = []
    i = 0
    while i < len(lines):
        if lines[i].cells is None:
            out.append(lines[i])
            i += 1
            continue
        end, cols = _table_extent(lines, i)
        out.extend(_table_rows(lines[i:end], cols))
        i = end
    return out


def _table_extent(lines: list[Line], start: int) -> tuple[int, list[float]]:
    first = lines[start]
    cols = sorted(c.x0 for c in first.cells)
    last_multi, k = start, start + 1
    while k < len(lines):
        line, prev = lines[k], lines[k - 1]
        if (
            line.flow != first.flow
            or abs(line.size - first.size) > 0.3
            or not 0 < line.top - prev.top <= 1.7 * line.size
        ):
            break
        xs = [c.x0 for c in line.cells] if line.cells else [line.x0]
        if not all(any(abs(x - c) <= 4 for c in cols) for x in xs):
            break
        if line.cells:
            last_multi = k
        k += 1
    end = last_multi + 1
    while end < k and lines[end].cells is None and abs(lines[end].x0 - cols[0]) > 4:
        end += 1  # trailing wrapped lines of the last row, outside the first column
    return end, cols


def _table_rows(region: list[Line], cols: list[float]) -> list[Line]:
    pitches = [b.top - a.top for a, b in zip(region, region[1:])]
    # wrapped cells show as two spacings: lines inside a row, and wider gaps between rows;
    # with one spacing only, every line is a row of its own
    pitch = min(pitches) if pitches and max(pitches) > 1.6 * min(pitches) else 0.0
    groups: list[list[Line]] = [[region[0]]]
    for prev, line in zip(region, region[1:]):
        texts = [c.text for c in line.cells] if line.cells else [line.text]
        if line.top - prev.top > 1.6 * pitch and not all(t[:1].islower() for t in texts):
            groups.append([])  # a row starts, unless every cell carries on in lower case
        groups[-1].append(line)
    rows = []
    for group in groups:
        texts: list[list[str]] = [[] for _ in cols]
        for line in group:
            for cell in line.cells or [Segment(line.text, line.x0, line.top, line.x1, line.top, line.size)]:
                col = max((i for i, x in enumerate(cols) if x <= cell.x0 + 4), default=0)
                texts[col].append(cell.text)
        cells = [Segment(rejoin_lines(t), x, group[0].top, x, group[0].top, group[0].size) for t, x in zip(texts, cols)]
        head = group[0]
        rows.append(
            Line(" ".join(c.text for c in cells), head.page, head.x0, head.top, head.x1, head.size, head.flow, cells)
        )
    return rows


@dataclass(slots=True)
class _Open:
    kind: str  # "paragraph" | "list_item" | "heading"
    lines: list[Line]
    level: int | None = None
    style: object = None


class _Flow:
    """Document-wide measures the line rules compare against."""

    def __init__(self, lines: list[Line]) -> None:
        weights: dict[float, int] = {}
        for ln in lines:
            key = round(ln.size * 2) / 2
            weights[key] = weights.get(key, 0) + len(ln.text)
        self.body = body = max(weights, key=weights.get) if weights else 10.0
        gaps = sorted(
            [
                b.top - a.top
                for a, b in zip(lines, lines[1:])
                if a.flow == b.flow and abs(a.size - body) < 0.6 and abs(b.size - body) < 0.6 and b.top > a.top
            ]
        )
        self.gap = gaps[len(gaps) // 2] if gaps else 1.2 * self.body
        self.bounds: dict[tuple, tuple[float, float]] = {}
        for ln in lines:
            lo, hi = self.bounds.get(ln.flow, (ln.x0, ln.x1))
            self.bounds[ln.flow] = (min(lo, ln.x0), max(hi, ln.x1))
        self.heading_sizes = sorted(
            {round(ln.size * 2) / 2 for ln in lines if ln.size >= 1.15 * self.body and len(ln.text) <= 120},
            reverse=True,
        )
        self._lines = lines
        self._marker_xs: list[float] = []

    @cached_property
    def vocab(self) -> set[str]:
        """The document's words, read only when a line ends in a hyphen (rare)."""
        return vocabulary(ln.text for ln in self._lines)

    def indent(self, x0: float) -> int:
        """Nesting depth of a list marker at ``x0``: how many marker columns lie left of it."""
        if all(abs(x0 - x) > 3 for x in self._marker_xs):
            self._marker_xs.append(x0)
        return sum(x < x0 - 3 for x in self._marker_xs)


def _blocks_from_lines(lines: list[Line]) -> list[Block]:
    lines = _merge_tables(lines)
    flow = _Flow(lines)
    builder = BlockBuilder()
    open_: _Open | None = None
    for line in lines:
        if line.cells:
            _flush(builder, open_, flow)
            open_ = None
            builder.table_row([c.text for c in line.cells], line.page)
            continue
        marker = _item_text(open_, line)
        if open_ is not None and marker is None and _continues(open_, line, flow):
            open_.lines.append(line)
            continue
        _flush(builder, open_, flow)
        head = _heading(line, flow, builder)
        if head is not None:
            open_ = _Open("heading", [line], head[0], head[1])
        elif marker is not None:
            open_ = _Open("list_item", [line])
        else:
            open_ = _Open("paragraph", [line])
    _flush(builder, open_, flow)
    return builder.blocks


def _item_text(open_: _Open | None, line: Line) -> str | None:
    """Item text when the line opens a list item; inside a list, a number aligned with the
    item markers always opens the next item."""
    if open_ is not None and open_.kind == "list_item" and line.x0 <= open_.lines[0].x0 + 2:
        return strip_list_marker(line.text)
    return starts_item(line.text, open_.lines[-1].text if open_ is not None else None)


def _continues(open_: _Open, line: Line, flow: _Flow) -> bool:
    """True when ``line`` carries on the open block rather than starting a new one."""
    prev = open_.lines[-1]
    text = prev.text.rstrip()
    if open_.kind == "heading":
        return (
            prev.flow == line.flow
            and abs(prev.size - line.size) < 0.3
            and prev.bold == line.bold
            and 0 < line.top - prev.top <= 1.6 * line.size
            and len(open_.lines) < 3
        )
    if prev.flow != line.flow:  # column or page break: carry on only mid-sentence
        return not text.endswith(_TERMINAL) and (line.text[:1].islower() or text.endswith("-"))
    if abs(prev.size - line.size) > 0.6 or not 0 < line.top - prev.top <= 1.45 * flow.gap:
        return False
    left, right = flow.bounds[line.flow]
    width = right - left
    if text.endswith(_TERMINAL) and (prev.x1 < right - 0.12 * width or prev.bold != line.bold):
        return False  # a short last line closes the paragraph
    if prev.x1 < right - 0.4 * width and not goes_on_in_lower_case(line.text) and not text.endswith((",", "-")):
        return False  # a short line without closing punctuation is a title or a label, not a wrapped line
    if open_.kind == "paragraph" and text.endswith(_TERMINAL) and line.x0 > left + line.size:
        return False  # first-line indent opens a new paragraph
    if open_.kind == "list_item" and line.x0 <= open_.lines[0].x0 + 2:
        # back at the marker's column: without a hanging indent, only a cut sentence carries on
        return not text.endswith(_TERMINAL) and line.text[:1].islower()
    return True


def _heading(line: Line, flow: _Flow, builder: BlockBuilder) -> tuple[int | None, object] | None:
    """(level, style) when the line starts a heading, else None."""
    text = line.text
    if len(text) > 120 or not _LETTERS_RE.search(text) or text.endswith((".", ",", ";")):
        return None
    numbered = NUMBERED_HEADING_RE.match(text)
    if line.size >= 1.15 * flow.body and len(text.split()) <= 15:
        if numbered:
            return numbered.group(1).count(".") + 1, "numbered"
        return flow.heading_sizes.index(round(line.size * 2) / 2) + 1, "size"
    if numbered and builder.in_list and strip_list_marker(text) is not None:
        return None
    left, right = flow.bounds[line.flow]
    short = line.x1 - line.x0 < 0.75 * (right - left)
    found = heading_level(text, standalone=short) if short else None
    if found:
        return found[0], found[2]
    if line.bold and short and len(text.split()) <= 12 and not text.endswith(":") and text[0].isupper():
        return None, "bold"
    return None


def _may_hold_footnote(text: str) -> bool:
    """False only when neither footnote pattern can match: no digit right after a lower-case
    letter, or after one and a mark of .,;: (plain substring searches, much faster than the
    regexes on long paragraphs)."""
    if not text.isascii():
        return True
    for digit in "0123456789":
        at = text.find(digit, 1)
        while at != -1:
            before = text[at - 1]
            if before in _LOWER or (before in ".,;:" and at > 1 and text[at - 2] in _LOWER):
                return True
            at = text.find(digit, at + 1)
    return False


def _flush(builder: BlockBuilder, open_: _Open | None, flow: _Flow) -> None:
    if open_ is None:
        return
    page = open_.lines[0].page
    texts = [ln.text for ln in open_.lines]
    # the vocabulary only decides how a word hyphenated at a line end is joined
    text = rejoin_lines(texts, flow.vocab if any(t.rstrip().endswith("-") for t in texts[:-1]) else None)
    if open_.kind == "heading":
        builder.heading(text, open_.level, open_.style, page)
        return
    if _may_hold_footnote(text):
        text = _FOOTNOTE_AFTER_PUNCT_RE.sub("", _FOOTNOTE_RE.sub(r"\1", text))
    if open_.kind == "list_item":
        builder.list_item(strip_list_marker(text) or text, page, indent=flow.indent(open_.lines[0].x0))
    else:
        builder.paragraph(text, page)
