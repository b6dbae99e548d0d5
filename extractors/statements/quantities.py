"""Numbers with units and conditions: the quantitative part of commitment features.

"every 3 months", "4x effective compute", "30 days", "1%" are normalised so that versions can be
compared ("every 3 months" -> "every 6 months" is a weaker commitment); conditions and triggers
("if ...", "unless ...", "before ...", "where feasible") are kept as short phrases.
"""

from __future__ import annotations

import re

_W = str.split

BOUNDARY = {",", ";", ":", "(", ")", "—", "–", "[", "]", "|"}
# qualifiers ("where feasible") are kept as conditions: they loosen a commitment, they do not
# turn it into an aim (the labeled data treats "will ..., where appropriate" as a commitment)
QUALIFIERS = (
    "where feasible",
    "where possible",
    "where appropriate",
    "wherever appropriate",
    "as appropriate",
    "as needed",
    "when feasible",
    "to the extent",
)
CONDITION_MARKERS = (
    "if",
    "unless",
    "until",
    "before",
    "after",
    "when",
    "whenever",
    "once",
    "upon",
    "prior to",
    "in the event",
    "as soon as",
    "provided that",
) + QUALIFIERS


_NUM_WORDS = {
    w: str(i) for i, w in enumerate(_W("zero one two three four five six seven eight nine ten eleven twelve"))
}
_NUM_WORDS.update(
    {
        "fifteen": "15",
        "twenty": "20",
        "thirty": "30",
        "forty": "40",
        "fifty": "50",
        "sixty": "60",
        "ninety": "90",
        "hundred": "100",
    }
)
_NUM = r"(\d+(?:[.,]\d+)?|" + "|".join(_NUM_WORDS) + r")"
_UNITS = r"(hours?|days?|weeks?|months?|quarters?|years?)"
_RE_MULT = re.compile(
    r"(?<![\w.])[>≥~]?\s?(\d+(?:\.\d+)?)\s?[x×](?![\w])(\s+(?:more\s+|increase\s+in\s+)?"
    r"(?:effective\s+)?(?:training\s+)?compute)?",
    re.I,
)
_RE_PCT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s?(%|percent\b|per\s?cent\b)", re.I)
_RE_TIME = re.compile(r"\b(every|each|within|at\s+least\s+every)?\s*\b" + _NUM + r"[\s-]+" + _UNITS + r"\b", re.I)
_RE_EVERY = re.compile(r"\bevery\s+" + _UNITS[:-1] + r")\b", re.I)
_RE_FREQ = re.compile(
    r"\b(daily|weekly|monthly|quarterly|annually|yearly|biannually|"
    r"once\s+(?:a|per|every)\s+(?:year|quarter|month|week))\b",
    re.I,
)
_RE_RATIO = re.compile(r"\b(\d+)\s+(?:out\s+of|in)\s+(\d+)\b")
_RE_FLOP = re.compile(r"\b(\d+(?:\.\d+)?(?:\s?[x×]\s?10\^?\d+|e\d+)|10\^\d+)\s?(FLOPs?|flops?|FLOP)\b")
_RE_ANY = re.compile(
    r"\d|\b(?:" + "|".join(_NUM_WORDS) + r"|every|once|daily|weekly|monthly|quarterly|"
    r"annually|yearly|biannually)\b",
    re.I,
)
_FREQ = {
    "daily": "every 1 day",
    "weekly": "every 1 week",
    "monthly": "every 1 month",
    "quarterly": "every 3 months",
    "annually": "every 1 year",
    "yearly": "every 1 year",
    "biannually": "every 6 months",
}


def _unit(n: str, unit: str) -> str:
    unit = unit.lower().rstrip("s")
    return f"{n} {unit}" + ("" if n == "1" else "s")


def extract_numbers(text: str) -> tuple[str, ...]:
    """Quantities of a passage in reading order, normalised.

    "4x effective compute", "every 3 months" ("quarterly" too), "30 days", "1%", "1 in 20";
    number words become digits ("six months" -> "6 months").
    """
    if not _RE_ANY.search(text):
        return ()
    found: list[tuple[int, str]] = []
    for m in _RE_MULT.finditer(text):
        found.append((m.start(), f"{m.group(1)}x" + (" effective compute" if m.group(2) else "")))
    found.extend((m.start(), f"{m.group(1)}%") for m in _RE_PCT.finditer(text))
    for m in _RE_TIME.finditer(text):
        n = _NUM_WORDS.get(m.group(2).lower(), m.group(2))
        every = "every " if m.group(1) and "every" in m.group(1).lower() else ""
        found.append((m.start(), every + _unit(n, m.group(3))))
    for m in _RE_EVERY.finditer(text):
        found.append((m.start(), "every " + _unit("1", m.group(1))))
    for m in _RE_FREQ.finditer(text):
        word = m.group(1).lower()
        found.append((m.start(), _FREQ.get(word) or "every 1 " + word.split()[-1]))
    found.extend((m.start(), f"{m.group(1)} in {m.group(2)}") for m in _RE_RATIO.finditer(text))
    found.extend((m.start(), f"{m.group(1).replace(' ', '')} FLOP") for m in _RE_FLOP.finditer(text))
    return tuple(dict.fromkeys(v for _, v in sorted(found)))


_COND_START = tuple(m.split() for m in CONDITION_MARKERS)
_COND_FIRST = {m[0] for m in _COND_START}
_COND_STOP = BOUNDARY | {".", "!", "?"}


_PER_UNIT = [[u] for u in "day week month quarter year".split()]


def extract_conditions(w: list[str], t: list[str], ws: list[str]) -> tuple[str, ...]:
    """Short condition and trigger phrases ("if ...", "before each deployment", "prior to ...")."""
    out: list[str] = []
    i = 0
    while i < len(w):
        hit = None if w[i] not in _COND_FIRST else next((m for m in _COND_START if w[i : i + len(m)] == m), None)
        if hit == ["once"] and (w[i + 1 : i + 2] in (["per"], ["every"], ["each"]) or w[i + 2 : i + 3] in _PER_UNIT):
            hit = None  # "once a year": a frequency, not "once <it happens>"
        if hit == ["if"] and i and w[i - 1] == "even":
            hit = None  # "even if other tests fall short": a concession, no condition
        if hit is None:
            i += 1
            continue
        j = i + len(hit)
        while (
            j < len(w)
            and j - i < 14
            and w[j] not in _COND_STOP
            and not (w[j] in _COND_FIRST and any(w[j : j + len(m)] == m for m in _COND_START))
        ):
            j += 1
        if j - i >= 2 or " ".join(hit) in QUALIFIERS:
            out.append("".join(t[k] + ws[k] for k in range(i, j)).strip().rstrip(".;:,"))
        i = j
    return tuple(dict.fromkeys(out))
