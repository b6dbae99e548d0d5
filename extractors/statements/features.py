"""Commitment features of passages, by rules over spaCy tokens (no statistical model).

Each sentence is cut into clauses at punctuation and subordinators ("if", "that", "until"...).
The first cue in a main clause decides: a firm modal ("will", "must", "shall", "commit"), a
hedge ("aim", "intend", "may"...), a recommendation ("should", or others' obligations), a belief
("we believe"). Its subject decides who is bound: "we", the lab or one of its bodies, or a passive
("models will be evaluated") make a commitment; the world ("attackers could", "the model may")
makes a description. With no cue, a present-tense verb of the lab's own ("We conduct...") is a
statement of practice, and an imperative opening ("Monitor logs...") a policy instruction. A
passage is a commitment when any of its sentences is; a list item without a cue of its own takes
the decision of its lead-in ("We will: (a) ...").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from labwatch.extractors.records import Features, Passage
from labwatch.extractors.statements.cues import (
    ADVERBS,
    AUX_NEXT,
    BELIEF,
    CHANGE_VERBS,
    COGNITION,
    COMMIT,
    CONDITIONALS,
    CONJ,
    COPULA,
    DEFINING,
    DISCOURSE,
    EXPECTATION,
    FIRM,
    FIRST,
    GENERIC_ACRONYMS,
    GOAL_NOUNS,
    HEDGE_ADVERBS,
    HEDGE_MODALS,
    HEDGE_PARTICIPLES,
    HEDGE_VERBS,
    ILLUSTRATIVE,
    LAB_NOUNS,
    LEAD_AS,
    LIST_ENUM,
    NEGATORS,
    NOT_ACTIONS,
    NOUN_FOLLOWERS,
    NOUN_MARKERS,
    OTHERS,
    PARTICIPLES_IRREGULAR,
    PATIENT_VERBS,
    PEOPLE,
    POLICY_NOUNS,
    PREPOSITIONS,
    RECOMMEND,
    SUBORDINATORS,
    VERB_BASE,
    VERB_CANDIDATES_BASE,
    VERB_CANDIDATES_S,
    VERB_S,
    WORLD,
    WORLD_AGENTS,
    WORLD_VERBS,
)
from labwatch.extractors.statements.quantities import (  # noqa: F401 - re-exported for callers
    BOUNDARY,
    CONDITION_MARKERS,
    QUALIFIERS,
    extract_conditions,
    extract_numbers,
)
from labwatch.extractors.statements.segmentation import token_sentences
from labwatch.extractors.statements.spacy_models import get_blank
from labwatch.extractors.versions import FEATURES_VERSION  # noqa: F401 - bump it there


@dataclass(slots=True)
class _Decision:
    category: str  # commitment | hedge | recommendation | description
    modality: str | None
    why: str
    negated: bool = False
    cued: bool = False  # decided by an explicit cue (modal, hedge...), not by the verb form
    subject: str = ""  # class of the subject for modal decisions: first, lab, neutral, world...


_NONE = _Decision("description", None, "no commitment cue: description or definition")


def _is_adverb(w: str) -> bool:
    return w in ADVERBS or w in HEDGE_ADVERBS or (w.endswith("ly") and w not in VERB_BASE and len(w) > 3)


def _content_start(w: list[str]) -> int:
    """Index after list markers ("•", "1.", "(a)", "iv)") and a short "Label:" prefix."""
    i = 0
    while i < len(w):
        if w[i] in {"•", "-", "–", "*", "▪", "●", "○", "◦", "■"}:
            i += 1
        elif LIST_ENUM.match(w[i]) and i + 1 < len(w) and w[i + 1] in {".", ")"}:
            i += 2
        elif w[i] in {"(", "["} and i + 2 < len(w) and LIST_ENUM.match(w[i + 1]) and w[i + 2] in {")", "]"}:
            i += 3
        else:
            break
    if ":" in w[i : i + 9]:
        c = w.index(":", i)
        head = w[i:c]
        if c + 1 < len(w) and not (set(head) & (FIRST | set(FIRM) | HEDGE_MODALS | RECOMMEND)):
            return c + 1
    return i


def _clauses(w: list[str], start: int) -> list[tuple[int, int, bool]]:
    """Clauses as (start, end, subordinate) from punctuation and subordinators."""
    out: list[tuple[int, int, bool]] = []
    seg, sub, depth = start, False, 0
    for i in range(start, len(w)):
        tok = w[i]
        if tok in BOUNDARY:
            if i > seg:
                out.append((seg, i, sub or depth > 0))
            depth += (tok in "([") - (tok in ")]")
            depth = max(depth, 0)
            seg, sub = i + 1, False
            continue
        lead = i == seg or all(x in CONJ for x in w[seg:i])
        if tok in SUBORDINATORS and not (tok == "that" and i > 0 and w[i - 1] in NOUN_MARKERS):
            if tok == "so" and (i + 1 >= len(w) or w[i + 1] != "that"):
                continue
            if not lead and i > seg:
                out.append((seg, i, sub or depth > 0))
                seg = i
            sub = True
        elif (
            tok in {"since", "as"}
            and i + 1 < len(w)
            and w[i + 1] in LEAD_AS
            and (i == 0 or w[i - 1] not in {"such", "as", "so", "same"})
        ):
            if not lead and i > seg:  # "As we develop ...", "..., as we learn ..."
                out.append((seg, i, sub or depth > 0))
                seg = i
            sub = True
        elif tok == "should" and lead:
            sub = True  # "Should a model exceed ..., we will ..."
    if len(w) > seg:
        out.append((seg, len(w), sub or depth > 0))
    return out


def _proper(texts: list[str]) -> bool:
    """Whether a subject's words name someone: an acronym or a multi-word proper name."""
    words = [x for x in texts if x.isalpha() and x not in GENERIC_ACRONYMS]
    if any(x[:1].isupper() and not x.istitle() or any(c.isupper() for c in x[1:]) for x in words):
        return True  # "SAG", "xAI", "OpenAI"
    caps = [i for i, x in enumerate(texts) if x[:1].isupper() and x.isalpha() and x not in GENERIC_ACRONYMS]
    return any(i > 0 for i in caps) or any(b == a + 1 for a, b in zip(caps, caps[1:]))


def _subject_class(toks: list[str], texts: list[str]) -> str:
    """Who a subject phrase names: first person, others, the lab, the world, or neutral."""
    body = [t for t in toks if t not in CONJ and not _is_adverb(t)]
    if not body:
        return "none"
    if set(body) & FIRST:
        return "first"
    if texts and _proper(texts):
        return "lab"  # a proper name or acronym: the lab, one of its bodies or products
    # the head noun of each conjunct: the word before "and"/"or" and the last word
    nouns = {toks[k - 1] for k in range(1, len(toks)) if toks[k] in {"and", "or"}} | {body[-1]}
    if nouns & OTHERS:
        return "others"
    if nouns & LAB_NOUNS:
        return "lab"
    if nouns & WORLD or (len(body) == 1 and body[0] in {"this", "these", "those", "that"}):
        return "world"
    return "neutral"


def _next_content(w: list[str], i: int) -> int:
    while i < len(w) and (_is_adverb(w[i]) or w[i] in {"not", "n't", "also", "never"}):
        i += 1
    return i


def _is_participle(w: str) -> bool:
    return w in PARTICIPLES_IRREGULAR or (w.endswith("ed") and len(w) > 4 and "-" not in w)


def _negated(w: list[str], subj: list[str], i: int) -> bool:
    """Whether the verb or modal at ``i`` is negated ("will not", "never", "No model will")."""
    near = set(w[i + 1 : i + 3]) | set(w[max(i - 1, 0) : i])
    return bool(near & NEGATORS) or (bool(subj) and subj[0] in {"no", "neither", "none"})


def _head(subj: list[str]) -> list[str]:
    """The subject's head phrase: the tokens before its first preposition."""
    out = []
    for tok in subj:
        if tok in PREPOSITIONS and out:
            break
        if tok in {"and", "or"} or (tok not in CONJ and not _is_adverb(tok)):
            out.append(tok)
    return out


def _plural(head: list[str]) -> bool:
    return any(
        t in {"we", "they", "i", "you"} or (t.endswith("s") and not t.endswith(("ss", "us", "is")) and t.isalpha())
        for t in head
    )


def _lab_related(w: list[str], t: list[str]) -> bool:
    return (
        bool(set(w) & (FIRST | LAB_NOUNS))
        or any(x[:1].isupper() and not x.istitle() and x.isalpha() and x not in GENERIC_ACRONYMS for x in t)
        or any(x.istitle() and i > 0 and t[i - 1] not in {".", ":", "(", '"', "“"} for i, x in enumerate(t))
    )


def _modal_decision(w, t, i, subj, subj_t, cond_before) -> _Decision | None:
    """Decision from a modal or hedge cue at ``i`` with subject tokens ``subj``."""
    cls = _subject_class(_head(subj) or subj, subj_t)
    neg = _negated(w, subj, i)
    d = _modal_rule(w, i, subj, cls, neg, cond_before)
    if d is not None:
        d.subject = cls
    return d


def _modal_rule(w, i, subj, cls, neg, cond_before) -> _Decision | None:
    tok = w[i]
    who = " ".join(_head(subj)[-3:]) or "an implicit subject"
    if tok in FIRM and not (tok == "wo" and "n't" not in w[i + 1 : i + 2]):
        return _firm_rule(w, i, subj, cls, neg, who)
    if tok in COMMIT and cls != "world":
        return _Decision("commitment", "commit", f"commitment verb '{tok}' with subject '{who}'", neg, True)
    if tok == "would":
        if cond_before and cls in {"first", "lab", "neutral"}:
            return _Decision("commitment", "would", f"'would' after a condition, subject '{who}'", neg, True)
        return _Decision("hedge" if cls != "world" else "description", "would", "hypothetical 'would'", neg, True)
    if tok in {"can", "ca"}:
        if "only" in w[max(0, i - 12) : i] or set(_head(subj)) & PEOPLE:
            return _Decision("commitment", "can", f"'can' as a rule or a permission for '{who}'", neg, True)
        return _Decision("description", "can", f"'can' states an ability of '{who}'", neg, True)
    if tok in HEDGE_MODALS:
        cat = "description" if cls == "world" else "hedge"
        return _Decision(cat, tok, f"'{tok}' with subject '{who}'", neg, True)
    if tok in RECOMMEND:
        after = _after_be(w, i)
        if tok == "should" and cls in {"neutral", "lab"} and after and after not in COGNITION | EXPECTATION:
            return _Decision(
                "commitment", "should", f"'should be {after}' of '{who}': a requirement of the policy", neg, True
            )
        return _Decision("recommendation", tok, f"'{tok}' recommends rather than commits", neg, True)
    return None


def _after_be(w, i) -> str:
    """The word after "<modal> be" ("will be evaluated" -> "evaluated"), else ""."""
    j = _next_content(w, i + 1)
    if j >= len(w) or w[j] != "be":
        return ""
    k = _next_content(w, j + 1)
    return w[k] if k < len(w) else ""


def _firm_rule(w, i, subj, cls, neg, who) -> _Decision:
    """will/shall/must: a commitment unless it binds others or predicts what the world does."""
    modal = FIRM[w[i]] + (" not" if neg else "")
    j = _next_content(w, i + 1)
    nxt = w[j] if j < len(w) else ""
    soft = [x for x in w[max(i - 1, 0) : j] if x in {"likely", "probably", "possibly", "perhaps"}]
    after = _after_be(w, i)
    if cls == "others":
        return _Decision("recommendation", modal, f"'{modal}' binds others ({who})", neg, True)
    if nxt in CHANGE_VERBS and cls != "first":
        return _Decision("description", modal, f"'{modal} {nxt}' predicts a change", neg, True)
    if soft or after in {"able", "capable", "likely", "possible", "unlikely", "necessary", "sufficient"}:
        word = soft[0] if soft else f"be {after}"
        return _Decision(
            "hedge" if cls == "first" else "description",
            f"{modal} {word}",
            f"'{modal} {word}' is a prediction",
            neg,
            True,
        )
    if nxt in HEDGE_VERBS:
        return _Decision("hedge", f"{modal} {nxt}", f"'{modal}' softened by '{nxt}'", neg, True)
    passive = _is_participle(after)
    agent = bool(set(_head(subj)) & WORLD_AGENTS) and not set(_head(subj)) & PEOPLE
    if cls == "world" and not (passive or after.endswith("ing")) and (FIRM[w[i]] == "will" or agent):
        return _Decision("description", modal, f"'{modal}' predicts what {who} will do", neg, True)
    how = "passive " if passive else ""
    return _Decision("commitment", modal, f"firm modal '{modal}' with {how}subject '{who}'", neg, True)


def _stance_decision(w, t, i) -> _Decision | None:
    """A hedge verb, belief verb or 'our goal' at ``i`` when it is the clause's verb."""
    tok = w[i]
    p = i - 1
    while p >= 0 and _is_adverb(w[p]):
        p -= 1
    prev = w[p] if p >= 0 else ""
    if tok in GOAL_NOUNS and prev == "our":
        return _Decision("hedge", f"our {tok}", f"a stated {tok}, not a commitment", False, True)
    subjectish = (
        prev in FIRST | {"are", "is", "am", "'re"}
        or (p >= 0 and t[p].isalpha() and not t[p].islower())
        or prev in LAB_NOUNS
    )
    if not subjectish:
        return None
    neg = _negated(w, [], i)
    if tok in HEDGE_VERBS:
        word = tok + (" to" if w[i + 1 : i + 2] == ["to"] else "")
        return _Decision("hedge", word, f"hedge verb '{word}'", neg, True)
    if tok in BELIEF:
        return _Decision("description", tok, f"belief or stance '{tok}', not a commitment", neg, True)
    return None


def _we_decision(w, i) -> _Decision | None:
    """Present-tense practice after 'we' at ``i`` ("we conduct", "we do not")."""
    q = _next_content(w, i + 1)
    if q >= len(w):
        return None
    v = w[q]
    r = _next_content(w, q + 1)
    nv = w[r] if r < len(w) else ""
    neg = _negated(w, [], q)
    hedge = [x for x in w[i + 1 : q + 2] if x in HEDGE_ADVERBS]
    if hedge and v not in {"are", "am", "'re"}:
        return _Decision("hedge", hedge[0], f"'{hedge[0]}' hedges the practice '{v}'", neg, True)
    if v in {"are", "am", "'re"}:
        if nv in COMMIT or nv in {"required", "obliged", "obligated"}:
            return _Decision("commitment", f"are {nv}", f"'we are {nv}'", neg, True)
        if nv in HEDGE_VERBS or nv in HEDGE_PARTICIPLES:
            word = nv + (" to" if w[r + 1 : r + 2] == ["to"] else "")
            return _Decision("hedge", word, f"hedge '{word}'", neg, True)
        if _is_participle(nv):
            return _Decision("commitment", f"are {nv}", "passive present of the lab's own practice", neg)
        return _Decision("description", None, "'we are ...' describes, it does not commit", neg)
    if v in {"do", "does"} and nv and neg and set(w[q : r + 2]) & {"yet", "currently"}:
        return _Decision("description", None, "'not yet': a current state, not a policy", True)
    if v in {"do", "does"} and nv and neg:
        return _Decision("commitment", "do not", "negated present tense of the lab's own practice", True)
    if v in COMMIT:
        return _Decision("commitment", "commit", f"commitment verb 'we {v}'", neg, True)
    if v in DISCOURSE or (v == "use" and nv == "the" and "term" in w[r : r + 3]):
        return _Decision("description", None, f"'we {v}' speaks about the document", neg)
    if v in HEDGE_VERBS:
        word = v + (" to" if nv == "to" else "")
        return _Decision("hedge", word, f"hedge verb '{word}'", neg, True)
    if v in BELIEF:
        return _Decision("description", v, f"belief or stance '{v}'", neg, True)
    if v in {"were", "was", "had", "did"} or (v.endswith("ed") and v not in VERB_BASE):
        return _Decision("description", None, f"past tense '{v}' reports, it does not commit", neg)
    if v.replace("-", "").isalpha() and v not in AUX_NEXT | FIRM.keys() | HEDGE_MODALS | RECOMMEND | {"can"}:
        return _Decision("commitment", f"present tense '{v}'", f"present-tense practice 'we {v}'", neg)
    return None


def _verb_decision(w, p, subj, subj_t, sentence) -> _Decision | None:
    """Present tense of a third-person subject at ``p`` ("The board reviews", "X is Y")."""
    v = w[p]
    sent_w, sent_t = sentence
    head = _head(subj)
    cls = _subject_class(head or subj, subj_t)
    if cls == "none":
        cls = "neutral"
    who = " ".join(head[-3:]) or "an implicit subject"
    neg = _negated(w, subj, p)
    if v in COPULA:
        r = _next_content(w, p + 1)
        nv = w[r] if r < len(w) else ""
        if nv in COMMIT or nv in {"required", "obliged", "prohibited", "responsible"}:
            return _Decision("commitment", f"{v} {nv}", f"'{v} {nv}' with subject '{who}'", neg, True)
        if nv in HEDGE_PARTICIPLES or nv in HEDGE_VERBS:
            return _Decision("hedge", f"{v} {nv}", f"hedge '{v} {nv}'", neg, True)
        after = w[_next_content(w, r + 1)] if nv == "to" and _next_content(w, r + 1) < len(w) else ""
        if cls == "first" and after in VERB_BASE:
            # "Our most basic safeguard is to train ...", "Our approach is to test ...": the lab
            # states what it does
            return _Decision("commitment", f"{v} to {after}", f"the lab states its practice: '{v} to {after}'", neg)
        if nv in DEFINING:
            return _Decision("description", None, f"'{v} {nv}': a definition", neg)
        if _is_participle(nv):
            if cls != "world" or set(subj) & FIRST:
                return _Decision("commitment", f"{v} {nv}", f"passive present practice, subject '{who}'", neg)
            return _Decision("description", None, f"passive statement about '{who}'", neg)
        if cls == "first" and set(head) & POLICY_NOUNS:
            return _Decision("commitment", v, f"the lab states its own {who}", neg)
        what = "definition" if nv in {"a", "an", "the"} else "description"
        return _Decision("description", None, f"copula '{v}': a {what}", neg)
    base = v[:-1] if v.endswith("s") else v
    if v in PATIENT_VERBS:
        return _Decision("commitment", f"present tense '{v}'", f"'{who} {v}' a procedure", neg)
    if v in BELIEF or base in BELIEF:
        return _Decision("description", v, f"belief or stance '{v}'", neg)
    if v in VERB_CANDIDATES_S - VERB_S or base in WORLD_VERBS or v in WORLD_VERBS:
        return _Decision("description", None, f"'{who} {v}' describes the world", neg)
    if v in DISCOURSE:
        return _Decision("description", None, f"'{who} {v}' speaks about the document", neg)
    if cls in {"first", "lab"} or (cls == "neutral" and _lab_related(sent_w, sent_t)):
        return _Decision("commitment", f"present tense '{v}'", f"present-tense practice of '{who}'", neg)
    return _Decision("description", None, f"present tense about '{who}'", neg)


def _find_verb(w, a, b, t=None) -> int | None:
    """First token of w[a:b] that reads as a present-tense main verb after a subject (``t``,
    the tokens as written, tells a name from a common noun)."""
    for p in range(a + 1, b):
        x = w[p]
        if not (x in COPULA or x in VERB_CANDIDATES_S or x in VERB_CANDIDATES_BASE):
            continue
        q = p - 1
        while q > a and _is_adverb(w[q]):
            q -= 1
        prev = w[q]
        nxt = w[p + 1] if p + 1 < b else ""
        if (
            prev in NOUN_MARKERS
            or prev in {"and", "or", "but", "nor"}
            or prev.endswith("ing")
            or (nxt in AUX_NEXT - {"has", "have"})
        ):
            continue  # "the reviews", "applying measures", "safety tests are"
        named = q == a and t is not None and _proper([t[q]])  # "xAI works with", "NorthWind tests on"
        if x.endswith("s") and x not in COPULA and nxt in NOUN_FOLLOWERS and not (named or prev in LAB_NOUNS):
            continue  # a plural noun ("measures to reduce", "tests and evaluations")
        if x in COPULA or x in VERB_CANDIDATES_S:
            return p
        if _plural(_head(w[a : q + 1])):
            return p
    return None


def _clause_decisions(w, t, start) -> list[_Decision]:
    """Decisions of the main clauses of one sentence, in order.

    A clause without its own subject ("..., and will publish") takes the subject of the
    sentence: the words before the first verb, or the first clause when it is a bare noun phrase.
    """
    out: list[_Decision] = []
    clauses = _clauses(w, start)
    subject: tuple[list[str], list[str]] = ([], [])
    cond_before = False
    first_main = True
    for n, (a, b, sub) in enumerate(clauses):
        lead = a
        while lead < b and w[lead] in CONJ:
            lead += 1
        if sub and lead < b and w[lead] in CONDITIONALS:
            cond_before = True
        promoted = (
            sub
            and lead < b
            and w[lead] in {"that", "which", "who"}
            and n > 0
            and not out
            and not clauses[n - 1][2]
            and clauses[n - 1][1] == a
        )
        if (sub and not promoted) or lead >= b:
            continue
        d, used = _scan_clause(w, t, (lead, b), subject, cond_before, promoted, first_main)
        if first_main and used is None and d is None:
            subject = (w[lead:b], t[lead:b])  # a bare noun phrase opening the sentence
        elif used is not None and used[0] and not subject[0]:
            subject = used
        first_main = False
        if d is not None:
            out.append(d)
    return out


def _subject_before(w, t, lead, i, subject):
    """Subject words of a verb or modal at ``i``: the clause's own, or the sentence's."""
    v = _find_verb(w, lead, i, t)
    end = v if v is not None else i
    own = [x for x in w[lead:end] if not _is_adverb(x) and x not in CONJ]
    return (w[lead:end], t[lead:end]) if own else subject


def _scan_clause(w, t, span, subject, cond_before, promoted, first_main):
    """Decision of one main clause and the subject it used (None when it used none)."""
    lead, b = span
    for i in range(lead, b):
        x = w[i]
        if x in FIRM or x in COMMIT or x in HEDGE_MODALS or x in RECOMMEND or x in {"would", "can", "ca"}:
            if promoted and i - lead < 2:
                return None, None  # the relative clause's own modal
            subj = subject if promoted else _subject_before(w, t, lead, i, subject)
            d = _modal_decision(w, t, i, subj[0], subj[1], cond_before)
            if d is not None:
                return d, subj
        if (x in HEDGE_VERBS or x in BELIEF or x in GOAL_NOUNS) and not promoted:
            d = _stance_decision(w, t, i)
            if d is not None:
                return d, ([], [])
        if x in {"we", "i"} and not promoted:
            d = _we_decision(w, i)
            if d is not None:
                return d, (["we"], ["we"])
    if promoted:
        return None, None
    v0 = lead
    while v0 + 1 < b and _is_adverb(w[v0]):
        v0 += 1
    if first_main and v0 + 1 < b and w[v0 + 1] not in AUX_NEXT | {"of", "'s"}:
        verb = w[v0]
        gerund = (
            verb.endswith("ing")
            and t[v0].islower()
            and verb not in NOT_ACTIONS
            and not subject[0]
            and (verb[:-3] in VERB_BASE or verb[:-3] + "e" in VERB_BASE)
        )
        if verb in VERB_BASE or gerund:
            kind = "action item" if gerund else "imperative"
            return _Decision("commitment", f"imperative '{verb}'", f"{kind} '{verb}': a policy instruction"), None
    if not first_main and (w[lead] in VERB_S or w[lead] in COPULA) and subject[0]:
        return _verb_decision(w, lead, subject[0], subject[1], (w, t)), subject
    p = _find_verb(w, lead, b, t)
    if p is None:
        return None, None
    subj = (w[lead:p], t[lead:p])
    return _verb_decision(w, p, subj[0], subj[1], (w, t)), subj


def _sentence_decision(w, t) -> _Decision:
    """One decision for a sentence: a stance or hedge that comes first governs it.

    Notes and examples ("Note:", "For example, ...") illustrate: a present-tense verb, an
    imperative or a modal with a generic subject in them is not the lab's policy; "we will" still is.
    """
    start = _content_start(w)
    decisions = _clause_decisions(w, t, start)
    if not decisions:
        return _NONE
    if any(w[: len(o)] == o or w[start : start + len(o)] == o for o in ILLUSTRATIVE):
        decisions = [
            d
            if d.cued and (d.category != "commitment" or d.subject in {"first", "lab"})
            else _Decision("description", None, "a note or an example, not policy")
            for d in decisions
        ]
    for d in decisions:
        if d.category == "commitment":
            return d
        if d.cued and (d.category in {"hedge", "recommendation"} or (d.modality or "") in BELIEF):
            return d
    return decisions[0]


def _tokens(doc) -> tuple[list[str], list[str], list[str]]:
    """Lower-cased words, texts and trailing spaces; "red-team" stays one word."""
    w: list[str] = []
    t: list[str] = []
    ws: list[str] = []
    glue = False
    for tok in doc:
        text = tok.text.replace("’", "'")
        if text.isspace():
            continue
        space = tok.whitespace_
        if glue or (text == "-" and t and not ws[-1] and not space):
            t[-1] += text
            w[-1] = t[-1].lower()
            ws[-1] = space
            glue = text == "-"
            continue
        w.append(text.lower())
        t.append(text)
        ws.append(space)
    return w, t, ws


def _analyse(doc) -> tuple[_Decision, tuple[str, ...]]:
    """Passage decision (any committing sentence makes it a commitment) and its conditions."""
    w, t, ws = _tokens(doc)
    decisions = [_sentence_decision(w[a:b], t[a:b]) for s in token_sentences(t) for a, b in _semicolon_parts(w, *s)]
    decision = next((d for d in decisions if d.category == "commitment"), None)
    if decision is None:
        for cat in ("hedge", "recommendation", "description"):
            decision = next((d for d in decisions if d.category == cat), None)
            if decision is not None:
                break
    return decision or _NONE, extract_conditions(w, t, ws)


def _semicolon_parts(w: list[str], a: int, b: int) -> list[tuple[int, int]]:
    """A sentence split where a semicolon opens a clause of the lab's own ("...; we will publish
    ..."): each part is decided alone, so a hedge in the first does not govern the second."""
    cuts = [i for i in range(a + 1, b - 1) if w[i] == ";" and w[i + 1] in {"we", "our"}]
    bounds = [a, *(i + 1 for i in cuts), b]
    return [(x, (y - 1) if y != b else y) for x, y in zip(bounds, bounds[1:])]


def _features(d: _Decision, conditions, numbers, why_prefix: str = "") -> Features:
    strength = {"commitment": "firm", "hedge": "hedged"}.get(d.category, "none")
    return Features(
        is_commitment=d.category == "commitment",
        strength=strength,
        category=d.category,
        negated=d.negated,
        conditions=conditions,
        numbers=numbers,
        modality=d.modality,
        why=why_prefix + d.why,
    )


def detect_text(texts: Sequence[str]) -> list[Features]:
    """Commitment features of raw passages (one or more sentences each, judged as one unit)."""
    nlp = get_blank()
    out = []
    for text, doc in zip(texts, nlp.pipe([x or "" for x in texts], batch_size=512)):
        d, cond = _analyse(doc)
        out.append(_features(d, cond, extract_numbers(text or "")))
    return out


def detect_features(passages: Sequence[Passage]) -> list[Features]:
    """Commitment features of passages; a list item without its own cue takes its lead-in's.

    "We will: (a) run evaluations" makes the item a firm commitment with modality "will".
    The item's own conditions, numbers and negation are kept.
    """
    nlp = get_blank()
    lead_ins = sorted({p.lead_in for p in passages if p.lead_in})
    lead_decisions = {text: _analyse(doc)[0] for text, doc in zip(lead_ins, nlp.pipe(lead_ins))}
    out = []
    for p, doc in zip(passages, nlp.pipe([p.text for p in passages], batch_size=512)):
        d, cond = _analyse(doc)
        lead = lead_decisions.get(p.lead_in) if p.lead_in else None
        prefix = ""
        if lead is not None and lead.cued and not d.cued:
            d = _Decision(lead.category, lead.modality, lead.why, d.negated or lead.negated, True)
            prefix = f"inherited from lead-in {p.lead_in[:40]!r}: "
        out.append(_features(d, cond, extract_numbers(p.text), prefix))
    return out
