"""Safe HTML for crawled text: every character of a document is escaped before any tag we add.

Streamlit's markdown would otherwise read a quote's ``<script>``, ``[link](javascript:...)``,
``$maths$``, ``:red[colour]`` or ``**bold**`` as markup. ``escape_text`` turns HTML and markdown
syntax into character references, so a document's text always renders as the text it is; the
only tags in the output are the ``<strong>``/``<mark>``/``<span>`` this module adds itself.
"""

from __future__ import annotations

import difflib
import re
from urllib.parse import quote, urlsplit, urlunsplit

# HTML's special characters and those markdown (and Streamlit's extensions: colours, emoji,
# maths) would interpret, all as numeric character references in one pass.
_INERT = str.maketrans(
    {
        **{c: f"&#{ord(c)};" for c in "\\`*_{}[]()#+-.!|~$:^="},
        "<": "&lt;",
        ">": "&gt;",
        "&": "&amp;",
        '"': "&quot;",
        "'": "&#x27;",
    }
)
_WS = re.compile(r"\s+")

MARK_OLD = '<mark style="background:#ffd6d6">'
MARK_NEW = '<mark style="background:#c9f2c9">'


def escape_text(text: str | None) -> str:
    """Text made inert for ``st.markdown(..., unsafe_allow_html=True)``: HTML and markdown escaped,
    whitespace collapsed."""
    if not text:
        return ""
    return _WS.sub(" ", text).strip().translate(_INERT)


def quote_in_context(neighbours: list[dict], *, lead_in: str | None = None, context: str | None = None) -> str:
    """The passage in bold inside its paragraph: the preceding passage (or the stored ``context``),
    the list ``lead_in`` if any, the passage, then the following passages. ``neighbours`` are the
    version's passages in seq order, each with ``text`` and ``is_self``."""
    before, self_text, after = [], None, []
    for n in neighbours:
        if n.get("is_self"):
            self_text = n["text"]
        elif self_text is None:
            before.append(n["text"])
        else:
            after.append(n["text"])
    if not before and context:
        before = [context]
    parts = [f'<span style="color:#666">{escape_text(t)}</span>' for t in before]
    if lead_in and lead_in not in before:
        parts.append(f"<em>{escape_text(lead_in)}</em>")
    parts.append(f'<strong style="background:#fff3b0">{escape_text(self_text or "")}</strong>')
    parts.extend(f'<span style="color:#666">{escape_text(t)}</span>' for t in after)
    return " ".join(parts)


def word_diff(old: str | None, new: str | None) -> tuple[str, str]:
    """Old and new wording as safe HTML with the words that differ wrapped in ``<mark>``."""
    a, b = (old or "").split(), (new or "").split()
    left, right = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        old_words, new_words = escape_text(" ".join(a[i1:i2])), escape_text(" ".join(b[j1:j2]))
        if op == "equal":
            left.append(old_words)
            right.append(new_words)
            continue
        if old_words:
            left.append(f"{MARK_OLD}{old_words}</mark>")
        if new_words:
            right.append(f"{MARK_NEW}{new_words}</mark>")
    return " ".join(left), " ".join(right)


def source_link(source: str | None, source_url: str | None, page: int | None, fmt: str | None) -> str | None:
    """An http(s) address for the passage's source, with ``#page=N`` for PDFs; None when the
    source is a local file or not a web address."""
    for candidate in (source, source_url):
        if not candidate:
            continue
        parts = urlsplit(candidate.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            continue
        is_pdf = fmt == "pdf" or parts.path.lower().endswith(".pdf")
        fragment = f"page={int(page)}" if is_pdf and page else parts.fragment
        path = quote(parts.path, safe="/%:@!$&'*+,;=-._~")
        return urlunsplit((parts.scheme, parts.netloc, path, parts.query, fragment))
    return None
