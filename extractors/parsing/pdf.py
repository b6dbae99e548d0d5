"""PDF -> blocks in reading order with page numbers and section paths: reading the PDF.

Two engines read positioned text runs ("segments") from the PDF: pypdfium2 (default, fast: one
rectangle per text run) and pdfplumber (optional, slower, word boxes). Runs on one baseline are
grouped into rows and split into cells at gaps wide for the engine (``page_rows``); the
engine-free rules from rows to blocks (running lines, columns, tables, paragraphs, list items,
headings) live in ``pdf_layout``."""

from __future__ import annotations

import ctypes
import re

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw

from labwatch.extractors.exceptions import EmptyDocument, EncryptedPDF, MalformedDocument, NoTextLayer
from labwatch.extractors.parsing.lines import collapse, strip_list_marker
from labwatch.extractors.parsing.pdf_layout import Page, Segment, layout_blocks
from labwatch.extractors.parsing.text import assemble_document
from labwatch.extractors.records import ParsedDocument

ENGINES = ("pypdfium2", "pdfplumber")
_BOLD_RE = re.compile(r"bold|black|heavy|semibold|demi", re.I)
_LINE_END_HYPHEN_RE = re.compile(r"[\x02\ufffe]\s*$")
_MARKER_RE = re.compile(r"^[\d*\u2020\u2021,]{1,4}$")
# pdfium runs break only where the text object changes, so a gap of half an em between two runs
# is already a layout gap; pdfplumber hands over words, whose gaps stretch in justified text
PDFIUM_CELL_GAP = 0.6
PDFPLUMBER_CELL_GAP = 1.3
SLICE_TEXT = True  # pypdfium2: slice the page text by rectangle (fast) instead of asking per rectangle


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
        raise NoTextLayer(source, f"none of its {len(pages)} pages has a text layer (scanned or image-only; needs OCR)")
    warnings = [f"page {n} has no text layer" for n in empty]
    blocks = layout_blocks(pages, [page_rows(p) for p in pages])
    return assemble_document(
        blocks, format="pdf", parser=parser, source=source, n_pages=len(pages), title=title, warnings=warnings
    )


def check_pdf_bytes(data: bytes, source: str) -> None:
    """Refuse bytes that are not a whole PDF before any engine sees them."""
    if not data:
        raise EmptyDocument(source, "empty file (0 bytes)")
    if b"%PDF-" not in data[:1024]:
        raise MalformedDocument(source, "not a PDF: no %PDF- header in the first 1 KB")
    if b"%%EOF" not in data[-4096:]:
        raise MalformedDocument(source, "truncated PDF: no %%EOF marker at the end")


_JUNK_TITLE = re.compile(r"^(?:microsoft \w+ - |untitled|document\d*$|slide \d)|\.(?:docx?|pdf|indd|pptx?|tex)$", re.I)


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
    rects, firsts = _pdfium_rects(textpage)
    full = textpage.get_text_range()
    sliced = (
        SLICE_TEXT
        and len(full) == textpage.count_chars()
        and all(f >= 0 for f in firsts)
        and all(a < b for a, b in zip(firsts, firsts[1:]))
    )
    raw = textpage.raw
    font_size, font_info = pdfium_raw.FPDFText_GetFontSize, pdfium_raw.FPDFText_GetFontInfo
    font = ctypes.create_string_buffer(256)
    fonts: dict[bytes, bool] = {}
    segments = []
    for k, (left, bottom, right, top) in enumerate(rects):
        if sliced:
            text = full[firsts[k] : firsts[k + 1] if k + 1 < len(firsts) else len(full)]
        else:
            text = textpage.get_text_bounded(left, bottom, right, top)
        if not text.strip():
            continue
        size, bold = 0.0, False
        if firsts[k] >= 0:
            size = font_size(raw, firsts[k])
            n = font_info(raw, firsts[k], font, len(font), None)
            name = font.raw[:n]
            bold = fonts.get(name)
            if bold is None:
                bold = fonts[name] = _is_bold(name)
        segments.append(
            Segment(_pdfium_text(text), left, height - top, right, height - bottom, size or (top - bottom), bold)
        )
    return segments


def _pdfium_rects(textpage: pdfium.PdfTextPage) -> tuple[list[tuple[float, float, float, float]], list[int]]:
    """Every text rectangle (left, bottom, right, top) and the index of the character under its
    left edge (-1 if none): raw pdfium calls with reused buffers, no wrapper objects per call."""
    raw = textpage.raw
    count = pdfium_raw.FPDFText_CountRects(raw, 0, -1)
    if count < 0:
        raise pdfium.PdfiumError("Failed to count rectangles.")
    get_rect, at_pos = pdfium_raw.FPDFText_GetRect, pdfium_raw.FPDFText_GetCharIndexAtPos
    left, bottom, right, top = ctypes.c_double(), ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
    refs = ctypes.byref(left), ctypes.byref(top), ctypes.byref(right), ctypes.byref(bottom)
    rects, firsts = [], []
    for k in range(count):
        if not get_rect(raw, k, *refs):
            raise pdfium.PdfiumError(f"Failed to get text rectangle {k}.")
        box = l, b, r, t = left.value, bottom.value, right.value, top.value
        rects.append(box)
        # pdfium returns the first character whose box holds the point, and only without one
        # the nearest within the tolerance: asking without tolerance first gives the same
        # answer, and pdfium's scan over the page's characters is much cheaper that way
        first = at_pos(raw, l + 0.5, (b + t) / 2, 0.0, 0.0)
        firsts.append(first if first >= 0 else at_pos(raw, l + 0.5, (b + t) / 2, 0.5, (t - b) / 2))
    return rects, firsts


def _is_bold(fontname: bytes | str) -> bool:
    name = fontname.decode("latin-1") if isinstance(fontname, bytes) else fontname
    return bool(_BOLD_RE.search(name))


def _pdfium_text(text: str) -> str:
    # pdfium marks a hyphen at a line end as \x02 (or U+FFFE); the layout decides whether to join
    text = text.replace("\r", " ").replace("\n", " ")
    if "\x02" not in text and "\ufffe" not in text:
        return text
    return _LINE_END_HYPHEN_RE.sub("-", text).replace("\x02", "").replace("\ufffe", "")


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
            segments = [
                Segment(w["text"], w["x0"], w["top"], w["x1"], w["bottom"], w["size"], _is_bold(w["fontname"]))
                for w in words
            ]
            pages.append(Page(i + 1, float(page.width), float(page.height), segments, PDFPLUMBER_CELL_GAP, words=True))
            page.close()
        return pages, title
    except Exception as exc:
        raise MalformedDocument(source, f"corrupt PDF ({type(exc).__name__}: {exc})") from exc
    finally:
        pdf.close()


# ---- runs -> rows of cells: the gaps that split cells depend on what an engine calls a run ----


def page_rows(page: Page) -> list[list[Segment]]:
    """A page's runs grouped into rows sharing a baseline, each row split into cells at wide gaps."""
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
    if len(segs) == 1:  # a single run: nothing to split or glue
        s = segs[0]
        text = collapse(s.text)
        return [Segment(text, s.x0, s.top, s.x1, s.bottom, s.size, s.bold)] if text else []
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
        if (
            cells
            and _MARKER_RE.match(s.text.strip())
            and s.size < 0.85 * main.size
            and s.bottom < main.bottom - 0.1 * main.size
            and s.x0 - cells[-1].x1 < 0.5 * main.size
        ):
            continue  # a raised, smaller footnote marker glued to the word before it
        if cells and (
            s.x0 - cells[-1].x1 <= limit or _is_bullet(cells[-1].text) or _runs_on(cells[-1], s, 2.5 * main.size)
        ):
            c = cells[-1]
            glue = "" if c.text.endswith(" ") or s.text.startswith(" ") or s.x0 - c.x1 < 0.1 * s.size else " "
            cells[-1] = Segment(
                c.text + glue + s.text,
                c.x0,
                min(c.top, s.top),
                max(c.x1, s.x1),
                max(c.bottom, s.bottom),
                max(c.size, s.size),
                c.bold and s.bold,
            )
        else:
            cells.append(Segment(s.text, s.x0, s.top, s.x1, s.bottom, s.size, s.bold))
    for i, c in enumerate(cells):
        cells[i] = Segment(collapse(c.text), c.x0, c.top, c.x1, c.bottom, c.size, c.bold)
    return [c for c in cells if c.text]


def _runs_on(left: Segment, right: Segment, max_gap: float) -> bool:
    """A wide gap inside a sentence (justified text): "autonomous      replication"."""
    return (
        right.x0 - left.x1 < max_gap
        and right.text.lstrip()[:1].islower()
        and not left.text.rstrip().endswith((".", ":", ";"))
    )


def _is_bullet(text: str) -> bool:
    return len(text.strip()) == 1 and strip_list_marker(text.strip() + " x") is not None
