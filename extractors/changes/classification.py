"""Commitment-level changes between two versions of one policy.

``diff_statements`` aligns the statements of the two versions (``alignment.align_texts``) and
reports, for every statement that is a commitment on either side, whether it was added,
removed, reworded, strengthened or weakened, with a reason a policy analyst can read:
"modality: 'will' -> 'aim to'", "number: '4x' -> '6x' effective compute (weaker)",
"condition added: 'unless a competitor ...'". Edits that do not change wording -- reflow,
renumbering, reordering, case, punctuation, whitespace, typo fixes -- are not reported.

Aspects (negation, numbers, conditions, scope) are read from the text by the rules below, so
both versions are judged the same way; the features' modality is preferred to the first modal
word of the text (it knows the main clause), and the features' conditions are added to the
ones found here. Timing clauses ("before deployment") changing is named but has no direction.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from labwatch.extractors.changes.alignment import (
    Alignment,
    align_texts,
    canonical_text,
    compare_text,
    is_noise_edit,
    merge_statements,
    strip_numbering,
)
from labwatch.extractors.exceptions import DiffInputError
from labwatch.extractors.records import Features, Statement

CHANGES_VERSION = "changes-1"

ChangeKind = str  # "added" | "removed" | "reworded" | "strengthened" | "weakened"


@dataclass(frozen=True, slots=True)
class Change:
    """One commitment-level change. ``old`` is None when added, ``new`` is None when removed.

    When a sentence was split or merged, the side with several statements is given as one
    Statement whose text joins them (at the first passage's position).
    """

    kind: ChangeKind
    reason: str
    old: Statement | None
    new: Statement | None
    criteria: tuple[str, ...]

    def as_dict(self) -> dict:
        """The contract's JSON shape: kind, reason, old/new text (None when absent), criteria."""
        return {
            "kind": self.kind,
            "reason": self.reason,
            "old": self.old.text if self.old is not None else None,
            "new": self.new.text if self.new is not None else None,
            "criteria": list(self.criteria),
        }


@dataclass(frozen=True, slots=True)
class Reason:
    """One aspect of a change: +1 stronger, -1 weaker, 0 direction unknown."""

    aspect: str
    direction: int
    text: str


def diff_statements(
    old: Sequence[Statement],
    new: Sequence[Statement],
    *,
    vectors_old: np.ndarray | None = None,
    vectors_new: np.ndarray | None = None,
) -> list[Change]:
    """Commitment-level changes from ``old`` to ``new``, in the reading order of ``new``.

    Only statements that are commitments on at least one side are reported; statements whose
    text is unchanged up to case, whitespace, punctuation, list or section numbering,
    hyphenation and typo-level edits are never reported, wherever they moved. Vectors are
    optional sentence embeddings (one row per statement; used only when both are given) that
    help pair paraphrases. Raises DiffInputError when vectors do not fit the statements.
    """
    _check_vectors(old, vectors_old, "vectors_old")
    _check_vectors(new, vectors_new, "vectors_new")
    both = vectors_old is not None and vectors_new is not None
    alignment = align_texts(
        [compare_text(s) for s in old],
        [compare_text(s) for s in new],
        vectors_old=vectors_old if both else None,
        vectors_new=vectors_new if both else None,
    )
    found: list[tuple[float, Change]] = []
    for pair in alignment.pairs:
        if pair.exact:
            continue
        a = merge_statements([old[i] for i in pair.old])
        b = merge_statements([new[j] for j in pair.new])
        change = classify_pair(a, b, regrouped=len(pair.old) + len(pair.new) > 2)
        if change is not None:
            found.append((float(pair.new[0]), change))
    anchor = _anchors(alignment, len(old))
    found += [(anchor[i], _one_sided("removed", old[i])) for i in alignment.removed if old[i].features.is_commitment]
    found += [(float(j), _one_sided("added", new[j])) for j in alignment.added if new[j].features.is_commitment]
    found.sort(key=lambda item: item[0])
    return [change for _, change in found]


def classify_pair(old: Statement, new: Statement, *, regrouped: bool = False) -> Change | None:
    """Kind and reason of the change from ``old`` to its counterpart ``new``, or None.

    None when neither is a commitment or the wording is the same up to noise. Reasons that
    all point one way make it strengthened or weakened; none, or mixed, make it reworded.
    """
    if not (old.features.is_commitment or new.features.is_commitment):
        return None
    a, b = strip_numbering(compare_text(old)), strip_numbering(compare_text(new))
    if is_noise_edit(a, b, regrouped=regrouped):
        return None
    found = compare_aspects(a, b, old.features, new.features)
    directions = {r.direction for r in found if r.direction != 0}
    reasons = [r.text for r in found]
    if len(directions) == 1:
        kind = "strengthened" if directions.pop() > 0 else "weakened"
    else:
        kind = "reworded"
        if directions:
            reasons.insert(0, "mixed: stronger in part, weaker in part")
        if not found:
            reasons.append(describe_wording(a, b))
    return Change(kind, "; ".join(reasons), old, new, tuple(dict.fromkeys(old.criteria + new.criteria)))


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
    return found


# --- modality -------------------------------------------------------------------------

_MODAL_RANK = {
    "must": 4, "shall": 4, "will": 4, "commit": 4, "required": 4, "present tense": 4, "imperative": 4,
    "should": 3,
    "plan to": 2, "intend to": 2, "expect to": 2, "aim to": 2, "seek to": 2, "strive to": 2,
    "endeavour to": 2, "try to": 2, "hope to": 2, "goal": 2,
    "may": 1, "might": 1, "could": 1, "can": 1, "consider": 1, "typically": 1, "generally": 1,
    "none": 0,
}  # fmt: skip
_MODAL = re.compile(
    r"\b(will|shall|must|should|may|might|could|can|(?:is|are) required to|commit(?:s|ted)? to|"
    r"(?:aim|seek|strive|endeavou?r|intend|plan|expect|hope)s? to|tr(?:y|ies) to|our goal is|consider|"
    r"typically|generally)\b",
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
        if base in _HEDGE_VERBS:
            return ("endeavour" if base.startswith("endeavo") else base) + " to"
    return "will" if w == ["wo"] else " ".join(t for t in w if t not in ("to", "is", "are", "our"))


def _modality_reason(a: str, b: str, fa: Features, fb: Features) -> Reason | None:
    ma, mb = modality_of(a, fa), modality_of(b, fb)
    if ma == mb or "none" in (ma, mb):  # no modal word on one side: the status reason says it
        return None
    ra = _MODAL_RANK.get(ma, _STRENGTH_RANK.get(fa.strength, 0))
    rb = _MODAL_RANK.get(mb, _STRENGTH_RANK.get(fb.strength, 0))
    return Reason("modality", (rb > ra) - (rb < ra), f"modality: '{ma}' -> '{mb}'")


def _status_reason(fa: Features, fb: Features) -> Reason | None:
    if fa.is_commitment != fb.is_commitment:
        was, now = ("a commitment", f"a {fb.category}") if fa.is_commitment else (f"a {fa.category}", "a commitment")
        return Reason("status", 1 if fb.is_commitment else -1, f"{was} became {now}")
    sa, sb = _STRENGTH_ORDER.get(fa.strength, 0), _STRENGTH_ORDER.get(fb.strength, 0)
    if sa != sb:
        return Reason("strength", 1 if sb > sa else -1, f"strength: {fa.strength} -> {fb.strength}")
    return None


# --- negation -------------------------------------------------------------------------

_NEGATION = re.compile(
    r"\b(?:not|never|cannot|no longer|neither|nor|no(?!\s+(?:later|more|less|fewer|sooner|earlier)\b))\b|n't\b",
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
        if kind in _SENSE and len(xa) == len(xb):
            for p, q in zip(xa, xb):
                if p.value != q.value:
                    stronger = (q.value > p.value) == (_SENSE[kind] > 0)
                    word = "stronger" if stronger else "weaker"
                    text = f"{_LABEL[kind]}: '{p.raw}' -> '{q.raw}' ({word})"
                    reasons.append(Reason("number", 1 if stronger else -1, text))
        else:
            before = ", ".join(f"'{n.raw}'" for n in xa) or "none"
            after = ", ".join(f"'{n.raw}'" for n in xb) or "none"
            reasons.append(Reason("number", 0, f"numbers: {before} -> {after}"))
    return reasons


# --- conditions -----------------------------------------------------------------------

_CONDITION = re.compile(
    r"\b(?:unless|if|provided that|providing that|except|subject to|only (?:if|when)|in the event that|"
    r"to the extent|where (?:feasible|possible|practicable|appropriate|necessary|reasonable)|"
    r"when (?:feasible|possible|practicable|appropriate)|as (?:appropriate|feasible|needed|necessary)|"
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


# Clauses that time an obligation rather than excuse it: their change has no direction.
_TIMING = frozenset("before after until when whenever once during within prior following".split())


def _condition_reasons(a: str, b: str, fa: Features, fb: Features) -> list[Reason]:
    ca, cb = conditions_in(a, fa), conditions_in(b, fb)
    reasons = []
    for sign, mine, theirs in ((-1, cb, ca), (1, ca, cb)):
        for c in mine:
            if any(_overlap(c, d) >= 0.6 for d in theirs):
                continue
            timing = c.split()[0].lower() in _TIMING if c.split() else False
            what = "timing" if timing else "condition"
            verb = "added" if sign < 0 else "dropped"
            reasons.append(Reason("condition", 0 if timing else sign, f"{what} {verb}: '{_clip(c)}'"))
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
    ta, tb = _scope_terms(a), _scope_terms(b)
    gone, came = list((ta - tb).elements()), list((tb - ta).elements())
    if not gone and not came:
        return None
    narrower = any(t.split()[0] in _UNIVERSAL for t in gone) or any(t.split()[0] in _RESTRICTIVE for t in came)
    wider = any(t.split()[0] in _UNIVERSAL for t in came) or any(t.split()[0] in _RESTRICTIVE for t in gone)
    detail = f"{', '.join(repr(t) for t in gone) or 'none'} -> {', '.join(repr(t) for t in came) or 'none'}"
    if narrower == wider:
        return Reason("scope", 0, f"scope changed: {detail}")
    return Reason("scope", -1 if narrower else 1, f"scope {'narrowed' if narrower else 'widened'}: {detail}")


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


# --- helpers --------------------------------------------------------------------------


def _one_sided(kind: ChangeKind, statement: Statement) -> Change:
    what = f"{statement.features.strength} commitment ('{modality_of(compare_text(statement), statement.features)}')"
    reason = f"new {what}" if kind == "added" else f"{what} no longer in the policy"
    old, new = (None, statement) if kind == "added" else (statement, None)
    return Change(kind, reason, old, new, tuple(dict.fromkeys(statement.criteria)))


def _anchors(alignment: Alignment, n_old: int) -> dict[int, float]:
    """Where each removed old statement sits in new reading order: after its predecessor."""
    new_of = {i: p.new[-1] for p in alignment.pairs for i in p.old}
    anchors: dict[int, float] = {}
    last = -1.0
    for i in range(n_old):
        if i in new_of:
            last = float(new_of[i])
        else:
            anchors[i] = last + 0.5
    return anchors


def _check_vectors(statements: Sequence[Statement], vectors: np.ndarray | None, name: str) -> None:
    if vectors is None:
        return
    shape = getattr(vectors, "shape", None)
    if shape is None or len(shape) != 2 or shape[0] != len(statements):
        raise DiffInputError(
            f"{name} must be a 2-D array with one row per statement ({len(statements)} rows), got shape {shape}"
        )
