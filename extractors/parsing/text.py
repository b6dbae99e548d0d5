"""Plain text and markdown -> blocks, and the block-building rules the PDF and HTML parsers share.

Shared rules: what a heading looks like, what a list marker is, how a list inherits its
lead-in ("We will:"), how wrapped lines are rejoined (hyphenation), how sections nest, and how
blocks are laid end to end into ``ParsedDocument.text`` with exact offsets.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from labwatch.extractors.exceptions import EmptyDocument, UnsupportedFormat
from labwatch.extractors.records import Block, ParsedDocument

BLOCK_SEPARATOR = "\n\n"

BULLET_RE = re.compile(
    r"^(?:[\u2022\u25cf\u25cb\u25aa\u25a0\u25a1\u25e6\u25b8\u25ba\u27a2\u2023\u2043\u2219\u00b7\-\*\u2013\u2014+o])\s+(?=\S)"
)
ENUM_RE = re.compile(r"^(?:\(?[0-9]{1,2}[.)]|\([a-z]{1,4}\)|[a-z][.)]|[ivx]{1,4}[.)])\s+(?=\S)")
MD_HEADING_RE = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
NUMBERED_HEADING_RE = re.compile(r"^((?:\d{1,2})(?:\.\d{1,2}){0,4})\.?\s+(\S.*)$")
NAMED_HEADING_RE = re.compile(r"^(?:Section|Part|Chapter|Appendix|Annex|Schedule)\s+[0-9A-Z][0-9A-Z.]*\b")
TABLE_SEP_RE = re.compile(r"^\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?$")
SETEXT_RE = re.compile(r"^(={3,}|-{3,})\s*$")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
_SMALL_WORDS = {
    "a",
    "an",
    "and",
    "as",
    "at",
    "by",
    "for",
    "from",
    "in",
    "into",
    "of",
    "on",
    "or",
    "the",
    "to",
    "vs",
    "via",
    "with",
    "our",
    "its",
}
_HYPHEN_PREFIXES = {
    "self",
    "non",
    "well",
    "third",
    "first",
    "second",
    "long",
    "short",
    "high",
    "low",
    "cross",
    "pre",
    "post",
    "anti",
    "co",
    "multi",
    "semi",
    "sub",
    "ex",
    "red",
    "open",
    "real",
    "end",
    "state",
    "risk",
    "model",
    "human",
}
_SUFFIX_RE = re.compile(
    r"^(?:ment|ments|tion|tions|sion|sions|ing|ings|ity|ities|ness|ance|ances|ence|ences|able|"
    r"ible|ably|ibly|al|ally|ly|ous|ive|ives|ure|ures|ed|er|ers|est|ism|ist|ists|ize|ise|ized|"
    r"ised|izes|ation|ations|ual|ually|ology|ologies|ic|ical|ically|ant|ants|ent|ents)\W*$"
)
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z\-]*[A-Za-z]")
_EMPHASIS_RE = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1|(?<![\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?![\w*])")
_LINK_RE = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_CODE_RE = re.compile(r"`([^`]+)`")
_ESCAPE_RE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>])")
_TERMINAL = ".;:,!?"
_CLOSING = ".;:!?"  # a line ending otherwise leaves its sentence open


def collapse(text: str) -> str:
    """Single-spaced text without soft hyphens or control characters."""
    if text.isascii() and text.isprintable() and "  " not in text and text[:1] != " " != text[-1:]:
        return text  # already single-spaced: ASCII whitespace but the space is not printable
    if "\u00ad" in text or "\x02" in text or "\ufffe" in text:
        text = text.replace("\u00ad", "").replace("\x02", "").replace("\ufffe", "")
    # str.split() and the regex class \s agree on what whitespace is; split is much faster
    return " ".join(text.split())


def last_sentence(text: str) -> str:
    """The last sentence of a paragraph (what a list's lead-in is)."""
    parts = _SENTENCE_SPLIT.split(text.strip())
    return parts[-1].strip() if parts else text.strip()


def strip_list_marker(line: str) -> str | None:
    """The item text when ``line`` starts with a bullet or enumerator, else None."""
    s = line.strip()
    m = BULLET_RE.match(s) or ENUM_RE.match(s)
    return s[m.end() :] if m else None


def starts_item(line: str, previous: str | None) -> str | None:
    """The item text when ``line`` opens a list item after ``previous`` (the line before it).

    A number at the start of a line that follows a sentence cut mid-way ("... under clause" /
    "53. The board ...") continues that sentence; bullets always open an item.
    """
    s = line.strip()
    m = BULLET_RE.match(s)
    if m:
        return s[m.end() :]
    m = ENUM_RE.match(s)
    if not m:
        return None
    if previous is not None and previous.strip() and not previous.rstrip().endswith((".", ":", ";", "!", "?")):
        return None
    return s[m.end() :]


def _is_title_text(title: str, max_words: int = 12) -> bool:
    words = title.split()
    return (
        0 < len(words) <= max_words
        and len(title) <= 100
        and title[-1] not in _TERMINAL
        and (title[0].isupper() or title[0].isdigit())
    )


def heading_level(line: str, *, standalone: bool) -> tuple[int | None, str, str] | None:
    """Classify ``line`` as a heading: (explicit level or None, title, style) or None.

    Markdown "#" and numbered headings ("3. Governance", "3.1 Reviews") carry their level;
    ALL CAPS lines, "Appendix A" and (when ``standalone``) short Title Case lines have none,
    and nest by their style ("caps", "named", "title").
    """
    s = line.strip()
    if not s:
        return None
    m = MD_HEADING_RE.match(s)
    if m:
        return len(m.group(1)), collapse(strip_emphasis(m.group(2))), "md"
    m = NUMBERED_HEADING_RE.match(s)
    if m and _is_title_text(m.group(2)) and re.search(r"[A-Za-z]{2}", m.group(2)):
        return m.group(1).count(".") + 1, s, "numbered"
    if not _is_title_text(s) or not re.search(r"[A-Za-z]{2}", s):
        return None
    letters = [c for c in s if c.isalpha()]
    if len(letters) >= 3 and all(c.isupper() for c in letters):
        return None, s, "caps"
    if NAMED_HEADING_RE.match(s):
        return None, s, "named"
    if standalone and len(s.split()) <= 10 and is_title_case(s):
        return None, s, "title"
    return None


def is_title_case(s: str) -> bool:
    """True when every significant word starts with a capital ("Risk Assessment and Review")."""
    words = [w.strip("()[]\"'\u2018\u2019\u201c\u201d") for w in s.split()]
    words = [w for w in words if w]
    if not words or not words[0][:1].isupper() or words[-1].lower() in _SMALL_WORDS - {"our", "its"}:
        return False
    return all(w[0].isupper() or w[0].isdigit() or not w[0].isalpha() or w.lower() in _SMALL_WORDS for w in words)


def strip_emphasis(text: str) -> str:
    """Markdown emphasis, code spans, escapes and links reduced to their words."""
    text = _LINK_RE.sub(lambda m: m.group(1), text)
    text = _CODE_RE.sub(lambda m: m.group(1), text)
    text = _ESCAPE_RE.sub(lambda m: m.group(1), text)
    return _EMPHASIS_RE.sub(lambda m: m.group(2) or m.group(3) or "", text)


def vocabulary(texts: Iterable[str]) -> set[str]:
    """Lower-cased words (hyphenated forms included) seen in a document: evidence for rejoining."""
    # one pass over all texts: a newline never belongs to a word, so no word spans two texts
    return set(map(str.lower, _WORD_RE.findall("\n".join(texts))))


def join_hyphenated(left: str, right: str, vocab: set[str]) -> str:
    """Join a word split across lines at a hyphen: "commit-" + "ment" -> "commitment".

    The document's own words decide first (the joined or hyphenated form seen elsewhere);
    then known compound prefixes keep the hyphen, and suffix-like tails join.
    """
    lw = re.search(r"[A-Za-z]+$", left)
    rw = re.match(r"[A-Za-z]+", right)
    if not lw or not rw:
        return left + "-" + right
    a, b = lw.group(0), rw.group(0)
    joined, hyphenated = (a + b).lower(), f"{a}-{b}".lower()
    if joined in vocab and hyphenated not in vocab:
        return left + right
    if hyphenated in vocab or a.lower() in _HYPHEN_PREFIXES or b[0].isupper():
        return left + "-" + right
    if _SUFFIX_RE.match(b.lower()) or len(b) <= 2 or len(a) <= 2:
        return left + right
    return left + "-" + right


def rejoin_lines(lines: Sequence[str], vocab: set[str] | None = None) -> str:
    """Lines of one paragraph as one string; end-of-line hyphenation and soft hyphens resolved."""
    vocab = vocab or set()
    out = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if not out:
            out = line
        elif out.endswith(("\u00ad", "\x02", "\ufffe")):
            out = out[:-1] + line
        elif out.endswith("-") and len(out) > 1 and out[-2].isalpha() and line[:1].isalpha():
            out = join_hyphenated(out[:-1], line, vocab)
        else:
            out = out + " " + line
    return collapse(out)


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
    if not line[:1].islower() or last.endswith(tuple(_CLOSING)) or not last:
        return False
    return not (MD_HEADING_RE.match(last.strip()) or last.strip().startswith("|"))


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
        first = not para and item is None
        head = heading_level(s, standalone=len(lines) == 1) if first else None
        if head and nxt[:1].islower() and not MD_HEADING_RE.match(s):
            head = None  # the line wraps on into the next one: a sentence, not a heading
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


def _list_context(builder: BlockBuilder, line: str, marker_lines: int) -> bool:
    """True when a numbered line is better read as a list item than as a heading."""
    if strip_list_marker(line) is None:
        return False
    return builder.in_list or marker_lines >= 2


def _continues_item(item: list[str], line: str) -> bool:
    last = item[-1].rstrip()
    return line[:1].islower() or not last.endswith((".", "!", "?", ";"))


def parse_text(data: bytes | str, *, source: str, parser: str) -> ParsedDocument:
    """Plain text or markdown bytes -> ParsedDocument (format "text").

    Raises EmptyDocument (nothing but whitespace) or UnsupportedFormat (binary bytes).
    """
    text = data if isinstance(data, str) else decode_bytes(data, source)
    blocks = text_blocks(text)
    pages = {b.page for b in blocks if b.page is not None}
    return assemble_document(blocks, format="text", parser=parser, source=source, n_pages=max(pages) if pages else None)
