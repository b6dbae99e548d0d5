"""The shape of one line or paragraph of text, shared by every parser: what a heading and a list
marker look like, markdown emphasis reduced to words, and wrapped lines rejoined (hyphenation)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

BULLET_RE = re.compile(
    r"^(?:[\u2022\u25cf\u25cb\u25aa\u25a0\u25a1\u25e6\u25b8\u25ba\u27a2\u2023\u2043\u2219\u00b7\-\*\u2013\u2014+o])\s+(?=\S)"
)
# An enumerator and the space after it; a transcription may glue a parenthesised one to its
# first word ("(1)conducting model evaluations: ...").
ENUM_RE = re.compile(
    r"^(?:(?:\(?[0-9]{1,2}[.)]|\([a-z]{1,4}\)|[a-z][.)]|[ivx]{1,4}[.)])\s+(?=\S)|\((?:[0-9]{1,2}|[a-z]{1,3})\)(?=[A-Za-z]))"
)
MD_HEADING_RE = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
NUMBERED_HEADING_RE = re.compile(r"^((?:\d{1,2})(?:\.\d{1,2}){0,4})\.?\s+(\S.*)$")
NAMED_HEADING_RE = re.compile(r"^(?:Section|Part|Chapter|Appendix|Annex|Schedule)\s+[0-9A-Z][0-9A-Z.]*\b")
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


# A dateline ("Last updated: December 30, 2025", "Effective date: 1 May 2026", "Version 2.1"):
# a line of its own, never the start of the sentence on the next line.
DATELINE_RE = re.compile(
    r"^\W*(?:(?:last )?(?:updated|revised|modified)|effective(?: date| from)?|published|version|date)\b[\s:]*"
    r"(?:(?:on|as of)\s+)?(?:[A-Z][a-z]+\.? \d{1,2},? \d{4}|\d{1,2} [A-Z][a-z]+\.? \d{4}|\d{4}-\d{2}-\d{2}|"
    r"[A-Z][a-z]+ \d{4}|v?\d+(?:\.\d+){0,2})\W*$",
    re.IGNORECASE,
)


def goes_on_in_lower_case(line: str) -> bool:
    """True when ``line`` starts with a word in lower case, so it can carry on a sentence.

    A name with capitals inside it ("xAI", "iOS", "eBay") opens a sentence of its own even
    though its first letter is small."""
    word = line.lstrip().split(maxsplit=1)[0] if line.strip() else ""
    return word[:1].islower() and not any(c.isupper() for c in word)


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
