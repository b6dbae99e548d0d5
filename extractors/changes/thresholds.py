"""Numbers and conditions of a commitment that a revision can move: its thresholds and triggers.

Numbers are read with what they measure (an effective compute multiple, an interval, a notice
period, a percentage, a count, a duration), so '3 months' -> '6 months' between two checks is
weaker and 30 -> 60 days of notice stronger. Conditions are the clauses that excuse, time or
gate an obligation: a trigger ("when", "after") changing is named but has no direction; a
deadline ("before deployment", "within") dropped is weaker, added is stronger; an "only if"
gate dropped is weaker (it frees what the lab may do), added is stronger. The features'
conditions are added to the ones found here.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from labwatch.extractors.changes.alignment import canonical_text
from labwatch.extractors.changes.reasons import Reason, clip
from labwatch.extractors.records import Features

# --- numbers --------------------------------------------------------------------------

WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
# "twenty-five" is 25 ("at most twenty-five named staff" and "no more than 25" are one limit)
WORD_NUMBERS.update(
    {f"{tens}-{unit}": WORD_NUMBERS[tens] + WORD_NUMBERS[unit]
     for tens in "twenty thirty forty fifty sixty seventy eighty ninety".split()
     for unit in "one two three four five six seven eight nine".split()}
)  # fmt: skip
# the longest first, so that "twenty-five" is read whole, not as "twenty"; a hyphen, a Unicode
# hyphen or a space joins the parts
_WORDS = "|".join(w.replace("-", "[-\u2010 ]") for w in sorted(WORD_NUMBERS, key=len, reverse=True))
# "one hundred person-hours", "two thousand prompts": a number word times its multiplier
_SCALE = {"hundred": 100, "thousand": 1000, "million": 10**6}
_WORDS_SCALED = rf"(?:{_WORDS})(?:\s+(?:{'|'.join(_SCALE)}))?"
_N = r"(\d+(?:\.\d+)?|" + _WORDS_SCALED + r")"
_NU = r"(\d+(?:\.\d+)?|" + _WORDS_SCALED + r"|an?)"  # before a unit, "a day" is one day
# 10^26, 10**26, 3 x 10^26, 1e26, 10²⁶: one way of writing a power of ten, however it is typed
_SUPERSCRIPT = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_SCIENTIFIC = rf"(?:\d+(?:\.\d+)?\s?[x×]\s?)?10\s?(?:(?:\^|\*\*)\s?\d+|[{_SUPERSCRIPT}]+)|\d+(?:\.\d+)?e\+?\d+"
# A month is a twelfth of a year, so "12 months" is "once a year" and "3 months" is "quarterly".
_YEAR = 365.25
_DAYS = {"hour": 1 / 24, "day": 1, "week": 7, "month": _YEAR / 12, "quarter": _YEAR / 4, "year": _YEAR}
_PERIODIC = {"daily": 1, "weekly": 7, "monthly": _YEAR / 12, "quarterly": _YEAR / 4, "annually": _YEAR,
             "yearly": _YEAR, "annual": _YEAR, "biannually": _YEAR / 2, "semi-annually": _YEAR / 2,
             "every day": 1, "every week": 7, "every month": _YEAR / 12, "every quarter": _YEAR / 4,
             "every year": _YEAR, "each day": 1, "each week": 7, "each month": _YEAR / 12,
             "each quarter": _YEAR / 4, "each year": _YEAR}  # fmt: skip
_TIMES = {"once": 1, "twice": 2, "thrice": 3}
_NUMBER = re.compile(
    rf"\b(?P<freq>once|twice|thrice|{_N}\s+times)\s+(?:in\s+)?(?:a|an|per|each|every)\s+(?:[a-z]+\s+)?"
    r"(?P<per_unit>day|week|month|quarter|year)\b"
    # "every doubling of effective compute", "can double the rate of progress": a 2x multiple
    r"|\b(?P<mult>doubl(?:e|es|ed|ing)|tripl(?:e|es|ed|ing)|quadrupl(?:e|es|ed|ing))\b(?![-\u2010])"
    r"(?=[^.;]{0,30}\b(?:compute|rate|speed|pace|progress)\b)"
    # "whenever the effective training compute has doubled": the multiple after its quantity
    r"|(?<=\bcompute\b)[^.;]{0,40}?\b(?P<mult_after>doubl(?:es|ed)|tripl(?:es|ed)|quadrupl(?:es|ed))\b"
    rf"|\b(?P<flop>{_SCIENTIFIC})"
    r"(?=\s*(?:total\s+)?(?:FLOPs?|floating[- ]point operations|operations)\b)"
    rf"|\b{_N}\s*(?P<x>x|×|-?fold|times)(?=\W|$)|\bfactor of\s+(?P<factor>{_N})\b|\b{_NU}[\s-]*(?:(?:working|business|calendar|full|whole|entire|single)\s+)?(?P<unit>hour|day|week|month|quarter|year)s?\b"
    rf"|\b{_N}\s*(?P<pct>%|percent|per cent)|\b(?P<per>{'|'.join(_PERIODIC)})\b|(?<![\d.,])(?P<bare>\d{{1,3}}(?:,\d{{3}})+(?!\d)|\d+(?:\.\d+)?)\b"
    # a count in words under a bound ("at least two independent evaluators"), not the number
    # of a unit ("at least two weeks") or a share ("at least one of the following")
    rf"|\b(?P<wbound>at least|at most|no[t]? (?:fewer|more|less) than|(?:a|the) (?:minimum|maximum) of)\s+(?P<wcount>{_WORDS_SCALED})\b"
    r"(?![\s-]+(?:(?:working|business|calendar|full|whole|entire|single)\s+)?(?:hour|day|week|month|quarter|year|time)s?\b"
    r"|\s*(?:x\b|×|-?fold\b|%|percent\b|per cent\b)|\s+of\s+(?:the\s+)?following\b|\s+of\s*:)",
    re.IGNORECASE,
)
_INTERVAL_CUE = re.compile(
    r"\b(every|each|within|no later than|at most|up to|intervals?|once per|no (?:more|longer) than|not exceeding|"
    r"not (?:more|longer) than|(?:a|the) maximum of)\b[^.;]*$",
    re.I,
)
_NOTICE_CUE = re.compile(r"^\W*(?:'s?\s+)?(notice|in advance|before|prior)", re.I)
# +1 when a larger value binds more, -1 when it binds less, 0 when it depends on the context.
# A training-compute threshold ("more than 10^26 FLOP") raised covers fewer models, later.
_SENSE = {"compute": -1, "interval": -1, "notice": 1, "flop": -1}
_LABEL = {
    "compute": "effective compute multiple",
    "interval": "interval",
    "notice": "notice period",
    "flop": "training compute threshold",
}


@dataclass(frozen=True, slots=True)
class Number:
    """A number in a statement: what it measures (``kind``), its value (days for durations)."""

    kind: str  # compute | interval | notice | percent | count | duration
    value: float
    raw: str
    within: bool = False  # "within 15 points of": a distance to a level
    bound: int = 0  # a count after "at least" (+1: more binds more) or "at most" (-1)


def numbers_in(text: str) -> list[Number]:
    """Numbers of ``text`` with what they measure; durations are in days."""
    found = []
    for m in _NUMBER.finditer(text):
        raw = m.group(0).strip()
        if m.group("freq"):
            word = m.group("freq").lower().split()[0]
            times = _TIMES.get(word) or _value(word)
            found.append(Number("interval", _DAYS[m.group("per_unit").lower()] / max(times, 1), raw))
            continue
        mult = m.group("mult") or m.group("mult_after")
        if mult:  # "every doubling of effective compute": a 2x multiple
            raw = mult if m.group("mult_after") else raw
            found.append(Number("compute", {"d": 2.0, "t": 3.0, "q": 4.0}[mult[0].lower()], raw))
            continue
        if m.group("flop"):
            found.append(Number("flop", _flop_value(m.group("flop")), raw))
            continue
        if m.group("factor"):  # "accelerate progress by a factor of two"
            found.append(Number("compute", _value(m.group("factor")), raw))
            continue
        if m.group("wcount"):
            bound = 1 if _AT_LEAST.search(m.group("wbound")) else -1
            found.append(Number("count", _value(m.group("wcount")), raw, False, bound))
            continue
        groups = [g for g in (_group_before(m, "x"), _group_before(m, "unit"), _group_before(m, "pct")) if g]
        value = _value(groups[0]) if groups else 0.0
        if m.group("x"):
            found.append(Number("compute", value, raw))
        elif m.group("unit"):
            if groups[0].lower() in ("a", "an") and re.match(r"\s+of\b", text[m.end() :]):
                continue  # "a quarter of the models": a share, not a duration
            found.append(Number(_duration_kind(text, m), value * _DAYS[m.group("unit").lower()], raw))
        elif m.group("pct"):
            found.append(Number("percent", value, raw))
        elif m.group("per"):
            found.append(Number("interval", _PERIODIC[m.group("per").lower()], raw))
        else:
            within = bool(_WITHIN.search(text[max(0, m.start() - 12) : m.start()]))
            before = text[max(0, m.start() - 40) : m.start()]
            bound = 1 if _AT_LEAST.search(before) else -1 if _AT_MOST.search(before) else 0
            found.append(Number("count", float(m.group("bare").replace(",", "")), raw, within, bound))
    return found


def _group_before(m: re.Match, name: str) -> str | None:
    """The number captured just before the named group (the value it qualifies)."""
    return m.group(m.re.groupindex[name] - 1) if m.group(name) else None


def _flop_value(token: str) -> float:
    """10^25, 10**25, 3 x 10^26, 1e26, 10²⁶ as a float."""
    t = token.replace(" ", "").replace("×", "x").replace("**", "^").replace("+", "").lower()
    t = re.sub(f"[{_SUPERSCRIPT}]+", lambda m: "^" + "".join(str(_SUPERSCRIPT.index(c)) for c in m.group()), t)
    if "e" in t and "^" not in t:
        return float(t)
    mult, _, power = t.partition("10^")
    factor = float(mult.rstrip("x")) if mult.rstrip("x") else 1.0
    return factor * 10.0 ** float(power)


def _value(token: str) -> float:
    if token.lower() in ("a", "an"):
        return 1.0
    words = token.lower().split()
    scale = _SCALE.get(words[-1], 1) if len(words) > 1 else 1
    word = re.sub(r"[\u2010\s]+", "-", " ".join(words[:-1] if scale > 1 else words))
    return scale * (float(WORD_NUMBERS[word]) if word in WORD_NUMBERS else float(word))


# Ways of writing a lower bound before a number ("at least 21 days", "a minimum of three weeks").
_AT_LEAST = re.compile(r"\b(?:at least|(?:a|the) minimum of|no (?:fewer|less) than|not (?:fewer|less) than)\s*$", re.I)
_AT_MOST = re.compile(r"\b(?:at most|(?:a|the) maximum of|no more than|not more than|up to)\s*$", re.I)


def _duration_kind(text: str, m: re.Match) -> str:
    before = text[max(0, m.start() - 40) : m.start()]
    if _AT_LEAST.search(before):
        return "notice"  # "access ... for at least 30 days": a bound right before the number decides
    if _INTERVAL_CUE.search(before):
        return "interval"
    if _NOTICE_CUE.search(text[m.end() : m.end() + 20]) or re.match(
        r"\s*(?:or (?:more|longer)|at (?:the )?minimum)\b", text[m.end() :], re.I
    ):
        return "notice"
    return "duration"


# A threshold stated as a measurable quantity ("more than five hundred casualties", "over $2
# billion", "at least 3 of 5", "< 50%"): one that becomes a word ("a Catastrophic Risk",
# "an unacceptable level") can no longer be checked, so the commitment binds less; the
# reverse binds more.
_QUANTITY = (
    r"(?:\$\s?)?(?:"
    + _SCIENTIFIC
    + r"|\d[\d,.]*|"
    + _WORDS
    + r"|a|one)(?:\s+(?:hundred|thousand|million|billion|trillion))?"
)
_QUANTITATIVE = re.compile(
    rf"(?:\b(?:more|greater|fewer|less|lower|higher) than|\bover|\bunder|\babove|\bbelow|\bexceeds?|\bexceeding|"
    rf"\bat (?:least|most)|\bup to|\b(?:a|the) (?:minimum|maximum) of|\bno (?:fewer|less|more) than|"
    rf"\bnot (?:fewer|less|more) than|[<>\u2264\u2265])\s*{_QUANTITY}(?=\W|$)"
    rf"|\b{_QUANTITY}\s+(?:[a-z]+\s+)?or (?:more|longer|greater|fewer|less)\b",
    re.IGNORECASE,
)


_VAGUE_AMOUNT = re.compile(
    r"\b(?:substantial|significant|meaningful|considerable|large|sizeable|notable|material|high|majority|"
    r"most|many)\b(?:\s+\w+)?\s+(?:share|portion|proportion|fraction|number|amount|part|majority|rate|of)\b",
    re.IGNORECASE,
)


def quantitative_thresholds(text: str) -> list[str]:
    """The measurable thresholds of ``text`` ("more than five hundred casualties" -> "more than five hundred")."""
    return [m.group(0).strip() for m in _QUANTITATIVE.finditer(text) if re.search(r"\d|[a-z]{3,}\s*$", m.group(0))]


# A capability threshold ("the model can, in at least 50% of trials, keep a copy of itself
# running for a week"): the share of trials, the count or the time it takes to reach it is a
# level, and a lower level is crossed sooner, so it binds the lab more.
_CAPABILITY = re.compile(
    r"\b(?:the|a) model (?:can|could|is able to|is capable of)\b|\bcapable of\b"
    # a threshold stated as a measured result ("Completes 20% of the task set", "scores above
    # 60% on ...", a row of a threshold table)
    r"|(?:^|[|:]\s*)(?:completes|solves|scores?|achieves|succeeds|passes|outperforms|exceeds|reaches)\b"
    # "a model is at the Watch Level when it solves at least 20% of the tasks"
    r"|\b(?:model|it|system)s?\s+(?:solves|completes|scores|achieves|succeeds in|passes|outperforms|reaches)\b",
    re.IGNORECASE,
)
# "within 15 points of the expert baseline": a distance to a level, so a smaller one is reached later
_WITHIN = re.compile(r"\bwithin\s*$", re.IGNORECASE)
_LEVELS = frozenset({"percent", "duration", "count"})
# a margin below a threshold within which a result counts as reaching it
_MARGIN = re.compile(
    r"\bwithin\s+\S+\s*(?:%|per ?cent|percent|percentage points?|points?)\s+of\s+(?:the|a|an|its|any)\s+"
    r"(?:[\w-]+\s+){0,2}(?:threshold|limit|level|line|trigger)s?\b",
    re.IGNORECASE,
)


def number_reasons(a: str, b: str) -> list[Reason]:
    """Each kind of number that moved between ``a`` and ``b``, with the way it binds the lab."""
    na, nb = numbers_in(a), numbers_in(b)
    qa, qb = quantitative_thresholds(a), quantitative_thresholds(b)
    # a share given as a percentage that becomes a vague amount ("50% of the tasks" -> "a
    # substantial share of the tasks") is a measurable threshold turned into a word, too
    pa, pb = [n for n in na if n.kind == "percent"], [n for n in nb if n.kind == "percent"]
    qa += [n.raw for n in pa if not pb and _VAGUE_AMOUNT.search(b)]
    qb += [n.raw for n in pb if not pa and _VAGUE_AMOUNT.search(a)]
    if bool(qa) != bool(qb) and not [n for n in (nb if qa else na) if n.kind != "count"]:
        # every measurable threshold went (or came) and no other number took its place
        gone = bool(qa)
        raw = ", ".join(f"'{q}'" for q in (qa or qb))
        text = f"quantitative threshold {'dropped' if gone else 'added'}: {raw}"
        return [Reason("number", -1 if gone else 1, text, "threshold")]
    nb = _same_kinds(na, nb)
    reasons = []
    capability = bool(_CAPABILITY.search(a) and _CAPABILITY.search(b))
    for kind in dict.fromkeys([n.kind for n in na + nb]):
        xa, xb = [n for n in na if n.kind == kind], [n for n in nb if n.kind == kind]
        if len(xa) == len(xb) and all(_same_value(p, q) for p, q in zip(xa, xb)):
            continue
        if kind in ("interval", "notice") and (not xa or not xb):
            if kind == "interval" and xb and _AT_EVENT.search(a) and _AFTER_EVENT.search(b):
                # "publish ... when we deploy it" -> "within 60 days of deploying it": a period
                # after the event where the lab acted at it or before, so the deadline is later
                text = f"deadline moved later: '{clip(_AT_EVENT.search(a).group(0))}' -> '{xb[0].raw} after'"
                reasons.append(Reason("number", -1, text, "threshold"))
                continue
            # A time bound dropped leaves the lab free to act whenever; one added binds it.
            word, raw = ("added", xb[0].raw) if xb else ("dropped", xa[0].raw)
            text = f"{_LABEL[kind]} {word}: '{raw}'"
            reasons.append(Reason("number", 1 if xb else -1, text, "threshold"))
        elif kind == "count" and not capability and len(xa) == len(xb) and _bounded_moves(xa, xb):
            # "at least 50 attempts per task" -> "at least 20": a floor on the effort lowered
            for p, q in zip(xa, xb):
                if p.value != q.value:
                    stronger = (q.value > p.value) == (p.bound > 0)
                    word = "stronger" if stronger else "weaker"
                    text = f"{'minimum' if p.bound > 0 else 'maximum'}: '{p.raw}' -> '{q.raw}' ({word})"
                    reasons.append(Reason("number", 1 if stronger else -1, text, "threshold"))
        elif kind == "percent" and len(xa) == len(xb) == 1 and _MARGIN.search(a) and _MARGIN.search(b):
            # "a result within 15 per cent of the threshold is treated as reaching it": a
            # safety margin, so a wider one catches more models and binds more
            p, q = xa[0], xb[0]
            stronger = q.value > p.value
            word = "stronger" if stronger else "weaker"
            reasons.append(
                Reason("number", 1 if stronger else -1, f"margin: '{p.raw}' -> '{q.raw}' ({word})", "threshold")
            )
        elif (kind in _SENSE or (capability and kind in _LEVELS)) and len(xa) == len(xb):
            sense = _SENSE.get(kind, -1)  # a capability reached at a lower level triggers sooner
            for p, q in zip(xa, xb):
                if not _same_value(p, q):
                    flip = kind in _LEVELS and p.within and q.within
                    stronger = (q.value > p.value) == ((sense > 0) != flip)
                    word = "stronger" if stronger else "weaker"
                    text = f"{_LABEL.get(kind, 'capability level')}: '{p.raw}' -> '{q.raw}' ({word})"
                    reasons.append(Reason("number", 1 if stronger else -1, text, "threshold"))
        else:
            before = ", ".join(f"'{n.raw}'" for n in xa) or "none"
            after = ", ".join(f"'{n.raw}'" for n in xb) or "none"
            reasons.append(Reason("number", 0, f"numbers: {before} -> {after}", "threshold"))
    return reasons


# A deadline at or before an event ("when we deploy it", "on or before the date on which ...",
# "before release") and a period after one ("within 60 days of deploying it", "within 30 days
# after the launch").
_AT_EVENT = re.compile(
    r"\b(?:on or before|before|prior to|at (?:launch|release|deployment)\b|(?:no later than|by) the (?:date|day|time)\b|"
    r"(?:when|upon|as soon as|at the time|on the (?:same )?day)\b(?=[^,;.]{0,40}\b(?:deploy|releas|launch|ship|made available)))[^,;.]{0,60}",
    re.IGNORECASE,
)
_AFTER_EVENT = re.compile(
    r"\bwithin\s+\S+\s+(?:(?:working|business|calendar)\s+)?\w+\s+(?:of|after|from|following)\b", re.I
)


def _bounded_moves(xa: list[Number], xb: list[Number]) -> bool:
    """Whether every count that moved is bounded the same way on both sides ("at least 50" ->
    "at least 20"), so the direction of the bound tells the direction of the change."""
    moved = [(p, q) for p, q in zip(xa, xb) if p.value != q.value]
    return bool(moved) and all(p.bound and p.bound == q.bound for p, q in moved)


_TIME_KINDS = ("interval", "notice", "duration")


def _same_kinds(na: list[Number], nb: list[Number]) -> list[Number]:
    """``nb`` with the kinds of ``na`` where both state the same durations and only the cue
    around them was read differently ("shall be reduced to three months" -> "is reduced to
    three months", a cue just outside the window on one side): the same bound, not one dropped
    and another added."""
    ta, tb = [n for n in na if n.kind in _TIME_KINDS], [n for n in nb if n.kind in _TIME_KINDS]
    if len(ta) != len(tb) or [n.kind for n in ta] == [n.kind for n in tb]:
        return nb
    if not all(_same_value(p, q) for p, q in zip(ta, tb)):
        return nb
    kinds = iter(n.kind for n in ta)
    return [Number(next(kinds), n.value, n.raw, n.within, n.bound) if n.kind in _TIME_KINDS else n for n in nb]


def _same_value(p: Number, q: Number) -> bool:
    """Whether two numbers of one kind state the same value: durations within 2% ("90 days" and
    "three months", "every 12 months" and "once a year"), other kinds exactly."""
    if p.kind in _TIME_KINDS:
        return abs(p.value - q.value) <= 0.02 * max(p.value, q.value)
    return math.isclose(p.value, q.value, rel_tol=1e-9)  # 3 x 10^26 and 3e26 are one value


# --- conditions -----------------------------------------------------------------------

_CONDITION = re.compile(
    # "subject to clause 4" excuses; "is subject to a background check" states a practice
    r"(?:^|(?<=[.;:]\s))\W*where\b[^,;.:]*(?=,)|"  # "Where publishing a detail would add risk, we ..."
    # an inverted conditional: "Should a safeguard be bypassed, ...", "Were the board to object, ..."
    r"(?:^|(?<=[.;:]\s))\W*(?:should|were|had)\s+(?:a|an|the|any|we|it|our|its|[A-Z]\w+)\b[^,;.:?]*(?=,)|"
    r"\b(?:unless|(?<!\beven )if|provided that|providing that|except|save(?=\s+(?:where|that|under|as|for|in|with|to the extent)\b)|(?:(?<!\bis )(?<!\bare )(?<!\bbe )(?<!being )subject to|(?<!\bbe )subject to(?!\s+(?:a|an)\b)|"
    # "every export must be subject to two-person control" is a practice; "be subject to clause 6.4" excuses
    r"\bbe subject to(?=\s+(?:clauses?|sections?|paragraphs?|the (?:exceptions?|conditions?|limits?)\b)))|"
    r"only (?:if|when|where)|in the event that|"
    r"should it (?:happen|be the case|turn out) that|"
    r"to the extent|where (?:\w+ly )?(?:feasible|possible|practicable|appropriate|necessary|reasonable)|"
    # "where the risk area calls for it", "where suitable forums exist": the lab judges when
    r"where [\w -]{1,40}?\b(?:calls? for it|requires? it|warrants? it|permits?|allows? it|(?:is|are) (?:relevant|available|warranted|needed|required)|exists?)\b|"
    r"when (?:\w+ly )?(?:feasible|possible|practicable|appropriate)|as (?:appropriate|feasible|needed|necessary)|"
    r"as (?:necessity|necessities|circumstances|conditions) (?:dictates?|requires?|warrants?|permits?)|"
    r"at (?:our|its|the company's) (?:sole )?discretion|at the (?:sole )?discretion of|"
    r"assuming|whenever|insofar as)\b[^,;.:]*",
    re.IGNORECASE,
)


def conditions_in(text: str, features: Features | None = None) -> list[str]:
    """Conditional clauses of ``text`` ('unless ...', 'where feasible', 'if ...')."""
    found = [m.group(0).strip() for m in _CONDITION.finditer(text)]
    for extra in features.conditions if features else ():
        if not any(_overlap(extra, c) >= 0.5 for c in found):
            found.append(extra)
    return found


# Words that carry no content of a condition, and a crude stem, so that a deadline or trigger
# reworded ("before it is deployed externally" / "before external deployment") is the same one.
# "if" and "where" open the same condition ("where feasible" / "if feasible").
_FILLER = frozenset(
    "a an the it its is are be been being they them their this that these those of to for on if where".split()
)


def _stems(text: str) -> set[str]:
    return {w[:5] for w in canonical_text(text).split() if w not in _FILLER}


def _overlap(x: str, y: str) -> float:
    sx, sy = _stems(x), _stems(y)
    return len(sx & sy) / max(1, min(len(sx), len(sy)))


# Clauses that time an obligation rather than excuse it. A trigger ("when", "after") changing
# has no direction; a deadline ("before deployment", "within") bounds when the obligation must
# be met, so dropping one leaves the lab free to act later (weaker) and adding one binds it
# (stronger). A deadline replaced by another is named without a direction.
_TIMING = frozenset("before after until when whenever once during within prior following".split())
_DEADLINE = re.compile(
    r"(?:before|prior to|no later than|within\s+(?:\d+|a|one|two|three|four|five|six|seven|ten|twelve|"
    r"thirty|ninety|the next)\b[\w\s-]{0,12}?\b(?:hours?|days?|weeks?|months?|quarters?|years?))\b",
    re.IGNORECASE,
)
_GATE = re.compile(r"only (?:if|when|where)\b", re.IGNORECASE)


# How grave a condition's event must be ("a *catastrophic* event", "a *significant* risk"). A
# trigger that loses one fires sooner: an "if" that sets off a duty or a protective step binds
# the lab more (unless what it sets off is a permission to go ahead), an excuse ("unless",
# "except") that loses one excuses more. Gaining one is the reverse.
_SEVERITY = frozenset(
    "catastrophic severe serious significant substantial major large-scale critical imminent extreme grave "
    "unacceptable intolerable".split()
)
_EXCUSE = frozenset("unless except save provided providing subject to assuming insofar".split())
_PERMISSION = re.compile(
    r"\b(?:may|can|will|would)\s+(?:still\s+)?(?:deploy|proceed|release|continue|override|deviate|waive|resume)\b",
    re.IGNORECASE,
)


def _severity_reason(c: str, d: str, b: str) -> Reason | None:
    """The trigger or excuse ``c`` reworded as ``d`` (in the new text ``b``) with fewer or more
    words of gravity, if it was."""
    sc, sd = set(canonical_text(c).split()) & _SEVERITY, set(canonical_text(d).split()) & _SEVERITY
    if sc == sd or (sc and sd and not (sc < sd or sd < sc)):
        return None
    lowered = sd < sc  # the event it takes is less grave
    excuse = (c.split() or [""])[0].lower() in _EXCUSE
    binds_more = lowered != excuse
    if not excuse and _PERMISSION.search(b):
        binds_more = not binds_more
    words = ", ".join(sorted(sc - sd)) if lowered else ", ".join(sorted(sd - sc))
    what = "excuse" if excuse else "trigger"
    change = f"{'lowered' if lowered else 'raised'}" if not excuse else f"{'widened' if lowered else 'narrowed'}"
    verb = "dropped" if lowered else "added"
    return Reason("condition", 1 if binds_more else -1, f"{what} {change}: '{words}' {verb}", "threshold")


def _restated_in(condition: str, other: str, share: float = 0.8, least: int = 3) -> bool:
    """Whether the other wording already says what ``condition`` says (four in five of its
    content stems, or ``share``, its opening word aside, in a condition of ``least`` or more:
    "If a model crosses a threshold, we will not deploy it" is "A model that has crossed a
    threshold is not deployed")."""
    stems = _stems(" ".join(condition.split()[1:]))
    return len(stems) >= least and len(stems & _stems(other)) / len(stems) >= share


# "no model is deployed until ...": a prohibition that restates a "before" deadline
NOT_UNTIL = re.compile(r"\b(?:no|not|never)\b[^.;]{0,120}?\buntil\b", re.IGNORECASE)
_BEFORE_WORDS = re.compile(
    r"\b(?:before|(?:well )?ahead of|prior to|in advance of|no later than|by the time|(?:is|are) preceded by)\b",
    re.IGNORECASE,
)


def condition_reasons(a: str, b: str, fa: Features, fb: Features) -> list[Reason]:
    """Conditions, triggers, deadlines and gates that ``b`` adds to or drops from ``a``."""
    ca, cb = conditions_in(a, fa), conditions_in(b, fb)
    reasons = []
    for c in ca:
        d = max(cb, key=lambda d: _overlap(c, d), default=None)
        if d is not None and _overlap(c, d) >= 0.6:
            r = _severity_reason(c, d, b)
            if r is not None:
                reasons.append(r)
    moved: list[tuple[int, str]] = []  # (sign, clause) of deadlines added (-1) or dropped (+1)
    for sign, mine, theirs in ((-1, cb, ca), (1, ca, cb)):
        for c in mine:
            if any(_overlap(c, d) >= 0.6 for d in theirs):
                continue
            first = c.split()[0].lower() if c.split() else ""
            verb = "added" if sign < 0 else "dropped"
            other = a if sign < 0 else b  # the wording without this clause
            if _DEADLINE.match(c):
                if NOT_UNTIL.search(other) and c.split()[0].lower() in ("before", "prior"):
                    # "shall put safeguards in place before it is deployed" -> "no model shall be
                    # deployed until safeguards are in place": the same deadline, as a prohibition
                    reasons.append(Reason("condition", 0, f"deadline {verb} (restated): '{clip(c)}'", "threshold"))
                    continue
                if _BEFORE_WORDS.search(other) and _restated_in(c, other, share=0.6, least=2):
                    # "Before each training run begins" -> "Ahead of every training run"
                    reasons.append(Reason("condition", 0, f"deadline {verb} (restated): '{clip(c)}'", "threshold"))
                    continue
                moved.append((sign, c))
                continue
            timing = first in _TIMING
            what = "timing" if timing else "condition"
            if not timing and not _GATE.match(c) and _restated_in(c, other):
                # "a safeguard that has not been tested" -> "unless it has been tested": the
                # condition was there, written as a qualifier of the noun
                reasons.append(Reason("condition", 0, f"{what} {verb} (restated): '{clip(c)}'", "threshold"))
                continue
            # "only if" gates what the lab may do (deploy, proceed) rather than excusing it
            # from a duty: dropping the gate frees the lab, adding one binds it.
            direction = 0 if timing else (-sign if _GATE.match(c) else sign)
            reasons.append(Reason("condition", direction, f"{what} {verb}: '{clip(c)}'", "threshold"))
    signs = {sign for sign, _ in moved}
    for sign, c in moved:
        verb = "added" if sign < 0 else "dropped"
        direction = -sign if len(signs) == 1 else 0
        reasons.append(Reason("condition", direction, f"deadline {verb}: '{clip(c)}'", "threshold"))
    return reasons
