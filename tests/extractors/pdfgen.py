"""Build policy-like PDFs with fpdf2 for tests (importable by any test module).

``make_policy_pdf(None, pages)`` returns the PDF bytes; each page is a list of items:

- ``"# Title"`` / ``"## Subtitle"``: a heading in a larger font (15 pt / 13 pt);
- ``"- text"``: a bulleted item (drawn with a bullet glyph, text indented);
- ``"| a | b |"``: a table row; consecutive rows form one table;
- anything else: a paragraph. ``"\\n"`` inside forces a line break (e.g. ``"commit-\\nment"``
  for a word hyphenated across lines); ``"^4"`` draws a superscript footnote marker "4".

Every page gets the running ``header`` and, with ``footer_page_numbers``, a "Page N of M"
footer (plus ``footer`` text if given). Pages whose index is in ``two_column_pages`` are set in
two columns: the items are split in two halves, left column first.
"""

from __future__ import annotations

import io
import random
import re
from pathlib import Path

from fpdf import FPDF

BODY_SIZE = 11
LINE_H = 5.5
_SUP = re.compile(r"\^(\d{1,2})")


class _PolicyPDF(FPDF):
    def __init__(self, header: str | None, footer: str | None, numbers: bool, notes: dict | None = None) -> None:
        super().__init__(format="A4")
        self.core_fonts_encoding = "windows-1252"  # bullets and dashes in the core fonts
        self._header, self._footer, self._numbers = header, footer, numbers
        self._notes = notes or {}
        self.set_auto_page_break(True, margin=32 if notes else 20)

    def header(self) -> None:
        if self._header:
            self.set_font("Helvetica", "", 9)
            self.set_y(8)
            self.cell(0, 5, self._header, align="C")
            self.set_y(20)

    def footer(self) -> None:
        note = self._notes.get(self.page_no() - 1)
        if note:  # a footnote at the foot of the page, in small print above the footer
            self.set_font("Helvetica", "", 8)
            self.set_y(-28)
            self.cell(0, 4, note, align="L")
        self.set_font("Helvetica", "", 9)
        if self._footer:
            self.set_y(-16)
            self.cell(0, 4, self._footer, align="L")
        if self._numbers:
            self.set_y(-12)
            self.cell(0, 4, f"Page {self.page_no()} of {{nb}}", align="C")


def make_policy_pdf(
    path: str | Path | None,
    pages: list[list[str]],
    *,
    header: str | None = "Northwind Labs | Frontier Safety Policy",
    footer: str | None = None,
    footer_page_numbers: bool = True,
    two_column_pages: tuple[int, ...] | set[int] = (),
    title: str | None = None,
    user_password: str | None = None,
    column_ratio: float = 0.5,
    footnotes: dict[int, str] | None = None,
) -> bytes:
    """PDF bytes for ``pages`` (see the module docstring); also written to ``path`` if given.

    ``user_password`` encrypts the file so it cannot be opened without it. ``column_ratio`` is
    the left column's share of the text width on two-column pages. ``footnotes`` maps a page
    index to a footnote drawn in small print at that page's foot.
    """
    pdf = _PolicyPDF(header, footer, footer_page_numbers, footnotes)
    if title:
        pdf.set_title(title)
    for index, items in enumerate(pages):
        pdf.add_page()
        if index in two_column_pages:
            _two_columns(pdf, items, column_ratio)
        else:
            _flow(pdf, items, pdf.l_margin, pdf.epw)
    if user_password:
        pdf.set_encryption(owner_password=user_password + "-owner", user_password=user_password)
    data = bytes(pdf.output())
    if path is not None:
        Path(path).write_bytes(data)
    return data


def _two_columns(pdf: FPDF, items: list[str], ratio: float = 0.5) -> None:
    gutter = 10
    width = (pdf.epw - gutter) * ratio
    right_width = pdf.epw - gutter - width
    total = sum(len(i) for i in items)
    split, run = len(items), 0
    for k, item in enumerate(items):
        run += len(item)
        if run >= total / 2:
            split = k + 1
            break
    top = pdf.get_y()
    _flow(pdf, items[:split], pdf.l_margin, width)
    pdf.set_y(top)
    _flow(pdf, items[split:], pdf.l_margin + width + gutter, right_width)


def _flow(pdf: FPDF, items: list[str], x: float, width: float) -> None:
    table: list[list[str]] = []
    for item in items + [""]:
        if item.startswith("|"):
            table.append([c.strip() for c in item.strip().strip("|").split("|")])
            continue
        if table:
            _table(pdf, table, x, width)
            table = []
        if not item:
            continue
        if item.startswith("#"):
            level = len(item) - len(item.lstrip("#"))
            pdf.set_font("Helvetica", "B", 15 if level == 1 else 13)
            pdf.set_x(x)
            pdf.multi_cell(width, 8, item.lstrip("# ").strip(), new_x="LEFT", new_y="NEXT")
            pdf.ln(2)
        elif item.startswith("- "):
            pdf.set_font("Helvetica", "", BODY_SIZE)
            pdf.set_x(x)
            pdf.cell(6, LINE_H, "\u2022")
            _paragraph(pdf, item[2:], x + 6, width - 6)
            pdf.ln(1)
        else:
            pdf.set_font("Helvetica", "", BODY_SIZE)
            _paragraph(pdf, item, x, width)
            pdf.ln(3)


def _paragraph(pdf: FPDF, text: str, x: float, width: float) -> None:
    """Paragraph text with forced breaks and superscript markers, wrapped within ``width``."""
    pdf.set_left_margin(x)
    old_right = pdf.r_margin
    pdf.set_right_margin(pdf.w - x - width)
    pdf.set_x(x)
    for i, line in enumerate(text.split("\n")):
        if i:
            pdf.ln(LINE_H)
        for k, part in enumerate(_SUP.split(line)):
            if k % 2:
                pdf.char_vpos = "SUP"
                pdf.write(LINE_H, part)
                pdf.char_vpos = "LINE"
            elif part:
                pdf.write(LINE_H, part)
    pdf.ln(LINE_H)
    pdf.set_left_margin(10)
    pdf.set_right_margin(old_right)


def _table(pdf: FPDF, rows: list[list[str]], x: float, width: float) -> None:
    pdf.set_font("Helvetica", "", BODY_SIZE - 1)
    pdf.set_x(x)
    with pdf.table(width=width, align="LEFT", first_row_as_headings=False, line_height=LINE_H + 1) as table:
        for cells in rows:
            row = table.row()
            for cell in cells:
                row.cell(cell)
    pdf.ln(3)


def make_image_only_pdf(path: str | Path | None = None, n_pages: int = 2) -> bytes:
    """A PDF whose pages carry only a raster image and shapes: no text layer at all."""
    from PIL import Image, ImageDraw  # noqa: PLC0415 (Pillow ships with fpdf2)

    img = Image.new("RGB", (400, 200), "white")
    ImageDraw.Draw(img).rectangle((20, 20, 380, 60), fill="black")
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    pdf = FPDF()
    for _ in range(n_pages):
        pdf.add_page()
        pdf.image(io.BytesIO(buf.getvalue()), x=20, y=30, w=160)
        pdf.rect(20, 150, 100, 20)
    data = bytes(pdf.output())
    if path is not None:
        Path(path).write_bytes(data)
    return data


_SUBJECTS = [
    "The safety team",
    "Our board",
    "The risk committee",
    "Northwind Labs",
    "Each model team",
    "The evaluation group",
    "An external reviewer",
    "The security office",
]
_VERBS = [
    "will assess",
    "reviews",
    "will document",
    "commits to publish",
    "must approve",
    "will test",
    "shall record",
    "aims to measure",
]
_OBJECTS = [
    "dangerous capabilities in every frontier model",
    "the results of each red-team exercise",
    "changes to the responsible scaling policy",
    "incidents reported by staff",
    "access granted to outside evaluators",
    "thresholds for autonomous replication",
    "the effective compute used in each training run",
    "safeguards before deployment",
]
_TAILS = [
    "before release",
    "every three months",
    "within thirty days",
    "at each checkpoint",
    "with the board's approval",
    "after each major update",
    "in a public report",
    "without delay",
]


def sample_sentences(n: int, seed: int = 7) -> list[str]:
    """``n`` distinct invented policy sentences (deterministic for a seed)."""
    rng = random.Random(seed)
    seen: list[str] = []
    while len(seen) < n:
        s = f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} {rng.choice(_TAILS)}"
        s += f" under clause {len(seen) + 1}."
        seen.append(s)
    return seen


def make_long_policy_pdf(n_pages: int = 40, *, seed: int = 7) -> tuple[bytes, list[str]]:
    """A policy of ``n_pages`` pages (every fourth one in two columns) and its sentences."""
    sentences = sample_sentences(n_pages * 9, seed)
    pages, two_col = [], set()
    for p in range(n_pages):
        chunk = sentences[p * 9 : (p + 1) * 9]
        pages.append(
            [f"## Part {p + 1} Oversight Duties", " ".join(chunk[:3]), " ".join(chunk[3:6]), " ".join(chunk[6:9])]
        )
        if p % 4 == 3:
            two_col.add(p)
    return make_policy_pdf(None, pages, two_column_pages=two_col, title="Northwind Safety Policy"), sentences
