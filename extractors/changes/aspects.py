"""Aspects of a commitment that a revision can move, read from the two wordings.

Each reader compares an old and a new wording and returns ``Reason`` records (``reasons``):
which aspect moved, on which of the codebook's six dimensions (scope, threshold or trigger,
actor, obligation strength, disclosure, consequence), which way (+1 binds the lab more, -1
less, 0 unknown) and a reason an analyst can read ("modality: 'will' -> 'aim to'", "interval:
'3 months' -> '6 months' (weaker)", "condition added: 'unless ...'").

``compare_aspects`` gathers them all. This module reads modality, negation and commitment
status; ``thresholds`` reads numbers and conditions (deadlines, triggers, gates); ``wording``
reads scope, hedges and the content words dropped or added. Both versions are read by the
same rules; the features' modality is preferred to the first modal word of the text (it knows
the main clause).
"""

from __future__ import annotations

import re

from labwatch.extractors.changes.reasons import Reason
from labwatch.extractors.changes.thresholds import NOT_UNTIL, condition_reasons, number_reasons
from labwatch.extractors.changes.wording import (
    access_reason,
    approval_reason,
    audience_reasons,
    content_reasons,
    discretion_reason,
    hedge_reasons,
    scope_reason,
    shared_content,
    similar_wording,
    standard_reasons,
    without_standards,
)
from labwatch.extractors.records import Features
from labwatch.extractors.statements.grammar import lab_related


def compare_aspects(a: str, b: str, fa: Features, fb: Features) -> list[Reason]:
    """Every aspect in which text ``b`` binds the lab more or less than text ``a``."""
    found = [r for r in (_modality_reason(a, b, fa, fb), _negation_reason(a, b, fa, fb)) if r]
    status = _status_reason(fa, fb, a, b)
    if status and _power_restated(a, b, fa, fb):
        status = None  # "will have the authority to delay" -> "may delay": the rules read a hedge
    if status and not any(r.aspect == "modality" for r in found):
        found.append(status)
    found += standard_reasons(a, b)
    found += number_reasons(without_standards(a), without_standards(b))
    found += condition_reasons(a, b, fa, fb)
    scope = scope_reason(a, b)
    if scope:
        found.append(scope)
    # who must approve is named on both sides: read even in a rewrite ("require the approval of
    # the Board" -> "are approved by the Safety Council")
    approval = approval_reason(a, b)
    found += [approval] if approval else []
    discretion = discretion_reason(a, b)
    found += [discretion] if discretion else []
    access = access_reason(a, b)
    found += [access] if access else []
    if similar_wording(a, b):
        found += audience_reasons(a, b)
        found += hedge_reasons(a, b)
        found += content_reasons(a, b)
    elif shared_content(a, b) >= REWRITE_ACTOR_SHARED:
        # who does it is read in a rewrite too ("We commission an external penetration test" ->
        # "Our internal security team runs a penetration test"), when both speak of the same things
        found += [r for r in audience_reasons(a, b) if r.aspect == "actor"]
    return found


REWRITE_ACTOR_SHARED = 0.6


# --- modality -------------------------------------------------------------------------

_MODAL_RANK = {
    "must": 4, "shall": 4, "will": 4, "would": 4, "commit": 4, "required": 4, "present tense": 4,
    "imperative": 4, "shorthand": 4,
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
_HEDGE_WORDS = re.compile(
    r"\b(?:aims?|seeks?|strives?|intends?|plans?|expects?|hopes?|goals?|ambitions?|aspir\w*|ideally|"
    r"where (?:feasible|possible|appropriate)|example|for instance|e\.g\.)\b",
    re.IGNORECASE,
)
_NOT_AUX = r"(?!(?:is|are|be|been|being|was|were)\b)"
_PAST = re.compile(
    r"\b(?:was|were|had|did|last (?:year|month|quarter|week)|previously|ago|in (?:19|20)\d\d)\b"
    rf"|\b(?:we|our(?: {_NOT_AUX}\w+){{1,2}}|the(?: {_NOT_AUX}\w+){{1,2}})\s+{_NOT_AUX}\w+ed\b"
    # "our most capable deployed model": a participle before the noun it qualifies, no past
    r"(?!\s+(?:models?|systems?|versions?|weights|checkpoints?|data|datasets?)\b)",
    re.IGNORECASE,
)
# a past tense in a relative or wh-clause ("any evaluation that was not run", "recording when and
# why the designation was made") reports nothing of what the lab does now
_RELATIVE_PAST = re.compile(
    r"\b(?:that|which|who|whom|when|why|how|whether)\s+(?:\w+\s+){0,3}?(?:was|were|had|did)\b", re.IGNORECASE
)
# a relative clause or an embedded question ("staff who can start", "whether the model can copy")
_IN_RELATIVE = re.compile(r"\b(?:who|whom|which|that|whether)\s+(?:[\w'’-]+\s+){0,2}$", re.IGNORECASE)


def _in_relative(text: str, at: int) -> bool:
    """Whether position ``at`` of ``text`` lies in a relative clause or an embedded question."""
    return _IN_RELATIVE.search(text[max(0, at - 40) : at]) is not None


# "is run", "are set", "is held": passives whose participle has no -ed
_IRREGULAR_PARTICIPLES = frozenset(
    "run set put held kept made done sent shown given built paid met read led cut".split()
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
    found = [
        normalize_modality(m.group(1))
        for m in _MODAL.finditer(text)
        if not _in_relative(text, m.start())  # "staff who can start a run"
    ]
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
    if (
        len(w) == 2
        and w[0] in ("is", "are")
        and (re.fullmatch(r"[a-z]+(?:ed|en|wn|ne|t)", w[1]) or w[1] in _IRREGULAR_PARTICIPLES)
        and not (
            w[1].startswith(("commit", "recommend", "encourag", "advis", "suppos"))
            or w[1] in ("required", "expected", "intended", "planned", "designed", "meant", "hoped", "aimed")
        )
    ):
        return "present tense"  # features.py: "are tested", "is kept": a practice in the passive
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


# A power given rather than a duty imposed ("will have the authority to delay", "is entitled to"):
# as binding as "may", which a revision often writes instead.
_POWER = re.compile(
    r"\b(?:(?:will|shall|would)\s+(?:have|be given|retain|hold)|has|have|holds|retains)\s+(?:the\s+|full\s+)?(?:authority|power|right|discretion)\s+to\b"
    r"|\b(?:is|are|will be|shall be)\s+(?:authori[sz]ed|empowered|entitled|free|permitted|allowed)\s+to\b"
    # "Decryption ... is permitted only inside approved environments": the "may ... only" of a rule
    r"|\b(?:is|are)\s+(?:permitted|allowed)\s+only\b",
    re.IGNORECASE,
)


def _power_or(modality: str, text: str) -> str:
    m = _POWER.search(text)
    first = _MODAL.search(text)
    if m and modality in ("will", "shall", "would", "present tense") and (first is None or first.start() >= m.start()):
        return "may"
    return modality


def _power_restated(a: str, b: str, fa: Features, fb: Features) -> bool:
    """Whether one side grants a power ("will have the authority to") that the other writes as
    "may": the same modality, though the commitment rules read only one side as a commitment."""
    ma, mb = modality_of(a, fa), modality_of(b, fb)
    pa, pb = _power_or(ma, a), _power_or(mb, b)
    return (pa != ma or pb != mb) and pa == pb


# "Only named staff may access the weights", "no copy may be made without ...", "may be
# accessed only by ...": a "may" that restricts binds as "shall be limited to" does
# ("may ... only where the council decides" is a permission with a gate, and stays "may")
_PERMIT = r"(?:may|can|(?:is|are)\s+(?:permitted|allowed))"
_RESTRICTING_MAY = re.compile(
    rf"\b(?:only|no)\b(?:\s+[\w'’-]+){{1,12}}?\s+{_PERMIT}\b"
    rf"|\b{_PERMIT}\s+(?:[\w'’-]+\s+){{0,3}}?only\b(?!\s+(?:where|if|when|after|once|with|upon|in the event)\b)",
    re.IGNORECASE,
)


def _restriction_or(modality: str, text: str) -> str:
    return "shall" if modality in ("may", "can") and _RESTRICTING_MAY.search(text) else modality


def _modality_reason(a: str, b: str, fa: Features, fb: Features) -> Reason | None:
    ma = _restriction_or(_power_or(modality_of(a, fa), a), a)
    mb = _restriction_or(_power_or(modality_of(b, fb), b), b)
    if ma == mb or "none" in (ma, mb):  # no modal word on one side: the status reason says it
        return None
    if _modal_words(a) and _modal_words(a) == _modal_words(b) and bool(_POWER.search(a)) == bool(_POWER.search(b)):
        # the same modal words on both sides ("... is responsible for X. It may halt Y." merged
        # into one sentence): the rules read a different main clause, the obligations did not move
        return None
    ranks_a = sorted(_MODAL_RANK.get(w, 0) for w in _modal_words(a, main_only=True))
    ranks_b = sorted(_MODAL_RANK.get(w, 0) for w in _modal_words(b, main_only=True))
    read_as_written = (ma, mb) == (modality_of(a, fa), modality_of(b, fb))  # no power or restriction read
    if ranks_a and ranks_a == ranks_b and read_as_written:
        # "Staff can report ..., and we will not retaliate" -> "Staff may report ...; the
        # Company shall not retaliate": a permission and a duty on both sides, one clause each.
        # Named without a direction, so that the status reader does not judge it either.
        return Reason(
            "modality", 0, f"modality: '{ma}' -> '{mb}' (no direction: modal words of the same force)", "strength"
        )
    ra = _MODAL_RANK.get(ma, _STRENGTH_RANK.get(fa.strength, 0))
    rb = _MODAL_RANK.get(mb, _STRENGTH_RANK.get(fb.strength, 0))
    return Reason("modality", (rb > ra) - (rb < ra), f"modality: '{ma}' -> '{mb}'", "strength")


def _modal_words(text: str, *, main_only: bool = False) -> list[str]:
    """The modal cues of ``text``; with ``main_only``, not those inside a relative clause ("staff
    who can start a run")."""
    return sorted(
        normalize_modality(m.group(1))
        for m in _MODAL.finditer(text)
        if not (main_only and _in_relative(text, m.start()))
    )


def _status_reason(fa: Features, fb: Features, a: str = "", b: str = "") -> Reason | None:
    if fa.is_commitment != fb.is_commitment:
        was, now = ("a commitment", f"a {fb.category}") if fa.is_commitment else (f"a {fa.category}", "a commitment")
        plain = b if fa.is_commitment else a
        other = fb if fa.is_commitment else fa
        if other.category == "hedge" and _restriction_or(modality_of(plain, other), plain) == "shall":
            # "shall be limited to named staff" -> "only named staff may access": the "may"
            # restricts, it does not hedge
            return Reason("status", 0, f"{was} became {now} (no direction: a 'may' that restricts)")
        if (
            other.category == "description"
            and not _modal_words(plain, main_only=True)
            and not _HEDGE_WORDS.search(plain)
            # a promise turned into a report of the past is weaker (a past tense inside a
            # relative clause, "any evaluation that was not run", reports nothing of the lab's)
            and not _PAST.search(_RELATIVE_PAST.sub(" ", plain))
        ):
            # the other side states something in the plain present with no modal or hedge:
            # as often a practice the rules do not read ("every model goes through the suite")
            # as a description, so the status alone names no direction
            return Reason("status", 0, f"{was} became {now} (no direction: a plain statement)")
        return Reason("status", 1 if fb.is_commitment else -1, f"{was} became {now}")
    sa, sb = _STRENGTH_ORDER.get(fa.strength, 0), _STRENGTH_ORDER.get(fb.strength, 0)
    if sa != sb:
        if "none" in (fa.strength, fb.strength) and not (fa.is_commitment or fb.is_commitment):
            # a hedge on one side, no cue on the other, a commitment on neither: the side
            # without a cue is as often a practice the rules do not read ("could be used" ->
            # "are used") as a description, so there is no direction to name
            return Reason("strength", 0, f"strength: {fa.strength} -> {fb.strength} (no direction)")
        return Reason("strength", 1 if sb > sa else -1, f"strength: {fa.strength} -> {fb.strength}")
    return None


# --- negation -------------------------------------------------------------------------

# "not limited to", "not only", "not just", "not exhaustive" widen what they qualify: no negation.
_NEGATION = re.compile(
    # "not less than 100", "not later than": a bound, as "no fewer than" is, not a negation
    r"\b(?:not(?!\s+(?:limited|only|just|exhaustive|an exhaustive|necessarily exhaustive|"
    r"(?:less|fewer|more|later|sooner|earlier)\s+than|exceeding|to exceed)\b)|never|cannot|"
    r"no longer|neither|nor|nobody|no one|(?<!\bwith )no(?!\s+(?:later|more|less|fewer|sooner|earlier|one)\b))\b|n't\b",
    re.IGNORECASE,
)
# Actions a lab promises *not* to take: negating them binds more, not less.
_RISKY_ACTIONS = frozenset(
    "deploy deploys deployed deploying release released releasing train training trained proceed "
    "continue scale scaling launch open-source".split()
)


_BEFORE = re.compile(r"\b(?:before|prior to)\b", re.IGNORECASE)
_NOT_UNLESS = re.compile(
    r"\b(?:no|not|never)\b[^.;]{0,100}?\b(?:unless|until|except (?:if|when|where))\b", re.IGNORECASE
)
_ONLY_IF = re.compile(r"\bonly\b[^.;]{0,60}?\b(?:if|when|once|after|where)\b", re.IGNORECASE)
_CLAUSE_MODALS = frozenset("shall will must may can is are".split())


# A relative pronoun shortly before the negation, with no clause break between them, and the
# contrast "X, not Y" of two noun phrases.
_RELATIVE_BEFORE = re.compile(r"\b(?:who|whom|which|that)\b(?:\s+[\w'’-]+){0,4}\s*$", re.IGNORECASE)
_CONTRAST = re.compile(
    r"not\s+(?:(?:to|for|with|by|from|in|under)\s+)?(?:the|a|an|its|our)\s+[\w-]+(?:\s+[\w-]+)?\s*[,.;)]", re.IGNORECASE
)


def _negations(text: str) -> list[re.Match]:
    """The negations of ``text``, a "neither ... nor" counted once: "neither the model nor its
    weights are released" negates as "shall not release the model or its weights" does."""
    found, neither = [], False
    for m in _NEGATION.finditer(text):
        word = m.group(0).lower()
        if word == "nor" and neither:
            continue
        neither = neither or word == "neither"
        found.append(m)
    return found


_WITHOUT_AFTER = re.compile(r"[^,;.:]{0,60}?\bwithout\b", re.IGNORECASE)


def _clause_negations(text: str) -> list[re.Match]:
    """The negations of ``text`` that negate a clause: not those inside a relative clause ("a
    safeguard that has not been tested"), which qualify a noun."""
    return [m for m in _negations(text) if not _RELATIVE_BEFORE.search(text[max(0, m.start() - 60) : m.start()])]


def _required_without(text: str, other: str) -> int:
    """How many negations of ``text`` restate a requirement of ``other`` ("no export takes place
    without two-person control" for "every export is subject to two-person control"): a negation
    with "without" after it, where ``other`` states a requirement and has no "without" of its own."""
    if re.search(r"\bwithout\b", other, re.I) or not _REQUIREMENT.search(other):
        return 0
    return sum(bool(_WITHOUT_AFTER.match(text, m.end())) for m in _negations(text))


_REQUIREMENT = re.compile(r"\b(?:requires?|required|subject to|must|only (?:with|after|once|if|when))\b", re.I)


def _negation_reason(a: str, b: str, fa: Features | None = None, fb: Features | None = None) -> Reason | None:
    na, nb = len(_negations(a)), len(_negations(b))
    if na != nb and na - _required_without(a, b) == nb - _required_without(b, a):
        return None
    if na != nb and len(_clause_negations(a)) == len(_clause_negations(b)):
        # only a negation inside a relative clause came or went ("will not rely on a safeguard that
        # has not been tested" -> "no safeguard will be relied on unless it has been tested"):
        # the clause negations are the same, what moved qualifies a noun
        return None
    if na == nb:
        return None
    added = nb > na
    negated, plain = (b, a) if added else (a, b)
    if _NOT_UNLESS.search(negated) and _ONLY_IF.search(plain):
        # "We will not deploy a model unless it passed" -> "A model is only deployed once it passed"
        return None
    if NOT_UNTIL.search(b if added else a) and _BEFORE.search(a if added else b):
        # "shall implement safeguards before it is deployed" -> "no model shall be deployed
        # until safeguards are in place": the deadline restated as a prohibition
        return None
    text = b if added else a
    m = _negations(text)[-1 if added else 0]
    words = text[: m.start()].split()[-2:] + text[m.start() :].split()[:3]
    what = f"negation {'added' if added else 'removed'}: '{' '.join(words)}'"
    if _RELATIVE_BEFORE.search(text[max(0, m.start() - 60) : m.start()]) or _CONTRAST.match(text[m.start() :]):
        # "an evaluator who took no part in it", "the floor, not the ceiling": the negation
        # qualifies a noun, it does not negate what the lab does
        return Reason("negation", 0, what + " (no direction: it qualifies a noun)")
    commitment = bool((fa and fa.is_commitment) or (fb and fb.is_commitment))
    if not commitment and not _lab_clause(text, m.start()):
        # neither side a commitment, and the negated clause speaks of the world, not of the
        # lab ("larger models may not be more honest"): a description changed, no obligation
        return Reason("negation", 0, what + " (no direction: not the lab's)")
    clause = re.split(r"[,;:.]", text[m.start() :])[0].split()
    # the verb the negation governs: the words after its modal ("No model that has reached
    # tier 2 in any domain shall be deployed"), else the words right after the negation
    modal = next((k for k, w in enumerate(clause) if w.lower() in _CLAUSE_MODALS), None)
    governed = clause[modal + 1 : modal + 5] if modal is not None else clause[:7]
    prohibition = any(w.lower() in _RISKY_ACTIONS for w in governed + clause[:7])
    direction = (1 if added else -1) * (1 if prohibition else -1)
    return Reason("negation", direction, what)


def _lab_clause(text: str, at: int) -> bool:
    """Whether the clause around position ``at`` speaks of the lab (grammar.lab_related: first
    person, a lab noun, or a name)."""
    start = max(text.rfind(x, 0, at) for x in ";:.,") + 1
    ends = [i for i in (text.find(x, at) for x in ";:.,") if i >= 0]
    tokens = re.findall(r"[A-Za-z][A-Za-z'’&-]*", text[start : min(ends) if ends else len(text)])
    return lab_related([x.lower() for x in tokens], tokens)
