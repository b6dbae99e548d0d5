"""How the words around an obligation moved: its scope, hedges and the runs of content words
a revision drops or adds, and a short account of any wording edit (``describe_wording``).

Scope words ('all models' -> 'frontier models') are read in small edits only; hedges and
content runs only when the two wordings share most words (``similar_wording``): inside a
rewrite they say nothing about what the obligation covers.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter

from labwatch.extractors.changes.alignment import canonical_text, strip_numbering
from labwatch.extractors.changes.reasons import Reason, clip
from labwatch.extractors.changes.thresholds import WORD_NUMBERS

# --- scope and wording ----------------------------------------------------------------

_UNIVERSAL = frozenset("all every each any".split())
_SINGULAR_UNIVERSAL = frozenset("every each any".split())
_RESTRICTIVE = frozenset(
    "frontier certain some selected select major significant most relevant applicable covered flagship "
    "largest critical".split()
)
_TIME_WORDS = frozenset("hour hours day days week weeks month months quarter year years time".split())


_MODEL_NOUNS = frozenset("model models system systems checkpoint checkpoints version versions".split())
_ADJECTIVE = re.compile(r"(?:ive|ful|able|ible|ent|ant|ous|ic|al|est)$")
# "each of its decisions", "all the models": a partitive or a determiner after the universal word
_PARTITIVE = frozenset("of the such these those our its their".split())


def _scope_terms(text: str) -> Counter:
    tokens = canonical_text(text).split()
    terms = Counter()
    for i, t in enumerate(tokens):
        j = i + 1
        while t in _UNIVERSAL and j < len(tokens) and tokens[j] in _PARTITIVE:
            j += 1
        nxt = tokens[j] if j < len(tokens) else ""
        if (
            t in _UNIVERSAL
            and nxt
            and not nxt[0].isdigit()
            and nxt not in _TIME_WORDS
            and nxt not in WORD_NUMBERS
            and not nxt.endswith("fold")  # "every 4x" / "each fourfold increase": a step, no noun
        ):
            # "every [Frontier Model] that ...": the noun was a name, taken out before this
            terms[f"{t} {'_' if nxt in _PLAIN else nxt}"] += 1
        elif t in _RESTRICTIVE and not (
            t == "most"
            and _ADJECTIVE.search(nxt)
            and (tokens[j + 1] if j + 1 < len(tokens) else "") not in _MODEL_NOUNS
        ):
            # ("the most effective techniques": a superlative, not "most models")
            terms[f"{t} {nxt}".strip()] += 1
    return terms


def scope_reason(a: str, b: str) -> Reason | None:
    """How the small edits from ``a`` to ``b`` moved what the obligation covers, if they did."""
    ta, tb = _edited_scope_terms(_unnamed(a), _unnamed(b))
    # "frontier models" and "frontier model weights" name one scope: compared without the plural
    ka, kb = Counter(_singular(t) for t in ta.elements()), Counter(_singular(t) for t in tb.elements())
    gone = [t for t in ta.elements() if (ka - kb)[_singular(t)]]
    came = [t for t in tb.elements() if (kb - ka)[_singular(t)]]
    # "evaluations" -> "any evaluation", "our model cards" -> "each model card": "any", "each"
    # or "every" before a noun the other side names generically covers the same things. "all"
    # is kept: dropped it still narrows ("all frontier models" -> "frontier models that we
    # deploy"), an explicit guarantee, where a bare plural admits exceptions.
    gone = [t for t in gone if not _same_coverage(t, b)]
    came = [t for t in came if not _same_coverage(t, a)]
    if not gone and not came:
        return None
    narrower = any(t.split()[0] in _UNIVERSAL for t in gone) or any(t.split()[0] in _RESTRICTIVE for t in came)
    wider = any(t.split()[0] in _UNIVERSAL for t in came) or any(t.split()[0] in _RESTRICTIVE for t in gone)
    detail = f"{', '.join(repr(t) for t in gone) or 'none'} -> {', '.join(repr(t) for t in came) or 'none'}"
    if narrower == wider:
        return Reason("scope", 0, f"scope changed: {detail}", "scope")
    return Reason("scope", -1 if narrower else 1, f"scope {'narrowed' if narrower else 'widened'}: {detail}", "scope")


def _singular(term: str) -> str:
    return re.sub(r"(?<=[a-z]{3})s$", "", term) if not term.endswith("ss") else term


def _moved(term: str, other: str) -> bool:
    """Whether the restrictive word of ``term`` is also in ``other`` ("model weights of frontier
    models" -> "frontier model weights"): it moved, it was not added or dropped."""
    first = term.split()[0]
    return first in _RESTRICTIVE and first in canonical_text(other).split()


def _same_coverage(term: str, other: str) -> bool:
    """Whether ``other`` covers what scope ``term`` covers in other words: the noun named
    generically, the restrictive word only moved, a universal pronoun, another universal word."""
    return (
        _generic_in(term, other)
        or _moved(term, other)
        or _everyone(term, other)
        or _universal_in(term, other)
        or (term.split()[0] == "most" and re.search(r"\bmajority\b", other, re.I) is not None)
    )


_EVERYONE = re.compile(r"\b(?:everyone|everybody|anyone|anybody|everything|all of (?:them|us|our))\b", re.I)


def _everyone(term: str, other: str) -> bool:
    """Whether universal ``term`` ("all staff") restates a universal pronoun of ``other``
    ("everyone with privileged access")."""
    return term.split()[0] in _UNIVERSAL and _EVERYONE.search(other) is not None


def _universal_in(term: str, other: str) -> bool:
    """Whether ``other`` puts another universal word before the noun of ``term`` ("all
    contractors" -> "every contractor")."""
    first, _, noun = term.partition(" ")
    words = canonical_text(other).split()
    if first in _UNIVERSAL and noun == "_":
        return any(w in _UNIVERSAL for w in words)  # a universal word before a name, on both sides
    if first not in _UNIVERSAL or len(noun) < 3:
        return False
    return any(w in _UNIVERSAL and nxt.startswith(noun[:5]) for w, nxt in zip(words, words[1:]))


def _generic_in(term: str, other: str) -> bool:
    """Whether ``term`` is a universal word ("any evaluation") whose noun ``other`` also names."""
    first, _, noun = term.partition(" ")
    if first not in _SINGULAR_UNIVERSAL or len(noun) < 3:
        return False
    stem = noun[:5]
    # "any copying" and "no copy": a word form shorter than the stem counts when it opens it
    return any(w.startswith(stem) or (len(w) >= 4 and stem.startswith(w)) for w in canonical_text(other).split())


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
# Two or more capitalised words opening the text or a label ("Frontier AI Framework adherence:
# ..."): a title, which a rename changes without changing what the obligation covers.
_TITLE = re.compile(r"(?:^|(?<=[.:;] ))\W*(?!(?:All|Every|Each|Any|Some)\b)(?:[A-Z][\w-]*\s+)+[A-Z][\w-]*\b")


def _unnamed(text: str) -> str:
    """``text`` without names: capitalised words inside a sentence, and runs of two or more
    capitalised words that open it ('Frontier AI Framework')."""
    return _NAME.sub(" ", _TITLE.sub(" ", text))


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
        old, new = clip(" ".join(ta[i1:i2])), clip(" ".join(tb[j1:j2]))
        if op == "replace":
            parts.append(f"'{old}' -> '{new}'")
        elif op == "delete":
            parts.append(f"removed '{old}'")
        elif op == "insert":
            parts.append(f"added '{new}'")
    more = f" (+{len(parts) - limit} more)" if len(parts) > limit else ""
    return "wording: " + ", ".join(parts[:limit]) + more


# --- named standards ------------------------------------------------------------------

# A named external standard, framework or certification an obligation is tied to ("based on
# NIST SP 800-53", "audited under SOC 2 Type II", "ISO/IEC 42001"): naming one makes the
# obligation checkable against it, so adding one binds more and dropping one binds less. Its
# numbers are part of the name, not quantities.
_STANDARD = re.compile(
    r"\b(?:NIST(?:'s)?(?:\s+(?:SP\s+)?\d{3}(?:-\d+)?(?:\s+Rev\.?\s?\d+)?|\s+AI\s+(?:RMF|Risk Management Framework)|\s+CSF)?"
    r"|ISO(?:/IEC)?\s?\d{4,5}(?::\d{4})?|SOC\s?[123](?:\s+Type\s+(?:I{1,2}|[12]))?|FedRAMP(?:\s+(?:High|Moderate))?"
    r"|CSA\s+STAR|CMMC(?:\s+Level\s+\d)?|PCI[- ]DSS|FIPS\s+\d{3}(?:-\d)?)",
)


def standards_in(text: str) -> list[str]:
    """The named standards of ``text``, normalised ("NIST 800-171 Rev.3", "SOC 2 Type II")."""
    return [" ".join(m.group(0).split()) for m in _STANDARD.finditer(text)]


def without_standards(text: str) -> str:
    """``text`` with its named standards and its cross-references ("paragraph 8.5", "clause
    3.1(c)") blanked, so their numbers are not read as quantities: a renumbering moves them."""
    return _XREF_NUMBER.sub(" ", _STANDARD.sub(" ", text))


_XREF_NUMBER = re.compile(
    r"\b(?:sections?|clauses?|paragraphs?|para\.|articles?|annex|appendix|schedule|parts?|chapters?)\s+"
    r"\d+(?:\.\d+)*(?:\s?\([a-z0-9]{1,4}\))*",
    re.IGNORECASE,
)


def standard_reasons(a: str, b: str) -> list[Reason]:
    """Named standards the new wording adds (binds more) or drops (binds less)."""
    sa, sb = standards_in(a), standards_in(b)
    came = [x for x in sb if x not in sa]
    gone = [x for x in sa if x not in sb]
    reasons = []
    if came:
        reasons.append(Reason("standard", 1, "standard named: " + ", ".join(f"'{x}'" for x in came), "actor"))
    if gone:
        reasons.append(
            Reason("standard", -1, "standard no longer named: " + ", ".join(f"'{x}'" for x in gone), "actor")
        )
    return reasons


# --- hedges ---------------------------------------------------------------------------

# Adverbs and phrases that loosen whatever they qualify ("we may *selectively* allow"); their
# coming binds less and their going more. Modal verbs and conditional clauses have their own readers
# (aspects, thresholds).
_HEDGE = re.compile(
    r"\b(?:potentially|selectively|possibly|generally|typically|usually|normally|ideally|occasionally|"
    r"sometimes|(?<!less )(?<!more )often(?!\s+than\b)|reasonabl[ey]|in (?:some|certain|most) cases|where relevant|as relevant|"
    r"if relevant|(?:best|reasonable|significant|commercially reasonable) (?:efforts?|endeavou?rs?)|efforts? to|"
    r"(?:as|if|when|where) (?:warranted|required|applicable)|(?:if|when) we determine)\b",
    re.IGNORECASE,
)


# What a risk or harm is ("the risk that a model might potentially enable ..."), up to the
# clause's end: a hedge in there says how likely the harm is, not how far the lab is bound.
_RISK_DESCRIPTION = re.compile(
    r"\b(?:risks?|likelihood|chance|probability|possibility)\s+(?:that|of)\b[^,;:.]*", re.IGNORECASE
)


def _hedges(text: str) -> Counter[str]:
    text = _RISK_DESCRIPTION.sub(" ", text)
    return Counter(m.group(0).lower() for m in _HEDGE.finditer(text))


def hedge_reasons(a: str, b: str) -> list[Reason]:
    """Hedges that came (weaker) or went (stronger) between the two wordings (not those inside
    the description of a risk, which qualify the harm, not the obligation)."""
    ha, hb = _hedges(a), _hedges(b)
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
# An added run that opens a restriction or a loosening ("only ...", "as appropriate"): left to
# the readers of conditions and hedges, and not read as an enumeration widened ("as well as
# outside auditors" is one).
_LOOSENING_START = re.compile(
    r"^\W*(?:if|unless|except|only|provided|subject|when|where|as(?!\s+well\s+as\b)|to the extent)\b", re.I
)
# A run that opens a condition, an exception or a concession (not "only ..." or "as well as ...",
# which restrict or enumerate what the obligation covers).
_CONDITION_START = re.compile(
    r"^\W*(?:if|unless|except|provided|subject to|when|whenever|where|to the extent|in the event|even (?:if|though)|"
    r"regardless)\b",
    re.I,
)
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
    edits = [op for op in ops if op[0] != "equal"]
    if edits and any(op[0] == "replace" for op in edits):
        # every edit inside one stretch of a list: items added or taken away, in new order
        grown = _list_regrown(ta[edits[0][1] : edits[-1][2]], tb[edits[0][3] : edits[-1][4]], ta, tb)
        if grown is not None:
            return [grown]
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
        if content and all(t in _FILLER_WORDS for t in content):
            continue  # "encrypted both in transit and at rest": no coverage word
        name = _listed_name(content, a if op == "delete" else b) if around & _ENUMERATION else None
        if name is not None:
            # one named party dropped from or added to a list ("SecureBio, NIST, RAND"): who
            # takes part changed, though it is a single word
            dimension = "actor" if _ACTOR.search(a + " " + b) else "scope"
            verb = "dropped" if op == "delete" else "added"
            reasons.append(Reason("content", -1 if op == "delete" else 1, f"{dimension} {verb}: '{name}'", dimension))
            continue
        # a clause after a semicolon inside one cell or sentence ("Do not deploy; pause training
        # until ...") is part of it; a run that holds a sentence break is a sentence of its own
        inner = run[1:-1] if run[0] == ";" else run[:-1]
        if len(content) < MIN_CONTENT_RUN or any(t in stops for t in inner):
            continue  # a short run, or a whole sentence dropped or added (not a change of coverage)
        # a compound's parts count as its words ("cyber-misuse monitoring" -> "monitoring for cyber misuse")
        elsewhere = {_stem(part) for t in (tb if op == "delete" else ta) for part in [t, *re.split(r"[-\u2010]", t)]}
        if _moved_run(content, elsewhere):
            continue  # the words moved ("the board must approve" -> "must be approved by the board")
        if all(t in _NUMBERISH for t in content):
            continue  # "at least once a year" -> "at least annually": the number readers judge it
        core = [
            t for t in content if t not in _NUMBERISH | _FILLER_WORDS | _TIMING_WORDS and t not in ("date", "dates")
        ]
        if core != content and core and _moved_run(core, elsewhere):
            # "before the planned date of launch" -> "before launch is planned", "at rest and in
            # transit" -> "both in transit and at rest": the words that carry content moved
            continue
        if all(t in _REFERENCE for t in content):
            continue  # "the Standard set out in the Annex" -> "the Standard in Annex A": a pointer
        if _agent_of_passive(run, a if op == "delete" else b, b if op == "delete" else a):
            continue  # "Saltmarsh will train Covered Models" -> "Covered Models will be trained"
        text = " ".join(t for t in run if t not in _PUNCT)
        if _EXAMPLE.match(text):
            continue  # an example given or withdrawn illustrates; it does not set the coverage
        # "each deployed model that has reached tier 1": a "that" opening a verb phrase relates
        relative = run[0] in _RELATIVE or (run[0] == "that" and len(run) > 1 and run[1] in _RELATIVE_VERBS)
        qualifier = relative and (lo == 0 or tokens[lo - 1] != ",")
        if qualifier:
            # a restrictive relative clause ("models which pose severe risks") limits what it
            # follows: dropping it widens the obligation, adding it narrows
            sign = 1 if op == "delete" else -1
            verb = "dropped" if op == "delete" else "added"
            reasons.append(Reason("content", sign, f"qualifier {verb}: '{clip(text)}'", "scope"))
            continue
        if _CONDITION_START.search(text) or (lo == 0 and run[0] in ("should", "were", "had")):
            continue  # a condition or an exception came or went: the condition reader judges it
        if op == "delete" and _HEDGE.search(text):
            continue  # "shall use reasonable endeavours to withdraw": the hedge reader judges it
        if op == "insert":
            # "any employee" -> "any employee, contractor or former employee": the run holds the
            # enumeration's own commas and "or"; "as well as X" joins one too
            joins = around & _ENUMERATION or set(run[1:-1]) & {",", "or"} or run[:3] == ["as", "well", "as"]
            if not joins or _LOOSENING_START.search(text) or _HEDGE.search(text):
                continue
        dimension = dimension_of(text)
        verb = "dropped" if op == "delete" else "added"
        reasons.append(Reason("content", -1 if op == "delete" else 1, f"{dimension} {verb}: '{clip(text)}'", dimension))
    return reasons


def _stem(word: str) -> str:
    """A crude stem: an inflection off ("tested" -> "test"), then five letters."""
    return (re.sub(r"(?:ing|ed|es|s)$", "", word) if len(word) > 5 else word)[:5]


def _moved_run(content: list[str], elsewhere: set[str]) -> bool:
    """Whether a dropped or added run's content words are found elsewhere in the other wording:
    all of them, or (a clause moved and lightly reworded) three in four of a run of four or
    more, three in five of a run of six or more."""
    stems = [_stem(t) for t in content]
    share = sum(t in elsewhere for t in stems) / max(1, len(stems))
    return share == 1 or (len(stems) >= 4 and share >= 0.75) or (len(stems) >= 6 and share >= 0.6)


_NUMBERISH = frozenset(WORD_NUMBERS) | frozenset(
    "once twice thrice least most hour hours day days week weeks month months quarter quarters year years "
    "daily weekly monthly quarterly annually yearly annual working business calendar "
    "factor double doubles doubled triple tripled half fold times".split()
)
_PARTICLES = frozenset("out up off down over".split())
_FILLER_WORDS = frozenset("both either also each".split())
_TIMING_WORDS = frozenset("before after until prior following during once".split())
# words that point to where something is written, not what it covers
_REFERENCE = frozenset("set out laid down described specified referred listed stated contained detailed given".split())
_PASSIVE_OF = r"\b(?:be|been|being|is|are|was|were|get|gets)\s+(?:\w+ly\s+)?{stem}\w*"


def _agent_of_passive(run: list[str], text: str, other: str) -> bool:
    """Whether ``run`` is the lab named as the subject of an active clause ("Saltmarsh will
    train", "we will report") whose verb the other wording puts in the passive without an agent
    ("will be trained", "is reported"): the same duty of the same lab."""
    words = [t for t in run if t not in _PUNCT]
    # a phrasal verb's particle ("carry out" -> "is carried out") is not a second verb
    verbs = [t for t in words if t not in _PLAIN | _PARTICLES and not _named([t], text) and t not in ("we", "our")]
    agents = [t for t in words if t not in _PLAIN | _PARTICLES and t not in verbs]
    if len(verbs) != 1 or (not agents and not {"we", "our"} & set(words)):
        return False
    if verbs[0] in ("receive", "receives") and agents:
        # "The Board receives a summary" -> "a summary is provided to the Board": the converse verb
        given = (
            r"\b(?:is|are|will be|shall be)\s+(?:provided|given|sent|reported|submitted|delivered)\s+to\s+(?:the\s+)?"
        )
        return re.search(given + re.escape(agents[-1]), other, re.IGNORECASE) is not None
    if _ACTOR.search(" ".join(agents)) and not {"may", "can"} & set(words):
        # an outside actor dropped from a duty is an actor change; dropped from a permission
        # ("Staff may report concerns" -> "Concerns can be reported") it leaves anyone free to act
        return False
    stem = re.escape(verbs[0][: max(4, len(verbs[0]) - 2)])
    return re.search(_PASSIVE_OF.format(stem=stem), other, re.IGNORECASE) is not None


MAX_LIST_SPAN = 16  # tokens: a longer stretch of edits is a rewording, not a list regrown


def _list_regrown(old: list[str], new: list[str], whole_old: list[str], whole_new: list[str]) -> Reason | None:
    """A list rewritten with items added or taken away ("biological and chemical" -> "chemical,
    biological, radiological and nuclear"): one run's content words (by stem) are a strict part
    of the other's, and the longer run is an enumeration."""
    ca, cb = {t[:5] for t in _content(old)}, {t[:5] for t in _content(new)}
    if not ca or not cb or ca == cb or max(len(old), len(new)) > MAX_LIST_SPAN:
        return None
    longer = new if ca < cb else old if cb < ca else None
    if longer is None or not set(longer) & {",", "and", "or", ";"}:
        return None
    other = {t[:5] for t in (whole_old if ca < cb else whole_new)}
    extra = [t for t in _content(longer) if t[:5] not in other and t not in _FILLER_WORDS]
    if not extra:
        return None  # the words only moved ("at rest and in transit" -> "both in transit and at rest")
    verb, sign = ("added", 1) if ca < cb else ("dropped", -1)
    return Reason("content", sign, f"scope {verb}: '{clip(' '.join(extra))}'", "scope")


_TOKEN = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*|[,;:.]")
_PUNCT = frozenset(",;:.")
_ENUMERATION = frozenset({",", ";", "and", "or", "including"})
_EXAMPLE = re.compile(r"^(?:for example|for instance|e g|eg|i e|such as|like)\b")
_RELATIVE = frozenset({"which", "who", "whose", "whom"})
_RELATIVE_VERBS = frozenset(
    "has have had is are was were meets meet exceeds exceed poses pose reaches reach reached crosses cross can could may will".split()
)


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


def shared_content(a: str, b: str) -> float:
    """Share of the shorter wording's content words (by their first five letters) that the other
    has: how much two paired statements are about the same things."""
    ca, cb = {t[:5] for t in _content(_tokens(a))}, {t[:5] for t in _content(_tokens(b))}
    return len(ca & cb) / min(len(ca), len(cb)) if ca and cb else 0.0


def _content(run: list[str]) -> list[str]:
    return [t for t in run if t not in _PLAIN | _CROSS_REFERENCE and t not in _PUNCT and not t.isdigit() and len(t) > 2]


# Nouns of a cross-reference ("the monitoring required by clause 7.4"): they point into the
# document, they name nothing the obligation covers.
_CROSS_REFERENCE = frozenset("clause clauses subclause section sections paragraph paragraphs annex appendix".split())


# Who learns of something: the public, or only named recipients. "publish" -> "share with the
# relevant government bodies" narrows the disclosure; the reverse widens it.
_PUBLIC = re.compile(
    r"\b(?:publish\w*|publicly|openly|on our website|to the public|make (?:\w+ )?public|"
    r"public (?:report|summary|summaries|version|disclosure|statement|post|blog))\b",
    re.IGNORECASE,
)
_RECIPIENT = re.compile(
    r"\b(?:shar(?:e|es|ed|ing)|provid\w*|report\w*|disclos\w*|send\w*|mak\w+ available|inform\w*|"
    r"notif\w*|brief\w*)\b[^.;]{0,60}?\b(?:with|to)\b",
    re.IGNORECASE,
)
# Who does it: someone outside the lab, or the lab itself.
# "independent of the Preparedness Team" is an internal group's independence, not an outsider
_OUTSIDE = re.compile(
    r"\b(?:external|independent(?!\s+(?:of|from)\b)|third[- ]part(?:y|ies)|outside|accredited)\b", re.IGNORECASE
)
_INSIDE = re.compile(r"\b(?:internal|in-house|our own|its own)\b", re.IGNORECASE)
_OFFICER = re.compile(
    r"\b(?:general counsel|chief [a-z]+ officer|head of [a-z]+|company secretary|(?:their|his|her|a|the) (?:line )?(?:manager|supervisor))\b",
    re.IGNORECASE,
)


# A response left to someone's judgement ("the Safety Council decides whether to treat the model
# as ...", "reviews whether further training should be paused") where the other wording
# requires it ("we will treat the model as ...", "further training paused").
# "assesses whether this Policy has been complied with" examines a fact: "reviews", "assesses"
# and "considers" leave a response open only when a response follows ("whether to pause",
# "whether training should be paused").
_DISCRETION = re.compile(
    r"\b(?:decides?|determines?|judges?|shall decide|will decide|may decide)\s+whether\b"
    r"|\b(?:considers?|reviews?|assess(?:es)?)\s+whether\b(?=\s+to\b|[^.;:]{0,60}?\b(?:should|must|ought|"
    r"needs? to|is to|are to|(?:be|is|are)\s+(?:paused|halted|stopped|suspended|deployed|released|delayed|resumed))\b)"
    r"|\bat (?:its|their|our|the [\w ]{1,30}'s) (?:sole )?discretion\b|\bat the (?:sole )?discretion of\b"
    r"|\bmay (?:choose|elect|decide) to\b"
    r"|\bas (?:[\w'’-]+ ){1,4}(?:considers?|deems?|judges?|thinks?|determines?) (?:appropriate|necessary|fit|suitable)\b",
    re.IGNORECASE,
)


def discretion_reason(a: str, b: str) -> Reason | None:
    """A required response turned into a decision someone takes (weaker), or the reverse, in
    two wordings about the same things."""
    da, db = _DISCRETION.search(a), _DISCRETION.search(b)
    if bool(da) == bool(db) or shared_content(a, b) < DISCRETION_SHARED:
        return None
    m = db or da
    if db:
        return Reason("consequence", -1, f"response left to a decision: '{clip(m.group(0))}'", "consequence")
    return Reason("consequence", 1, f"decision became a required response (was '{clip(m.group(0))}')", "consequence")


DISCRETION_SHARED = 0.5


def audience_reasons(a: str, b: str) -> list[Reason]:
    """A disclosure moved between the public and named recipients, or a step moved between
    outside parties and the lab's own people, in otherwise similar wordings."""
    reasons = []
    pa, pb = bool(_PUBLIC.search(a)), bool(_PUBLIC.search(b))
    if pa != pb and _RECIPIENT.search(b if pa else a):
        m = _RECIPIENT.search(b if pa else a)
        to = clip(m.group(0))
        text = f"disclosure narrowed: public -> '{to}'" if pa else f"disclosure widened: '{to}' -> public"
        reasons.append(Reason("disclosure", -1 if pa else 1, text, "disclosure"))
    oa, ob = bool(_OUTSIDE.search(a)), bool(_OUTSIDE.search(b))
    ia, ib = bool(_INSIDE.search(a)), bool(_INSIDE.search(b))
    officers = sorted({m.lower() for m in _OFFICER.findall(b)} - {m.lower() for m in _OFFICER.findall(a)})
    if oa and not ob and not ia and (ib or officers):
        # "... and two independent members" -> "... and the General Counsel": an officer of the lab
        word = _OUTSIDE.search(a).group(0)
        inside = _INSIDE.search(b).group(0) if ib else officers[0]
        reasons.append(Reason("actor", -1, f"actor: '{word}' -> '{inside}'", "actor"))
    elif ob and not oa and ia and not ib:
        word = _OUTSIDE.search(b).group(0)
        reasons.append(Reason("actor", 1, f"actor: '{_INSIDE.search(a).group(0)}' -> '{word}'", "actor"))
    return reasons


# Who must approve: a board outranks its committees, which outrank an officer or a team. An
# approval moved down the line ("the Board's Safety Committee must approve" -> "the Chief
# Safety Officer must approve") weakens the governance check; moved up, strengthens it.
_BODY_RANK = (
    (3, re.compile(r"\bboard(?! ?'?s? (?:safety |risk )?(?:committee|council))\b", re.I)),
    (2, re.compile(r"\b(?:committee|council|panel)\b", re.I)),
    (1, re.compile(r"\b(?:officer|ceo|chief|executive|director|head|lead|manager|team)\b", re.I)),
)
_APPROVER = re.compile(
    r"([\w' ’-]{0,60}?)\s+(?:must|shall|will|is required to|needs to)?\s*(?:approve|authori[sz]e|sign off)\b"
    r"|\b(?:approval|authori[sz]ation|sign-off) (?:of|from|by) ([\w' ’-]{0,60})"
    r"|\b(?:approved|authori[sz]ed|signed off) by ([\w' ’-]{0,60})",
    re.IGNORECASE,
)


def _approver(text: str) -> tuple[int, str] | None:
    """Rank and words of the body whose approval ``text`` requires, if it names one."""
    m = _APPROVER.search(text)
    if m is None:
        return None
    who = re.split(r"[,;]", m.group(1) or m.group(2) or m.group(3) or "")[0 if not m.group(1) else -1].strip()
    rank = next((rank for rank, rx in _BODY_RANK if rx.search(who)), None)
    return None if rank is None else (rank, " ".join(who.split()[-4:]).lower())


_ANY_APPROVAL = re.compile(r"\b(?:approv\w*|sign[- ]off|signed off|authori[sz]\w*|consent)\b", re.I)
_TOLD = re.compile(
    r"\b(?:(?:is|are|will be|shall be) (?:reported|notified|communicated|described|shared|sent|presented) to"
    r"|(?:report|reports|notify|notifies|inform|informs|tell|tells)) (?:the |its |our )?[\w' ’-]{0,40}",
    re.IGNORECASE,
)


# How deep an outside party's access goes: what it is given beyond the deployed model.
_DEPTH = {
    "base model": re.compile(r"\bbase[- ]models?\b|\bpre-?(?:mitigation|safety)\b|\bhelpful[- ]only\b", re.I),
    "fine-tuning": re.compile(r"\bfine[- ]?tun", re.I),
    "weights": re.compile(r"\bweights\b", re.I),
    "checkpoints": re.compile(r"\b(?:checkpoints?|intermediate (?:models|snapshots))\b", re.I),
    "tools": re.compile(r"\b(?:tool use|tools|scaffold\w*|agent\w*)\b", re.I),
    "reasoning traces": re.compile(r"\b(?:chain[- ]of[- ]thought|reasoning traces|logits|log-?probs)\b", re.I),
}
_ACCESS = re.compile(r"\baccess\b", re.I)


def access_reason(a: str, b: str) -> Reason | None:
    """What an outside party is given access to, narrowed or widened ("access to base models and
    fine-tuning" -> "access to the deployed model"), in two wordings that both grant access."""
    both = a + " " + b
    if not (_ACCESS.search(a) and _ACCESS.search(b) and (_OUTSIDE.search(both) or _TESTERS.search(both))):
        return None
    da = {k for k, rx in _DEPTH.items() if rx.search(a)}
    db = {k for k, rx in _DEPTH.items() if rx.search(b)}
    if da == db or (da - db and db - da):
        return None
    gone, came = sorted(da - db), sorted(db - da)
    if gone:
        return Reason("actor", -1, f"access narrowed: {', '.join(gone)} no longer given", "actor")
    return Reason("actor", 1, f"access widened: {', '.join(came)} given", "actor")


_TESTERS = re.compile(r"\b(?:evaluators?|testers?|assessors?|red[- ]team\w*|institutes?|auditors?)\b", re.I)


def approval_reason(a: str, b: str) -> Reason | None:
    """The body whose approval is required moved up or down the line of authority."""
    pa, pb = _approver(a), _approver(b)
    if (pa is None) != (pb is None):
        # "The board must approve any change" -> "Changes are reported to the board": the same
        # body told afterwards instead of asked first
        approver, other = (pa, b) if pa is not None else (pb, a)
        if _ANY_APPROVAL.search(other):
            return None  # an approval is still asked for, in words the approver reader missed
        told = _TOLD.search(other)
        if told and any(rx.search(told.group(0)) for rank, rx in _BODY_RANK if rank == approver[0]):
            text = f"approval became a report: '{clip(told.group(0))}'"
            return Reason(
                "actor",
                -1 if pa is not None else 1,
                text if pa is not None else f"a report became an approval (was '{clip(told.group(0))}')",
                "actor",
            )
        return None
    if pa is None or pb is None or pa[0] == pb[0]:
        return None
    up = pb[0] > pa[0]
    return Reason("actor", 1 if up else -1, f"approval moved {'up' if up else 'down'}: '{pa[1]}' -> '{pb[1]}'", "actor")


def dimension_of(text: str) -> str:
    if _CONSEQUENCE.search(text):
        return "consequence"
    if _DISCLOSURE.search(text):
        return "disclosure"
    if _ACTOR.search(text):
        return "actor"
    return "scope"
