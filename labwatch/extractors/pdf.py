"""PDF -> blocks in reading order with page numbers and section paths.

Two engines read positioned text runs ("segments") from the PDF: pypdfium2 (default, fast: one
rectangle per text run) and pdfplumber (optional, slower, word boxes). The layout rules are
shared and engine-free: runs -> rows -> cells; running headers, footers and page numbers
dropped; two-column pages read column by column; rows with separate cells kept as table rows;
lines rejoined into paragraphs, list items and headings (see ``layout_blocks``).
"""

from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw

from labwatch.extractors.exceptions import (EmptyDocument, EncryptedPDF, MalformedDocument,
                                            NoTextLayer)
from labwatch.extractors.records import ParsedDocument
from labwatch.extractors.text import (NUMBERED_HEADING_RE, BlockBuilder, assemble_document, collapse,
                                      heading_level, rejoin_lines, starts_item, strip_list_marker,
                                      vocabulary)

ENGINES = ("pypdfium2", "pdfplumber")
_BOLD_RE = re.compile(r"bold|black|heavy|semibold|demi", re.I)
SLICE_TEXT = True  # pypdfium2: slice the page text by rectangle (fast) instead of asking per rectangle


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
    number: int  # 1-based
    width: float
    height: float
    segments: list[Segment]
    cell_gap: float = 1.3  # gap (in font sizes) between two runs that makes them separate cells
    words: bool = False  # segments are single words (pdfplumber), not runs of text


def read_pdf(data: bytes, *, source: str, parser: str, engine: str = "pypdfium2") -> ParsedDocument:
    """PDF bytes -> ParsedDocument (format "pdf") with page numbers and section paths.

    Raises EncryptedPDF (password needed), NoTextLayer (image-only), MalformedDocument
    (truncated, corrupt or not a PDF) or EmptyDocument (no bytes, no pages).
    """
    check_pdf_bytes(data, source)
    if engine == "pypdfium2":
        pages, title = _pages_pdfium(data, source)
    elif engine == "pdfplumber":
        pages, title = _pages_pdfplumber(data, source)
    else:
        raise ValueError(f"unknown PDF engine {engine!r}; choose one of {ENGINES}")
    if not pages:
        raise EmptyDocument(source, "the PDF has no pages")
    empty = [p.number for p in pages if not any(s.text.strip() for s in p.segments)]
    if len(empty) == len(pages):
        raise NoTextLayer(source, f"none of its {len(pages)} pages has a text layer "
                                  "(scanned or image-only; needs OCR)")
    warnings = [f"page {n} has no text layer" for n in empty]
    blocks = layout_blocks(pages)
    return assemble_document(blocks, format="pdf", parser=parser, source=source,
                             n_pages=len(pages), title=title, warnings=warnings)


def check_pdf_bytes(data: bytes, source: str) -> None:
    """Refuse bytes that are not a whole PDF before any engine sees them."""
    if not data:
        raise EmptyDocument(source, "empty file (0 bytes)")
    if b"%PDF-" not in data[:1024]:
        raise MalformedDocument(source, "not a PDF: no %PDF- header in the first 1 KB")
    if b"%%EOF" not in data[-4096:]:
        raise MalformedDocument(source, "truncated PDF: no %%EOF marker at the end")


_JUNK_TITLE = re.compile(r"^(?:microsoft \w+ - |untitled|document\d*$|slide \d)|\.(?:docx?|pdf|indd|pptx?|tex)$",
                         re.I)


def useful_title(title: object) -> str | None:
    """The metadata title unless it is empty or a tool's placeholder ("Microsoft Word - x.docx")."""
    text = collapse(str(title or ""))
    return text if text and not _JUNK_TITLE.search(text) else None


def _open_error(source: str, exc: Exception) -> Exception:
    msg = str(exc)
    if "password" in msg.lower() or "security" in msg.lower():
        return EncryptedPDF(source, "encrypted PDF: a password is needed to read it")
    return MalformedDocument(source, f"corrupt PDF ({msg})")


def _pages_pdfium(data: bytes, source: str) -> tuple[list[Page], str | None]:
    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise _open_error(source, exc) from exc
    try:
        title = useful_title(doc.get_metadata_dict().get("Title"))
        pages = []
        for i in range(len(doc)):
            page = doc[i]
            width, height = page.get_size()
            textpage = page.get_textpage()
            segments = _pdfium_segments(textpage, height)
            textpage.close()
            page.close()
            pages.append(Page(i + 1, width, height, segments, PDFIUM_CELL_GAP))
        return pages, title
    except pdfium.PdfiumError as exc:
        raise MalformedDocument(source, f"corrupt PDF ({exc})") from exc
    finally:
        doc.close()


def _pdfium_segments(textpage: pdfium.PdfTextPage, height: float) -> list[Segment]:
    """One segment per pdfium text rectangle. Rectangles cover consecutive characters, so each
    one's text is a slice of the page text between the first characters of it and the next
    (one cheap lookup each); when that mapping does not hold, ask pdfium per rectangle."""
    rects = [textpage.get_rect(k) for k in range(textpage.count_rects())]
    firsts = [pdfium_raw.FPDFText_GetCharIndexAtPos(textpage, left + 0.5, (bottom + top) / 2, 0.5,
                                             (top - bottom) / 2) for left, bottom, right, top in rects]
    full = textpage.get_text_range()
    sliced = (SLICE_TEXT and len(full) == textpage.count_chars() and all(f >= 0 for f in firsts)
              and all(a < b for a, b in zip(firsts, firsts[1:])))
    segments = []
    font = ctypes.create_string_buffer(256)
    for k, (left, bottom, right, top) in enumerate(rects):
        if sliced:
            text = full[firsts[k]: firsts[k + 1] if k + 1 < len(firsts) else len(full)]
        else:
            text = textpage.get_text_bounded(left, bottom, right, top)
        if not text.strip():
            continue
        size, bold = 0.0, False
        if firsts[k] >= 0:
            size = pdfium_raw.FPDFText_GetFontSize(textpage, firsts[k])
            n = pdfium_raw.FPDFText_GetFontInfo(textpage, firsts[k], font, len(font), None)
            bold = _is_bold(font.raw[:n])
        segments.append(Segment(_pdfium_text(text), left, height - top, right, height - bottom,
                                size or (top - bottom), bold))
    return segments


def _is_bold(fontname: bytes | str) -> bool:
    name = fontname.decode("latin-1") if isinstance(fontname, bytes) else fontname
    return bool(_BOLD_RE.search(name))


def _pdfium_text(text: str) -> str:
    # pdfium marks a hyphen at a line end as \x02 (or U+FFFE); the layout decides whether to join
    text = text.replace("\r", " ").replace("\n", " ")
    return re.sub(r"[\x02\ufffe]\s*$", "-", text).replace("\x02", "").replace("\ufffe", "")


def _pages_pdfplumber(data: bytes, source: str) -> tuple[list[Page], str | None]:
    import io  # noqa: PLC0415

    import pdfplumber  # noqa: PLC0415
    from pdfminer.pdfdocument import PDFPasswordIncorrect  # noqa: PLC0415

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:  # pdfminer raises many unrelated types on corrupt input
        if any(isinstance(e, PDFPasswordIncorrect) for e in (exc, *exc.args)):
            raise EncryptedPDF(source, "encrypted PDF: a password is needed to read it") from exc
        raise _open_error(source, exc) from exc
    try:
        title = pdf.metadata.get("Title")
        title = useful_title(title.decode("utf-8", "ignore") if isinstance(title, bytes) else title)
        pages = []
        for i, page in enumerate(pdf.pages):
            words = page.extract_words(use_text_flow=False, extra_attrs=["size", "fontname"])
            segments = [Segment(w["text"], w["x0"], w["top"], w["x1"], w["bottom"], w["size"],
                                _is_bold(w["fontname"])) for w in words]
            pages.append(Page(i + 1, float(page.width), float(page.height), segments, PDFPLUMBER_CELL_GAP,
                              words=True))
            page.close()
        return pages, title
    except Exception as exc:
        raise MalformedDocument(source, f"corrupt PDF ({type(exc).__name__}: {exc})") from exc
    finally:
        pdf.close()


# ---- layout: engine-free rules from positioned runs to blocks ---------------------------------

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
_MARKER_RE = re.compile(r"^[\d*\u2020\u2021,]{1,4}$")
_TERMINAL = (".", "!", "?", ":", ".\"", ".)")
# pdfium runs break only where the text object changes, so a gap of half an em between two runs
# is already a layout gap; pdfplumber hands over words, whose gaps stretch in justified text
PDFIUM_CELL_GAP = 0.6
PDFPLUMBER_CELL_GAP = 1.3
MARGIN = 0.12  # share of the page height at top and bottom where running lines live
EDGE = 0.08  # on a one-page PDF, small print this close to the top or bottom edge is running text
RUNNING_SHARE = 0.4  # a top/bottom line on at least this share of pages is a running header/footer


def layout_blocks(pages: list[Page]) -> list:
    """Blocks in reading order from positioned runs: see the module docstring."""
    rows_by_page = [_rows(p) for p in pages]
    rows_by_page = _drop_running_rows(pages, rows_by_page)
    lines: list[Line] = []
    for page, rows in zip(pages, rows_by_page):
        lines.extend(_order_page(page, rows))
    return _blocks_from_lines(lines)


def _rows(page: Page) -> list[list[Segment]]:
    """Runs grouped into rows sharing a baseline, each row split into cells at wide gaps."""
    segs = sorted((s for s in page.segments if s.text.strip()), key=lambda s: (s.top, s.x0))
    rows: list[list] = []
    for s in segs:
        if rows:
            top, bottom, members = rows[-1]
            overlap = min(bottom, s.bottom) - max(top, s.top)
            if overlap >= 0.5 * min(bottom - top, s.bottom - s.top):
                members.append(s)
                rows[-1][0], rows[-1][1] = min(top, s.top), max(bottom, s.bottom)
                continue
        rows.append([s.top, s.bottom, [s]])
    return [_cells(members, page.cell_gap, page.words) for _, _, members in rows]


def _cells(segs: list[Segment], cell_gap: float, words: bool) -> list[Segment]:
    segs = sorted(segs, key=lambda s: s.x0)
    main = max(segs, key=lambda s: len(s.text))
    limit = max(cell_gap * main.size, 4.0)
    gaps = [b.x0 - a.x1 for a, b in zip(segs, segs[1:])]
    if words and len(gaps) >= 2:  # justified text stretches every word gap of a line alike
        if max(gaps) <= 1.5 * min(gaps) and min(gaps) < 4 * main.size:
            limit = float("inf")
        elif min(gaps) < limit:  # ordinary word spacing: a gap twice as wide splits cells
            limit = max(2 * min(gaps), PDFIUM_CELL_GAP * main.size)
    cells: list[Segment] = []
    for s in segs:
        if (cells and _MARKER_RE.match(s.text.strip()) and s.size < 0.85 * main.size
                and s.bottom < main.bottom - 0.1 * main.size and s.x0 - cells[-1].x1 < 0.5 * main.size):
            continue  # a raised, smaller footnote marker glued to the word before it
        if cells and (s.x0 - cells[-1].x1 <= limit or _is_bullet(cells[-1].text)
                      or _runs_on(cells[-1], s, 2.5 * main.size)):
            c = cells[-1]
            glue = "" if c.text.endswith(" ") or s.text.startswith(" ") or s.x0 - c.x1 < 0.1 * s.size else " "
            cells[-1] = Segment(c.text + glue + s.text, c.x0, min(c.top, s.top), max(c.x1, s.x1),
                                max(c.bottom, s.bottom), max(c.size, s.size), c.bold and s.bold)
        else:
            cells.append(Segment(s.text, s.x0, s.top, s.x1, s.bottom, s.size, s.bold))
    for i, c in enumerate(cells):
        cells[i] = Segment(collapse(c.text), c.x0, c.top, c.x1, c.bottom, c.size, c.bold)
    return [c for c in cells if c.text]


def _runs_on(left: Segment, right: Segment, max_gap: float) -> bool:
    """A wide gap inside a sentence (justified text): "autonomous      replication"."""
    return (right.x0 - left.x1 < max_gap and right.text.lstrip()[:1].islower()
            and not left.text.rstrip().endswith((".", ":", ";")))


def _is_bullet(text: str) -> bool:
    return len(text.strip()) == 1 and strip_list_marker(text.strip() + " x") is not None


def _row_key(row: list[Segment]) -> str:
    return re.sub(r"\d+", "#", " ".join(c.text for c in row).lower())


def _margin_rows(page: Page, rows: list[list[Segment]]) -> list[int]:
    """Indices of the first and last two rows when they sit in the top/bottom margins."""
    idx = sorted(set(range(min(2, len(rows)))) | set(range(max(0, len(rows) - 2), len(rows))))
    return [i for i in idx if rows[i][0].top < MARGIN * page.height
            or rows[i][0].bottom > (1 - MARGIN) * page.height]


def _drop_running_rows(pages: list[Page], rows_by_page: list[list[list[Segment]]]) -> list:
    """Remove running headers/footers (same text, digits aside, on many pages) and page numbers."""
    counts: dict[str, int] = {}
    for page, rows in zip(pages, rows_by_page):
        for key in {_row_key(rows[i]) for i in _margin_rows(page, rows)}:
            counts[key] = counts.get(key, 0) + 1
    needed = max(2.0, RUNNING_SHARE * len(pages))
    doc_body = _body_size([r for rows in rows_by_page for r in rows])
    kept = []
    for page, rows in zip(pages, rows_by_page):
        margin = _margin_rows(page, rows)
        body = _body_size([r for r in rows if not _at_edge(page, r)] or rows)
        drop = {i for i in margin
                if (len(pages) >= 2 and counts.get(_row_key(rows[i]), 0) >= needed
                    and max(c.size for c in rows[i]) <= 1.05 * doc_body)  # never a heading

                or (len(pages) == 1 and _at_edge(page, rows[i]) and max(c.size for c in rows[i]) < 0.95 * body)
                or _PAGE_NUMBER_RE.match(" ".join(c.text for c in rows[i]))}
        kept.append([r for i, r in enumerate(rows) if i not in drop])
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
        if (crossing <= len(cells) / 3 and _is_column(left, page) and _is_column(right, page)
                and min(len(left), len(right)) > best_score):
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
    text = " ".join(c.text for c in row)
    cells = list(row) if len(row) >= 2 else None
    main = max(row, key=lambda c: len(c.text))
    return Line(text, page, row[0].x0, min(c.top for c in row), row[-1].x1, main.size, flow, cells,
                all(c.bold for c in row))


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
        if (line.flow != first.flow or abs(line.size - first.size) > 0.3
                or not 0 < line.top - prev.top <= 1.7 * line.size):
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
        cells = [Segment(rejoin_lines(t), x, group[0].top, x, group[0].top, group[0].size)
                 for t, x in zip(texts, cols)]
        head = group[0]
        rows.append(Line(" ".join(c.text for c in cells), head.page, head.x0, head.top, head.x1,
                         head.size, head.flow, cells))
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
            weights[round(ln.size * 2) / 2] = weights.get(round(ln.size * 2) / 2, 0) + len(ln.text)
        self.body = max(weights, key=weights.get) if weights else 10.0
        gaps = sorted(b.top - a.top for a, b in zip(lines, lines[1:])
                      if a.flow == b.flow and abs(a.size - self.body) < 0.6
                      and abs(b.size - self.body) < 0.6 and b.top > a.top)
        self.gap = gaps[len(gaps) // 2] if gaps else 1.2 * self.body
        self.bounds: dict[tuple, tuple[float, float]] = {}
        for ln in lines:
            lo, hi = self.bounds.get(ln.flow, (ln.x0, ln.x1))
            self.bounds[ln.flow] = (min(lo, ln.x0), max(hi, ln.x1))
        self.heading_sizes = sorted({round(ln.size * 2) / 2 for ln in lines
                                     if ln.size >= 1.15 * self.body and len(ln.text) <= 120}, reverse=True)
        self.vocab = vocabulary(ln.text for ln in lines)
        self._marker_xs: list[float] = []

    def indent(self, x0: float) -> int:
        """Nesting depth of a list marker at ``x0``: how many marker columns lie left of it."""
        if all(abs(x0 - x) > 3 for x in self._marker_xs):
            self._marker_xs.append(x0)
        return sum(x < x0 - 3 for x in self._marker_xs)


def _blocks_from_lines(lines: list[Line]) -> list:
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
        return (prev.flow == line.flow and abs(prev.size - line.size) < 0.3 and prev.bold == line.bold
                and 0 < line.top - prev.top <= 1.6 * line.size and len(open_.lines) < 3)
    if prev.flow != line.flow:  # column or page break: carry on only mid-sentence
        return not text.endswith(_TERMINAL) and (line.text[:1].islower() or text.endswith("-"))
    if abs(prev.size - line.size) > 0.6 or not 0 < line.top - prev.top <= 1.45 * flow.gap:
        return False
    left, right = flow.bounds[line.flow]
    width = right - left
    if text.endswith(_TERMINAL) and (prev.x1 < right - 0.12 * width or prev.bold != line.bold):
        return False  # a short last line closes the paragraph
    if open_.kind == "paragraph" and text.endswith(_TERMINAL) and line.x0 > left + line.size:
        return False  # first-line indent opens a new paragraph
    if open_.kind == "list_item" and line.x0 <= open_.lines[0].x0 + 2:
        # back at the marker's column: without a hanging indent, only a cut sentence carries on
        return not text.endswith(_TERMINAL) and line.text[:1].islower()
    return True


def _heading(line: Line, flow: _Flow, builder: BlockBuilder) -> tuple[int | None, object] | None:
    """(level, style) when the line starts a heading, else None."""
    text = line.text
    if not re.search(r"[A-Za-z]{2}", text) or len(text) > 120 or text.endswith((".", ",", ";")):
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


def _flush(builder: BlockBuilder, open_: _Open | None, flow: _Flow) -> None:
    if open_ is None:
        return
    page = open_.lines[0].page
    text = rejoin_lines([ln.text for ln in open_.lines], flow.vocab)
    if open_.kind == "heading":
        builder.heading(text, open_.level, open_.style, page)
        return
    text = _FOOTNOTE_AFTER_PUNCT_RE.sub("", _FOOTNOTE_RE.sub(r"\1", text))
    if open_.kind == "list_item":
        builder.list_item(strip_list_marker(text) or text, page, indent=flow.indent(open_.lines[0].x0))
    else:
        builder.paragraph(text, page)
