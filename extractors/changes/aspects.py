"""Aspects of a commitment that a revision can move, read from the two wordings.

Each reader compares an old and a new wording and returns ``Reason`` records: which aspect
moved, on which of the codebook's six dimensions (scope, threshold or trigger, actor,
obligation strength, disclosure, consequence), which way (+1 binds the lab more, -1 less, 0
unknown) and a reason an analyst can read ("modality: 'will' -> 'aim to'", "interval: '3
months' -> '6 months' (weaker)", "condition added: 'unless ...'").

Both versions are read by the same rules; the features' modality is preferred to the first
modal word of the text (it knows the main clause), and the features' conditions are added to
the ones found here. A trigger ("when", "after") changing is named but has no direction; a
deadline ("before deployment", "within") dropped is weaker, added is stronger; an "only if"
gate dropped is weaker (it frees what the lab may do), added is stronger.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass

from labwatch.extractors.changes.alignment import canonical_text, strip_numbering
from labwatch.extractors.records import Features

DIMENSIONS = ("scope", "threshold", "actor", "strength", "disclosure", "consequence")


@dataclass(frozen=True, slots=True)
class Reason:
    """One aspect of a change: +1 stronger, -1 weaker, 0 direction unknown."""

    aspect: str
    direction: int
    text: str
    dimension: str = "strength"  # one of DIMENSIONS


def compare_aspects(a: str, b: str, fa: Features, fb: Features) -> list[Reason]:
    """Every aspect in which text ``b`` binds the lab more or less than text ``a``."""
    found = [r for r in (_modality_reason(a, b, fa, fb), _negation_reason(a, b)) if r]
    status = _status_reason(fa, fb)
    if status and not any(r.aspect == "modality" for r in found):
        found.append(status)
    found += _number_reasons(a, b)
    found += _condition_reasons(a, b, fa, fb)
    scope = _scope_reason(a, b)
    if scope:
        found.append(scope)
    if similar_wording(a, b):
        found += hedge_reasons(a, b)
        found += content_reasons(a, b)
    return found


# --- modality -------------------------------------------------------------------------

_MODAL_RANK = {
    "must": 4, "shall": 4, "will": 4, "would": 4, "commit": 4, "required": 4, "present tense": 4,
    "imperative": 4,
    "should": 3,
    "plan to": 2, "intend to": 2, "expect to": 2, "aim to": 2, "seek to": 2, "strive to": 2,
    "endeavour to": 2, "try to": 2, "hope to": 2, "goal": 2,
    "may": 1, "might": 1, "could": 1, "can": 1, "consider": 1, "explore": 1, "typically": 1, "generally": 1,
    "recommend": 0.5,
    "none": 0,
}  # fmt: skip
_MODAL = re.compile(
    r"\b(will|would|shall|must|should|may|might|could|can|(?:is|are) required to|commit(?:s|ted)? to|"
    r"(?:aim|seek|strive|endeavou?r|intend|plan|expect|hope)s? to|tr(?:y|ies) to|our goal is|consider|"
    r"explor(?:e|es|ing)|recommend(?:s|ed)?|typically|generally)\b",
    re.IGNORECASE,
)
_HEDGE_VERBS = frozenset("aim seek strive endeavour endeavor intend plan expect hope try tries".split())
_STRENGTH_ORDER = {"none": 0, "hedged": 1, "firm": 2}
_STRENGTH_RANK = {"firm": 4, "hedged": 2, "none": 0}


def modality_of(text: str, features: Features | None = None) -> str:
    """The word that decides how binding ``text`` is ('will', 'aim to', ...), normalised.

    The features' modality wins when given (it knows the main clause from a subordinate one);
    otherwise the first modal word of the text, where a hedge right after a firm modal
    governs ("will aim to" -> 'aim to'). With no modal word, a firm statement is
    'present tense' (a stated practice) and anything else 'none'.
    """
    if features is not None and features.modality:
        return normalize_modality(features.modality)
    found = [normalize_modality(m.group(1)) for m in _MODAL.finditer(text)]
    if found:
        if len(found) > 1 and _MODAL_RANK.get(found[0]) == 4 and _MODAL_RANK.get(found[1]) == 2:
            return found[1]
        return found[0]
    return "present tense" if features is not None and features.strength == "firm" else "none"


def normalize_modality(word: str) -> str:
    """One spelling per modal cue: 'aims to', 'aim' -> 'aim to'; 'are committed' -> 'commit';
    'will seek' -> 'seek to'; "present tense 'conduct'" -> 'present tense'; negation dropped."""
    w = re.sub(r"\b(?:not|never)\b|n't", " ", word.lower()).split()
    if not w:
        return "none"
    for label in ("present tense", "imperative"):  # features.py: "present tense 'conduct'"
        if " ".join(w).startswith(label):
            return label
    if len(w) > 1 and w[0] in ("will", "shall", "must"):
        w = w[1:]  # "will seek", "will consider": the second word decides
    for t in w:
        base = "try" if t == "tries" else t[:-1] if t.endswith("s") and t[:-1] in _HEDGE_VERBS else t
        if t.startswith("commit") or t in ("required", "goal"):
            return "commit" if t.startswith("commit") else t
        if t.startswith(("explor", "recommend")):
            return "explore" if t.startswith("explor") else "recommend"
        if base in _HEDGE_VERBS:
            return ("endeavour" if base.startswith("endeavo") else base) + " to"
    return "will" if w == ["wo"] else " ".join(t for t in w if t not in ("to", "is", "are", "our"))


def _modality_reason(a: str, b: str, fa: Features, fb: Features) -> Reason | None:
    ma, mb = modality_of(a, fa), modality_of(b, fb)
    if ma == mb or "none" in (ma, mb):  # no modal word on one side: the status reason says it
        return None
    ra = _MODAL_RANK.get(ma, _STRENGTH_RANK.get(fa.strength, 0))
    rb = _MODAL_RANK.get(mb, _STRENGTH_RANK.get(fb.strength, 0))
    return Reason("modality", (rb > ra) - (rb < ra), f"modality: '{ma}' -> '{mb}'", "strength")


def _status_reason(fa: Features, fb: Features) -> Reason | None:
    if fa.is_commitment != fb.is_commitment:
        was, now = ("a commitment", f"a {fb.category}") if fa.is_commitment else (f"a {fa.category}", "a commitment")
        return Reason("status", 1 if fb.is_commitment else -1, f"{was} became {now}")
    sa, sb = _STRENGTH_ORDER.get(fa.strength, 0), _STRENGTH_ORDER.get(fb.strength, 0)
    if sa != sb:
        return Reason("strength", 1 if sb > sa else -1, f"strength: {fa.strength} -> {fb.strength}")
    return None


# --- negation -------------------------------------------------------------------------

# "not limited to", "not only", "not just", "not exhaustive" widen what they qualify: no negation.
_NEGATION = re.compile(
    r"\b(?:not(?!\s+(?:limited|only|just|exhaustive|an exhaustive|necessarily exhaustive)\b)|never|cannot|"
    r"no longer|neither|nor|no(?!\s+(?:later|more|less|fewer|sooner|earlier)\b))\b|n't\b",
    re.IGNORECASE,
)
# Actions a lab promises *not* to take: negating them binds more, not less.
_RISKY_ACTIONS = frozenset(
    "deploy deploys deployed deploying release released releasing train training trained proceed "
    "continue scale scaling launch open-source".split()
)


def _negation_reason(a: str, b: str) -> Reason | None:
    na, nb = len(_NEGATION.findall(a)), len(_NEGATION.findall(b))
    if na == nb:
        return None
    added = nb > na
    text = b if added else a
    m = list(_NEGATION.finditer(text))[-1 if added else 0]
    words = text[: m.start()].split()[-2:] + text[m.start() :].split()[:3]
    clause = re.split(r"[,;:.]", text[m.start() :])[0].split()[:7]
    prohibition = any(w.lower() in _RISKY_ACTIONS for w in clause)
    direction = (1 if added else -1) * (1 if prohibition else -1)
    return Reason("negation", direction, f"negation {'added' if added else 'removed'}: '{' '.join(words)}'")


# --- numbers --------------------------------------------------------------------------

_WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "eighteen": 18, "twenty": 20, "thirty": 30,
}  # fmt: skip
_N = r"(\d+(?:\.\d+)?|" + "|".join(_WORD_NUMBERS) + r")"
_DAYS = {"hour": 1 / 24, "day": 1, "week": 7, "month": 30, "quarter": 91, "year": 365}
_PERIODIC = {"daily": 1, "weekly": 7, "monthly": 30, "quarterly": 91, "annually": 365, "yearly": 365,
             "annual": 365, "biannually": 182, "semi-annually": 182, "every day": 1, "every week": 7,
             "every month": 30, "every quarter": 91, "every year": 365}  # fmt: skip
_NUMBER = re.compile(
    rf"\b{_N}\s*(?P<x>x|×|-?fold|times)(?=\W|$)|\b{_N}[\s-]*(?P<unit>hour|day|week|month|quarter|year)s?\b"
    rf"|\b{_N}\s*(?P<pct>%|percent|per cent)|\b(?P<per>{'|'.join(_PERIODIC)})\b|(?<![\d.])(?P<bare>\d+(?:\.\d+)?)\b",
    re.IGNORECASE,
)
_INTERVAL_CUE = re.compile(r"\b(every|each|within|no later than|at most|up to|intervals? of|once per)\b[^.;]*$", re.I)
_NOTICE_CUE = re.compile(r"^\W*(?:'s?\s+)?(notice|in advance|before|prior)", re.I)
# +1 when a larger value binds more, -1 when it binds less, 0 when it depends on the context.
_SENSE = {"compute": -1, "interval": -1, "notice": 1}
_LABEL = {"compute": "effective compute multiple", "interval": "interval", "notice": "notice period"}


@dataclass(frozen=True, slots=True)
class Number:
    """A number in a statement: what it measures (``kind``), its value (days for durations)."""

    kind: str  # compute | interval | notice | percent | count | duration
    value: float
    raw: str


def numbers_in(text: str) -> list[Number]:
    """Numbers of ``text`` with what they measure; durations are in days."""
    found = []
    for m in _NUMBER.finditer(text):
        groups = [g for g in m.groups()[:1] + m.groups()[2:3] + m.groups()[4:5] if g]
        value = _value(groups[0]) if groups else 0.0
        raw = m.group(0).strip()
        if m.group("x"):
            found.append(Number("compute", value, raw))
        elif m.group("unit"):
            found.append(Number(_duration_kind(text, m), value * _DAYS[m.group("unit").lower()], raw))
        elif m.group("pct"):
            found.append(Number("percent", value, raw))
        elif m.group("per"):
            found.append(Number("interval", _PERIODIC[m.group("per").lower()], raw))
        else:
            found.append(Number("count", float(m.group("bare")), raw))
    return found


def _value(token: str) -> float:
    return float(_WORD_NUMBERS[token.lower()]) if token.lower() in _WORD_NUMBERS else float(token)


def _duration_kind(text: str, m: re.Match) -> str:
    before = text[max(0, m.start() - 40) : m.start()]
    if _INTERVAL_CUE.search(before):
        return "interval"
    if _NOTICE_CUE.search(text[m.end() : m.end() + 20]) or re.search(r"\bat least\s*$", before, re.I):
        return "notice"
    return "duration"


def _number_reasons(a: str, b: str) -> list[Reason]:
    na, nb = numbers_in(a), numbers_in(b)
    reasons = []
    for kind in dict.fromkeys([n.kind for n in na + nb]):
        xa, xb = [n for n in na if n.kind == kind], [n for n in nb if n.kind == kind]
        if [n.value for n in xa] == [n.value for n in xb]:
            continue
        if kind in ("interval", "notice") and (not xa or not xb):
            # A time bound dropped leaves the lab free to act whenever; one added binds it.
            word, raw = ("added", xb[0].raw) if xb else ("dropped", xa[0].raw)
            text = f"{_LABEL[kind]} {word}: '{raw}'"
            reasons.append(Reason("number", 1 if xb else -1, text, "threshold"))
        elif kind in _SENSE and len(xa) == len(xb):
            for p, q in zip(xa, xb):
                if p.value != q.value:
                    stronger = (q.value > p.value) == (_SENSE[kind] > 0)
                    word = "stronger" if stronger else "weaker"
                    text = f"{_LABEL[kind]}: '{p.raw}' -> '{q.raw}' ({word})"
                    reasons.append(Reason("number", 1 if stronger else -1, text, "threshold"))
        else:
            before = ", ".join(f"'{n.raw}'" for n in xa) or "none"
            after = ", ".join(f"'{n.raw}'" for n in xb) or "none"
            reasons.append(Reason("number", 0, f"numbers: {before} -> {after}", "threshold"))
    return reasons


# --- conditions -----------------------------------------------------------------------

_CONDITION = re.compile(
    r"\b(?:unless|if|provided that|providing that|except|subject to|only (?:if|when)|in the event that|"
    r"to the extent|where (?:feasible|possible|practicable|appropriate|necessary|reasonable)|"
    r"when (?:feasible|possible|practicable|appropriate)|as (?:appropriate|feasible|needed|necessary)|"
    r"as (?:necessity|necessities|circumstances|conditions) (?:dictates?|requires?|warrants?|permits?)|"
    r"at (?:our|its|the company's) (?:sole )?discretion|"
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


def _overlap(x: str, y: str) -> float:
    sx, sy = set(canonical_text(x).split()), set(canonical_text(y).split())
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
_GATE = re.compile(r"only (?:if|when)\b", re.IGNORECASE)


def _condition_reasons(a: str, b: str, fa: Features, fb: Features) -> list[Reason]:
    ca, cb = conditions_in(a, fa), conditions_in(b, fb)
    reasons = []
    moved: list[tuple[int, str]] = []  # (sign, clause) of deadlines added (-1) or dropped (+1)
    for sign, mine, theirs in ((-1, cb, ca), (1, ca, cb)):
        for c in mine:
            if any(_overlap(c, d) >= 0.6 for d in theirs):
                continue
            first = c.split()[0].lower() if c.split() else ""
            verb = "added" if sign < 0 else "dropped"
            if _DEADLINE.match(c):
                moved.append((sign, c))
                continue
            timing = first in _TIMING
            what = "timing" if timing else "condition"
            # "only if" gates what the lab may do (deploy, proceed) rather than excusing it
            # from a duty: dropping the gate frees the lab, adding one binds it.
            direction = 0 if timing else (-sign if _GATE.match(c) else sign)
            reasons.append(Reason("condition", direction, f"{what} {verb}: '{_clip(c)}'", "threshold"))
    signs = {sign for sign, _ in moved}
    for sign, c in moved:
        verb = "added" if sign < 0 else "dropped"
        direction = -sign if len(signs) == 1 else 0
        reasons.append(Reason("condition", direction, f"deadline {verb}: '{_clip(c)}'", "threshold"))
    return reasons


# --- scope and wording ----------------------------------------------------------------

_UNIVERSAL = frozenset("all every each any".split())
_RESTRICTIVE = frozenset(
    "frontier certain some selected select major significant most relevant applicable covered flagship "
    "largest critical".split()
)
_TIME_WORDS = frozenset("hour hours day days week weeks month months quarter year years time".split())


def _scope_terms(text: str) -> Counter:
    tokens = canonical_text(text).split()
    terms = Counter()
    for i, t in enumerate(tokens):
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if t in _UNIVERSAL and nxt and not nxt[0].isdigit() and nxt not in _TIME_WORDS and nxt not in _WORD_NUMBERS:
            terms[f"{t} {nxt}"] += 1
        elif t in _RESTRICTIVE:
            terms[f"{t} {nxt}".strip()] += 1
    return terms


def _scope_reason(a: str, b: str) -> Reason | None:
    ta, tb = _edited_scope_terms(_unnamed(a), _unnamed(b))
    gone, came = list((ta - tb).elements()), list((tb - ta).elements())
    if not gone and not came:
        return None
    narrower = any(t.split()[0] in _UNIVERSAL for t in gone) or any(t.split()[0] in _RESTRICTIVE for t in came)
    wider = any(t.split()[0] in _UNIVERSAL for t in came) or any(t.split()[0] in _RESTRICTIVE for t in gone)
    detail = f"{', '.join(repr(t) for t in gone) or 'none'} -> {', '.join(repr(t) for t in came) or 'none'}"
    if narrower == wider:
        return Reason("scope", 0, f"scope changed: {detail}", "scope")
    return Reason("scope", -1 if narrower else 1, f"scope {'narrowed' if narrower else 'widened'}: {detail}", "scope")


def _edited_scope_terms(a: str, b: str) -> tuple[Counter, Counter]:
    """Scope terms of the small edits only (up to SMALL_EDIT words a side, read with the word
    that follows): 'all models' -> 'frontier models' narrows, while a restrictive word inside
    a newly added clause qualifies the new clause, not what the commitment covered."""
    wa, wb = canonical_text(a).split(), canonical_text(b).split()
    ta, tb = Counter(), Counter()
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=wa, b=wb, autojunk=False).get_opcodes():
        if op == "equal" or max(i2 - i1, j2 - j1) > SMALL_EDIT:
            continue
        ta += _scope_terms(" ".join(wa[i1 : i2 + 1]))
        tb += _scope_terms(" ".join(wb[j1 : j2 + 1]))
    return ta, tb


SMALL_EDIT = 3
_NAME = re.compile(r"(?<=[a-z,;(] )(?:[A-Z][\w-]*\s?)+")


def _unnamed(text: str) -> str:
    """``text`` without capitalised words inside a sentence (names: 'Frontier AI Framework')."""
    return _NAME.sub(" ", text)


def similar_wording(a: str, b: str) -> bool:
    """True when the two wordings share most words (the cues around an obligation are read
    only then: inside a rewrite, a hedge or a dropped phrase says nothing about coverage)."""
    wa, wb = canonical_text(a).split(), canonical_text(b).split()
    sa, sb = set(wa), set(wb)
    if not sa or not sb:
        return False
    shared = len(sa & sb) / min(len(sa), len(sb))
    return shared >= SIMILAR_SHARED and max(len(wa), len(wb)) <= SIMILAR_LENGTH * min(len(wa), len(wb))


SIMILAR_SHARED = 0.7
SIMILAR_LENGTH = 2.0


def describe_wording(a: str, b: str, limit: int = 3) -> str:
    """A short account of the word-level edits from ``a`` to ``b`` ("'share' -> 'publish'")."""
    ta, tb = canonical_text(a).split(), canonical_text(b).split()
    parts = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=ta, b=tb, autojunk=False).get_opcodes():
        old, new = _clip(" ".join(ta[i1:i2])), _clip(" ".join(tb[j1:j2]))
        if op == "replace":
            parts.append(f"'{old}' -> '{new}'")
        elif op == "delete":
            parts.append(f"removed '{old}'")
        elif op == "insert":
            parts.append(f"added '{new}'")
    more = f" (+{len(parts) - limit} more)" if len(parts) > limit else ""
    return "wording: " + ", ".join(parts[:limit]) + more


def _clip(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 3].rstrip() + "..."


# --- hedges ---------------------------------------------------------------------------

# Adverbs and phrases that loosen whatever they qualify ("we may *selectively* allow"); their
# coming binds less and their going more. Modal verbs and conditional clauses are read above.
_HEDGE = re.compile(
    r"\b(?:potentially|selectively|possibly|generally|typically|usually|normally|ideally|occasionally|"
    r"sometimes|often|reasonabl[ey]|in (?:some|certain|most) cases|where relevant|as relevant|"
    r"if relevant|(?:best|reasonable|significant|commercially reasonable) efforts?|efforts? to|"
    r"(?:as|if|when|where) (?:warranted|required|applicable)|(?:if|when) we determine)\b",
    re.IGNORECASE,
)


def hedge_reasons(a: str, b: str) -> list[Reason]:
    """Hedges that came (weaker) or went (stronger) between the two wordings."""
    ha = Counter(m.group(0).lower() for m in _HEDGE.finditer(a))
    hb = Counter(m.group(0).lower() for m in _HEDGE.finditer(b))
    reasons = [Reason("hedge", -1, f"hedge added: '{h}'", "strength") for h in (hb - ha)]
    reasons += [Reason("hedge", 1, f"hedge dropped: '{h}'", "strength") for h in (ha - hb)]
    return reasons


# --- what the obligation covers: words dropped or added -------------------------------

# Function words, and words whose change other readers judge (modals, negation, conditions).
_PLAIN = frozenset(
    "a an the of to in on for and or nor but with by at from as into onto over under about than then "
    "is are was were be been being has have had do does did it its this that these those there their "
    "they them we our us you your which who whom whose what when where while whether also such "
    "will would shall must may might should can could not no never if unless only any all each every "
    "some other more most less least very including include includes e g i eg ie etc so".split()
)
_ACTOR = re.compile(
    r"\b(?:third[- ]part(?:y|ies)|external|independent|government(?:al)?|agenc(?:y|ies)|auditors?|"
    r"evaluators?|red[- ]?teams?|partners?|researchers?|organi[sz]ations?|firms?|regulators?|authorit(?:y|ies)|"
    r"board|committee|experts?|academi(?:a|c)|institutes?|customers?|users?|employees?|staff)\b",
    re.IGNORECASE,
)
_DISCLOSURE = re.compile(
    r"\b(?:publish\w*|public(?:ly)?|disclos\w*|shar(?:e|es|ed|ing)|report\w*|transparen\w*|notif\w*|inform\w*)\b",
    re.IGNORECASE,
)
_CONSEQUENCE = re.compile(
    r"\b(?:pause\w*|halt\w*|stop\w*|shut\w*|suspend\w*|delay\w*|restrict\w*|withh[oe]ld\w*|"
    r"(?:not|never) (?:deploy|release|proceed|train)\w*)\b",
    re.IGNORECASE,
)
_LOOSENING_START = re.compile(r"^\W*(?:if|unless|except|only|provided|subject|when|where|as|to the extent)\b", re.I)
# A dropped or added run needs this many content words to say the obligation covers less or more
# (one word is usually a synonym or an article of style).
MIN_CONTENT_RUN = 2


def content_reasons(a: str, b: str) -> list[Reason]:
    """Runs of content words the new wording drops (covers less) or adds (covers more).

    Read only where the rest of the wording stayed (no run of content words was replaced by
    other words: that is a rewording, and its runs say nothing about coverage). A dropped run
    within a sentence narrows; an added run widens only when it joins an enumeration (after
    or before a comma, 'and', 'or'), since other insertions are mostly explanation, and an
    added run that opens a condition, an exception or a hedge is left to those readers. Each
    run is placed on a dimension by what it names: a consequence (pausing, not deploying), a
    disclosure (publishing, reporting), an actor (third parties, agencies, a board), else scope.
    """
    ta, tb = _tokens(a), _tokens(b)
    ops = difflib.SequenceMatcher(a=ta, b=tb, autojunk=False).get_opcodes()
    if any(
        op == "replace"
        and _content(ta[i1:i2])
        and _content(tb[j1:j2])
        and max(len(_content(ta[i1:i2])), len(_content(tb[j1:j2]))) > 1  # one word swapped: a synonym
        and not (_named(ta[i1:i2], a) and _named(tb[j1:j2], b))  # a renamed title is no rewording
        for op, i1, i2, j1, j2 in ops
    ):
        return []
    reasons = []
    for op, i1, i2, j1, j2 in ops:
        if op not in ("delete", "insert"):
            continue
        tokens, lo, hi = (ta, i1, i2) if op == "delete" else (tb, j1, j2)
        run = tokens[lo:hi]
        content = _content(run)
        items = ";" in ta and ";" in tb  # items of a list separated by semicolons
        stops = ".:" if items else ".:;"
        around = {tokens[lo - 1] if lo else "", run[0], run[-1], tokens[hi] if hi < len(tokens) else ""}
        name = _listed_name(content, a if op == "delete" else b) if around & _ENUMERATION else None
        if name is not None:
            # one named party dropped from or added to a list ("SecureBio, NIST, RAND"): who
            # takes part changed, though it is a single word
            dimension = "actor" if _ACTOR.search(a + " " + b) else "scope"
            verb = "dropped" if op == "delete" else "added"
            reasons.append(Reason("content", -1 if op == "delete" else 1, f"{dimension} {verb}: '{name}'", dimension))
            continue
        if len(content) < MIN_CONTENT_RUN or any(t in stops for t in run[:-1]):
            continue  # a short run, or a whole sentence dropped or added (not a change of coverage)
        if {t[:5] for t in content} <= {t[:5] for t in (tb if op == "delete" else ta)}:
            continue  # the words moved ("the board must approve" -> "must be approved by the board")
        text = " ".join(t for t in run if t not in _PUNCT)
        if _EXAMPLE.match(text):
            continue  # an example given or withdrawn illustrates; it does not set the coverage
        qualifier = run[0] in _RELATIVE and (lo == 0 or tokens[lo - 1] != ",")
        if qualifier:
            # a restrictive relative clause ("models which pose severe risks") limits what it
            # follows: dropping it widens the obligation, adding it narrows
            sign = 1 if op == "delete" else -1
            verb = "dropped" if op == "delete" else "added"
            reasons.append(Reason("content", sign, f"qualifier {verb}: '{_clip(text)}'", "scope"))
            continue
        if op == "insert":
            if not around & _ENUMERATION or _LOOSENING_START.search(text) or _HEDGE.search(text):
                continue
        dimension = _dimension_of(text)
        verb = "dropped" if op == "delete" else "added"
        reasons.append(
            Reason("content", -1 if op == "delete" else 1, f"{dimension} {verb}: '{_clip(text)}'", dimension)
        )
    return reasons


_TOKEN = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*|[,;:.]")
_PUNCT = frozenset(",;:.")
_ENUMERATION = frozenset({",", ";", "and", "or", "including"})
_EXAMPLE = re.compile(r"^(?:for example|for instance|e g|eg|i e|such as|like)\b")
_RELATIVE = frozenset({"which", "who", "whose", "whom"})


def _named(run: list[str], text: str) -> bool:
    """True when every content word of ``run`` is written capitalised in ``text`` (a title or
    a name: "Risk Management Framework" -> "Frontier AI Framework", "RMF" -> "FAIF")."""
    words = _content(run)
    if not words:
        return False
    for w in words:
        m = re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text, re.IGNORECASE)
        if m is None or not m.group(0)[:1].isupper():
            return False
    return True


def _listed_name(content: list[str], text: str) -> str | None:
    """The name that a one-word run of a list is, as ``text`` spells it ("AISI", "SecureBio"),
    or None when the word is not written as a name there (an acronym, or capitals inside)."""
    if len(content) != 1:
        return None
    m = re.search(rf"(?<![\w-]){re.escape(content[0])}(?![\w-])", text, re.IGNORECASE)
    word = m.group(0) if m else ""
    return word if len(word) >= 2 and any(c.isupper() for c in word[1:]) else None


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(strip_numbering(text).lower().replace("\u2019", "'"))


def _content(run: list[str]) -> list[str]:
    return [t for t in run if t not in _PLAIN and t not in _PUNCT and not t.isdigit() and len(t) > 2]


def _dimension_of(text: str) -> str:
    if _CONSEQUENCE.search(text):
        return "consequence"
    if _DISCLOSURE.search(text):
        return "disclosure"
    if _ACTOR.search(text):
        return "actor"
    return "scope"
