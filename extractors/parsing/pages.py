"""Pages of a transcribed text (``[[page N]]`` markers): which page each line is on, with page
numbers, running headers and footers blanked and footnotes moved out of the running text."""

from __future__ import annotations

import re
from collections.abc import Sequence

_PAGE_MARK = re.compile(r"^\s*\[\[\s*page\s+(\d{1,5})\s*\]\]\s*$", re.IGNORECASE)
_PAGE_NUMBER = re.compile(r"^\s*(?:page\s+)?(?:\d{1,4}|[ivxlc]{1,7})(?:\s*(?:/|of)\s*\d{1,4})?\s*$", re.IGNORECASE)
# A line at a page's edge is furniture when it recurs at the edges of this many pages (and of at
# least a quarter of them): a running header or footer, not a heading of the text.
_FURNITURE_PAGES = 3
_EDGE_LINES = 2  # non-blank lines looked at, at the top and at the bottom of each page


def page_lines(lines: Sequence[str]) -> list[tuple[str, int | None]]:
    """``lines`` with the page each one is on, for a text with ``[[page N]]`` markers.

    Without markers every line has page None and nothing else changes. With them: the marker
    lines go, and page numbers and running headers or footers at the edges of pages are
    blanked, so a paragraph that a page break cut goes on across them
    (``continues_across_blank``), on the page where it starts. Footnotes at the foot of a page
    (``_footnote_lines``) move out of the running text to the end, each a paragraph on its page,
    so that a sentence they interrupted is joined again.
    """
    if not any(_PAGE_MARK.match(ln) for ln in lines):
        return [(ln, None) for ln in lines]
    pages: list[tuple[int | None, list[str]]] = [(None, [])]
    for ln in lines:
        m = _PAGE_MARK.match(ln)
        if m:
            pages.append((int(m.group(1)), []))
        else:
            pages[-1][1].append(ln)
    recurring = _recurring_edges([body for _, body in pages])
    notes: list[tuple[str, int | None]] = []
    for page, body in pages:
        for k in _edge_indices(body):
            s = body[k].strip()
            if _PAGE_NUMBER.match(s) or _edge_key(s) in recurring:
                body[k] = ""
        for k in _footnote_lines(body):
            notes.append((body[k], page))
            body[k] = ""
            if k + 1 >= len(body) or not body[k + 1].strip():
                notes.append(("", page))  # each footnote stays a paragraph of its own
    return [(ln, page) for page, body in pages for ln in body] + [("", None), *notes]


# A footnote as transcribed at a page's foot: "9 The title of a paper" or "2 Following ...",
# after a blank line, its number referenced on the page as a marker glued to a word
# ("hierarchy9", "analysis2 has", "outputs.5").
_FOOTNOTE_START = re.compile(r"^\s*(\d{1,2})\s+[A-Z\"\u201c(\[]")


def _footnote_lines(body: Sequence[str]) -> list[int]:
    """Indices of the lines of the footnotes at the foot of a page ``body`` (furniture already
    blanked): the last paragraphs of the page, each starting with a number that the page's
    text above references as a footnote marker."""
    paragraphs: list[list[int]] = []
    for k, ln in enumerate(body):
        if not ln.strip():
            if paragraphs and paragraphs[-1]:
                paragraphs.append([])
            continue
        if not paragraphs:
            paragraphs.append([])
        paragraphs[-1].append(k)
    paragraphs = [p for p in paragraphs if p]
    found: list[int] = []
    while len(paragraphs) > 1:
        first = paragraphs[-1][0]
        m = _FOOTNOTE_START.match(body[first])
        if not m or len(paragraphs[-1]) > 4:
            break
        above = " ".join(body[k] for p in paragraphs[:-1] for k in p)
        marker = re.compile(rf"(?:(?<=[A-Za-z)\]\u201d\u2019])|(?<=[A-Za-z)][.,;:])){m.group(1)}(?=[\s.,;:)]|$)")
        if not marker.search(above):
            break
        found[:0] = paragraphs.pop()
    return found


def _edge_indices(body: Sequence[str]) -> list[int]:
    content = [k for k, ln in enumerate(body) if ln.strip()]
    return sorted(set(content[:_EDGE_LINES] + content[-_EDGE_LINES:]))


def _edge_key(line: str) -> str:
    """A running header's identity: its words without digits or markdown marks."""
    return re.sub(r"[\d#*_|]+", " ", line).strip().lower()


def _recurring_edges(bodies: Sequence[Sequence[str]]) -> set[str]:
    counts: dict[str, int] = {}
    for body in bodies:
        for key in {_edge_key(body[k]) for k in _edge_indices(body)}:
            if key and len(key.split()) <= 8:
                counts[key] = counts.get(key, 0) + 1
    need = max(_FURNITURE_PAGES, -(-len(bodies) // 4))
    return {k for k, n in counts.items() if n >= need}
