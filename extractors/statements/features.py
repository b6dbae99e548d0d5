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

The sentence's shape (clauses, subjects, where the verb is, negation) is read by grammar.py;
this module holds the rules that decide.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from labwatch.extractors.records import Features, Passage
from labwatch.extractors.statements.cues import (
    AUX_NEXT,
    BELIEF,
    CHANGE_VERBS,
    COGNITION,
    COMMIT,
    COMMON_SUBJECTS,
    CONDITIONALS,
    CONJ,
    COPULA,
    COUNTERPARTIES,
    DEFINING,
    DISCOURSE,
    EXPECTATION,
    FIRM,
    FIRST,
    GOAL_NOUNS,
    HEDGE_ADVERBS,
    HEDGE_MODALS,
    HEDGE_PARTICIPLES,
    HEDGE_VERBS,
    ILLUSTRATIVE,
    LAB_NOUNS,
    NOT_ACTIONS,
    PATIENT_VERBS,
    PEOPLE,
    POLICY_NOUNS,
    PREPOSITIONS,
    RECEIVING,
    RECOMMEND,
    VERB_BASE,
    VERB_CANDIDATES_S,
    VERB_S,
    WORLD_AGENTS,
    WORLD_VERBS,
)
from labwatch.extractors.statements.grammar import (
    content_start,
    find_verb,
    head_phrase,
    is_adverb,
    is_negated,
    is_participle,
    lab_related,
    next_content,
    semicolon_parts,
    split_clauses,
    subject_class,
    token_words,
    word_after_be,
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


def _modal_decision(w, t, i, subj, subj_t, cond_before) -> _Decision | None:
    """Decision from a modal or hedge cue at ``i`` with subject tokens ``subj``."""
    cls = subject_class(head_phrase(subj) or subj, subj_t)
    neg = is_negated(w, subj, i)
    if t[i] == "SHOULD":
        # a requirement keyword in capitals (RFC 2119): SHOULD recommends, only MUST binds
        d = _Decision("recommendation", "should", "'SHOULD' (RFC 2119) recommends, it does not require", neg, True)
    else:
        d = _modal_rule(w, i, subj, cls, neg, cond_before)
    if d is not None and not d.subject:
        d.subject = cls
    return d


def _modal_rule(w, i, subj, cls, neg, cond_before) -> _Decision | None:
    tok = w[i]
    who = " ".join(head_phrase(subj)[-3:]) or "an implicit subject"
    if tok in FIRM and not (tok == "wo" and "n't" not in w[i + 1 : i + 2]):
        return _firm_rule(w, i, subj, cls, neg, who)
    if tok in COMMIT and cls != "world":
        return _Decision("commitment", "commit", f"commitment verb '{tok}' with subject '{who}'", neg, True)
    if tok == "would":
        if cond_before and cls in {"first", "lab", "neutral"}:
            return _Decision("commitment", "would", f"'would' after a condition, subject '{who}'", neg, True)
        return _Decision("hedge" if cls != "world" else "description", "would", "hypothetical 'would'", neg, True)
    if tok in {"can", "ca"}:
        only = [k for k in range(max(0, i - 12), i) if w[k] == "only" and (k == 0 or w[k - 1] not in PREPOSITIONS)]
        if only or w[i + 1 : i + 2] == ["only"] or set(head_phrase(subj)) & PEOPLE:
            return _Decision("commitment", "can", f"'can' as a rule or a permission for '{who}'", neg, True)
        return _Decision("description", "can", f"'can' states an ability of '{who}'", neg, True)
    if tok in HEDGE_MODALS:
        cat = "description" if cls == "world" else "hedge"
        return _Decision(cat, tok, f"'{tok}' with subject '{who}'", neg, True)
    if tok in RECOMMEND:
        after = word_after_be(w, i)
        if tok == "should" and cls in {"neutral", "lab"} and after and after not in COGNITION | EXPECTATION:
            return _Decision(
                "commitment", "should", f"'should be {after}' of '{who}': a requirement of the policy", neg, True
            )
        return _Decision("recommendation", tok, f"'{tok}' recommends rather than commits", neg, True)
    return None


def _firm_rule(w, i, subj, cls, neg, who) -> _Decision:
    """will/shall/must: a commitment unless it binds others or predicts what the world does."""
    modal = FIRM[w[i]] + (" not" if neg else "")
    j = next_content(w, i + 1)
    nxt = w[j] if j < len(w) else ""
    soft = [x for x in w[max(i - 1, 0) : j] if x in {"likely", "probably", "possibly", "perhaps"}]
    after = word_after_be(w, i)
    if cls == "others":
        return _Decision("recommendation", modal, f"'{modal}' binds others ({who})", neg, True)
    head = head_phrase(subj)
    if head and head[-1] in COUNTERPARTIES and nxt not in RECEIVING and not is_participle(word_after_be(w, i)):
        # "The Evaluator shall delete derived weights": the other party's duty, not the lab's
        return _Decision(
            "recommendation", modal, f"'{modal}' binds the other party ({who}), not the lab", neg, True, _PARTY
        )
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
    passive = is_participle(after)
    agent = bool(set(head_phrase(subj)) & WORLD_AGENTS) and not set(head_phrase(subj)) & PEOPLE
    if cls == "world" and not (passive or after.endswith("ing")) and (FIRM[w[i]] == "will" or agent):
        return _Decision("description", modal, f"'{modal}' predicts what {who} will do", neg, True)
    how = "passive " if passive else ""
    return _Decision("commitment", modal, f"firm modal '{modal}' with {how}subject '{who}'", neg, True)


# past tenses that are no present form of a verb ("we found", "we took"): a report
_IRREGULAR_PAST = frozenset("found made took began gave held kept wrote told chose sent built brought saw".split())
_APPROVALS = frozenset("approval approvals sign-off signoff authorisation authorization consent".split())
_CROSSED = frozenset("reached met crossed triggered exceeded breached attained".split())
_DETERMINERS = frozenset("the a an this that these those each every any its their".split())
# after a stance word, a verb of its own: the word is the subject noun ("the plan is reviewed")
_NOUN_NEXT = frozenset("is are was were has have will shall must".split())


def _stance_decision(w, t, i) -> _Decision | None:
    """A hedge verb, belief verb or 'our goal' at ``i`` when it is the clause's verb."""
    tok = w[i]
    p = i - 1
    while p >= 0 and is_adverb(w[p]):
        p -= 1
    prev = w[p] if p >= 0 else ""
    if prev in _DETERMINERS or (w[i + 1 : i + 2] and w[i + 1] in _NOUN_NEXT and w[i + 2 : i + 3] != ["to"]):
        return None  # "The plan is reviewed every year", "our plan is approved by": a noun, not a stance
    if tok in GOAL_NOUNS and prev == "our":
        return _Decision("hedge", f"our {tok}", f"a stated {tok}, not a commitment", False, True)
    subjectish = (
        prev in FIRST | {"are", "is", "am", "'re"}
        or (p >= 0 and t[p].isalpha() and not t[p].islower())
        or prev in LAB_NOUNS
    )
    if not subjectish:
        return None
    neg = is_negated(w, [], i)
    if tok in {"need", "needs"} and w[i + 1 : i + 2] and w[i + 1] in _APPROVALS:
        return _Decision("commitment", f"{tok} {w[i + 1]}", f"a requirement: '{prev} {tok} {w[i + 1]}'", neg)
    if tok in HEDGE_VERBS:
        word = tok + (" to" if w[i + 1 : i + 2] == ["to"] else "")
        return _Decision("hedge", word, f"hedge verb '{word}'", neg, True)
    if tok in BELIEF:
        return _Decision("description", tok, f"belief or stance '{tok}', not a commitment", neg, True)
    return None


def _we_decision(w, i) -> _Decision | None:
    """Present-tense practice after 'we' at ``i`` ("we conduct", "we do not")."""
    q = next_content(w, i + 1)
    if q >= len(w):
        return None
    v = w[q]
    r = next_content(w, q + 1)
    nv = w[r] if r < len(w) else ""
    neg = is_negated(w, [], q)
    hedge = [x for x in w[i + 1 : q + 2] if x in HEDGE_ADVERBS]
    if hedge and v not in {"are", "am", "'re"}:
        return _Decision("hedge", hedge[0], f"'{hedge[0]}' hedges the practice '{v}'", neg, True)
    if v in {"are", "am", "'re"}:
        if nv in COMMIT or nv in {"required", "obliged", "obligated"}:
            return _Decision("commitment", f"are {nv}", f"'we are {nv}'", neg, True)
        if nv in HEDGE_VERBS or nv in HEDGE_PARTICIPLES:
            word = nv + (" to" if w[r + 1 : r + 2] == ["to"] else "")
            return _Decision("hedge", word, f"hedge '{word}'", neg, True)
        if is_participle(nv):
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
    if v in {"were", "was", "had", "did"} or v in _IRREGULAR_PAST or (v.endswith("ed") and v not in VERB_BASE):
        return _Decision("description", None, f"past tense '{v}' reports, it does not commit", neg)
    if v.replace("-", "").isalpha() and v not in AUX_NEXT | FIRM.keys() | HEDGE_MODALS | RECOMMEND | {"can"}:
        return _Decision("commitment", f"present tense '{v}'", f"present-tense practice 'we {v}'", neg)
    return None


def _verb_decision(w, p, subj, subj_t, sentence) -> _Decision | None:
    """Present tense of a third-person subject at ``p`` ("The board reviews", "X is Y")."""
    v = w[p]
    sent_w, sent_t = sentence
    head = head_phrase(subj)
    cls = subject_class(head or subj, subj_t)
    if cls == "none":
        cls = "neutral"
    who = " ".join(head[-3:]) or "an implicit subject"
    neg = is_negated(w, subj, p)
    if v in COPULA:
        r = next_content(w, p + 1)
        nv = w[r] if r < len(w) else ""
        if nv in COMMIT or nv in {"required", "obliged", "prohibited", "responsible"}:
            return _Decision("commitment", f"{v} {nv}", f"'{v} {nv}' with subject '{who}'", neg, True)
        if nv in HEDGE_PARTICIPLES or nv in HEDGE_VERBS:
            return _Decision("hedge", f"{v} {nv}", f"hedge '{v} {nv}'", neg, True)
        after = w[next_content(w, r + 1)] if nv == "to" and next_content(w, r + 1) < len(w) else ""
        if cls == "first" and after in VERB_BASE:
            # "Our most basic safeguard is to train ...", "Our approach is to test ...": the lab
            # states what it does
            return _Decision("commitment", f"{v} to {after}", f"the lab states its practice: '{v} to {after}'", neg)
        if nv in DEFINING:
            return _Decision("description", None, f"'{v} {nv}': a definition", neg)
        if is_participle(nv):
            if nv in _CROSSED and set(w[r + 1 : r + 4]) & {"when", "if", "once", "where", "whenever"}:
                # "The critical level is reached when a model can ...": a threshold defined
                return _Decision("description", None, f"'{v} {nv} when': a threshold defined", neg)
            if nv in _PLACED and set(w[r + 1 : r + 6]) & (_PART_NOUNS | {"below", "above", "herein"}):
                # "... reports are attached as Appendix D", "results are shown in Table 2"
                return _Decision("description", None, f"'{v} {nv}' points to a part of the document", neg)
            if (
                cls != "world"
                or set(subj) & FIRST
                or _names_a_measure(sent_w)
                or _SCHEDULE.search(" ".join(sent_w))
                or subj[:1] in (["no"], ["neither"])  # "No model is deployed until ...": a prohibition kept
                or subj[:1] in (["every"], ["each"])  # "Every frontier model is offered to ...": a practice for each
            ):
                return _Decision("commitment", f"{v} {nv}", f"passive present practice, subject '{who}'", neg)
            return _Decision("description", None, f"passive statement about '{who}'", neg)
        if cls == "first" and set(head) & POLICY_NOUNS:
            return _Decision("commitment", v, f"the lab states its own {who}", neg)
        what = "definition" if nv in {"a", "an", "the"} else "description"
        return _Decision("description", None, f"copula '{v}': a {what}", neg)
    base = v[:-1] if v.endswith("s") else v
    if v in PATIENT_VERBS:
        return _Decision("commitment", f"present tense '{v}'", f"'{who} {v}' a procedure", neg)
    if v in {"need", "needs", "require", "requires"} and w[p + 1 : p + 2] and w[p + 1] in _APPROVALS:
        # "Changes need approval from the board": a requirement the lab keeps, not a stance
        return _Decision("commitment", f"{v} {w[p + 1]}", f"a requirement: '{who} {v} {w[p + 1]}'", neg)
    if v in _RULE_VERBS and set(w[p + 1 : p + 4]) & COUNTERPARTIES:
        # "This Agreement requires the Evaluator to delete all outputs": the other party's duty
        return _Decision(
            "recommendation",
            f"present tense '{v}'",
            f"'{who} {v}' binds the other party, not the lab",
            neg,
            True,
            _PARTY,
        )
    if v in _RULE_VERBS and set(head) & (
        _DOCUMENT_NOUNS | {"case", "procedure", "procedures", "process", "rule", "rules", "charter"}
    ):
        # "This policy requires that every model be evaluated", "The safety case requires that
        # the trial be repeated": the lab's own document binds the lab (not "the Evaluator")
        return _Decision("commitment", f"present tense '{v}'", f"'{who} {v}': the lab's document sets a rule", neg)
    if v in BELIEF or base in BELIEF:
        return _Decision("description", v, f"belief or stance '{v}'", neg)
    if v in VERB_CANDIDATES_S - VERB_S or base in WORLD_VERBS or v in WORLD_VERBS:
        return _Decision("description", None, f"'{who} {v}' describes the world", neg)
    if v in DISCOURSE or (v in {"sets", "lays"} and w[p + 1 : p + 2] in (["out"], ["forth"])):
        return _Decision("description", None, f"'{who} {v}' speaks about the document", neg)
    if v in {"include", "includes", "comprise", "comprises"} and _measures_in_force(subj):
        # "The Deployment Safeguards implemented before a model is deployed include: (a) ...":
        # what the lab's measures in place consist of is its practice
        return _Decision("commitment", f"present tense '{v}'", f"the measures '{who}' in force {v}", neg)
    if v in _DOCUMENT_VERBS and set(head) & (_DOCUMENT_NOUNS | _PART_NOUNS):
        # "This appendix reports the results ...", "The report contains ...": the document
        # says what is in it, the lab promises nothing
        return _Decision("description", None, f"'{who} {v}': the document says what it holds", neg)
    if neg and (set(w[p : p + 4]) & {"currently", "yet"} or "at present" in " ".join(w[p : p + 5])):
        # "Quorum does not currently perform ...", "we have not yet obtained ...": an absence
        # disclosed, not a practice in force
        return _Decision(
            "description",
            None,
            f"'{who} {v} not ... {next(x for x in ('yet', 'currently', 'at present') if x in ' '.join(w[p : p + 5]))}': "
            "an absence disclosed",
            neg,
        )
    if cls in {"first", "lab"} or (cls == "neutral" and (lab_related(sent_w, sent_t) or _bare_name(subj, subj_t, v))):
        return _Decision("commitment", f"present tense '{v}'", f"present-tense practice of '{who}'", neg)
    return _Decision("description", None, f"present tense about '{who}'", neg)


def _measures_in_force(subj: list[str]) -> bool:
    """Whether a subject names the lab's measures as in place: a measure noun with a participle
    of use or "our" ("the safeguards applied before release", "our security controls"), not
    candidates or examples ("possible mitigations")."""
    words = set(subj)
    if not words & _MEASURE_LABELS or words & {"possible", "potential", "candidate", "example", "examples", "such"}:
        return False
    return bool(
        words & {"our", "its"} or words & {"implemented", "applied", "used", "maintained", "required", "deployed"}
    )


def _bare_name(subj, subj_t, verb) -> bool:
    """A single capitalised word with no article, then a verb of practice: "Cohere reviews
    every model", "Amazon conducts red-teaming" (a lab's one-word name at the start of a
    sentence, which capitals alone cannot tell from a common noun)."""
    words = [x for x in subj if not is_adverb(x)]
    texts = [x for x in subj_t if x.isalpha()]
    return (
        len(words) == 1
        and len(texts) == 1
        and texts[0][:1].isupper()
        and texts[0][1:].islower()
        and words[0] not in COMMON_SUBJECTS
        and not words[0].endswith(("ing", "tion", "sion", "ment", "ity", "ness", "ance", "ence", "ship", "ism"))
        and verb in VERB_S
    )


# Labels that name one of the lab's own measures ("Access Controls: Weights are kept
# ..."): what the item then says in the passive present is that measure, the lab's practice.
_MEASURE_LABELS = frozenset(
    (
        "safeguard safeguards protocol protocols measure measures control controls mitigation mitigations "
        "practice practices procedure procedures protection protections"
    ).split()
)


def _names_a_measure(w: list[str]) -> bool:
    """Whether the passage opens with a short "Label:" whose last word names a measure."""
    if ":" not in w[:8]:
        return False
    label = w[: w.index(":")]
    return bool(label) and label[-1] in _MEASURE_LABELS


def _clause_decisions(w, t, start) -> list[_Decision]:
    """Decisions of the main clauses of one sentence, in order.

    A clause without its own subject ("..., and will publish") takes the subject of the
    sentence: the words before the first verb, or the first clause when it is a bare noun phrase.
    """
    out: list[_Decision] = []
    clauses = split_clauses(w, start)
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
    v = find_verb(w, lead, i, t)
    end = v if v is not None else i
    own = [x for x in w[lead:end] if not is_adverb(x) and x not in CONJ]
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
        if (
            (x in HEDGE_VERBS or x in BELIEF or x in GOAL_NOUNS)
            and not promoted
            and not (i + 1 < b and (w[i + 1] in FIRM or w[i + 1] in HEDGE_MODALS))
        ):  # "Evaluation plans will be written ...": a noun before the modal, not a hedge
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
    while v0 + 1 < b and (is_adverb(w[v0]) or w[v0] in _BULLETS):
        v0 += 1
    if first_main and v0 + 2 < b and (w[v0] == "never" or (w[v0] == "do" and w[v0 + 1] in {"not", "n't"})):
        # a negated imperative ("Never ship ...", "Do not deploy ..."): a prohibition in force
        v = v0 + (1 if w[v0] == "never" else 2)
        if w[v] in VERB_BASE and w[v] not in AUX_NEXT:
            return _Decision(
                "commitment", f"imperative '{w[v]}'", f"negated imperative '{w[v]}': a prohibition", True
            ), None
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
    p = find_verb(w, lead, b, t)
    if p is None:
        return _possession_decision(w, t, lead, b)
    subj = (w[lead:p], t[lead:p])
    return _verb_decision(w, p, subj[0], subj[1], (w, t)), subj


# What may follow "we have" / "xAI has" for it to state something the lab keeps in place (a
# team, a process, protections); a participle makes it a perfect tense, "no" a disclaimer.
_NOT_POSSESSED = frozenset("been no not never to yet already also recently long seen".split())
# Verbs that say what the lab's own approach or practice consists of ("Our approach to security
# focuses on insider threats", "xAI's practice ... centers around scalable oversight").
_APPROACH_VERBS = frozenset("centers centres focuses relies rests consists comprises involves builds draws".split())
_APPROACH_NOUNS = POLICY_NOUNS | {"approach", "strategy", "programme", "program"}


def _possession_decision(w, t, lead, b):
    """ "We have a dedicated team ...", "xAI employees have whistleblower protections ...": the
    lab (or its people) having a measure in place is its stated practice; so is what the lab's
    own approach or practice consists of ("Our approach ... focuses on ...")."""
    for h in range(lead + 1, b):
        if w[h] in _APPROACH_VERBS:
            subj, subj_t = w[lead:h], t[lead:h]
            head = head_phrase(subj)
            if set(head) & _APPROACH_NOUNS and subject_class(head, t[lead : lead + len(head)]) in {"first", "lab"}:
                what = " ".join(x for x in head if x.isalpha())
                return _Decision(
                    "commitment", f"present tense '{w[h]}'", f"the lab states its practice: '{what} {w[h]}'"
                ), (
                    subj,
                    subj_t,
                )
            break
    for h in range(lead + 1, min(b, lead + 6)):
        if w[h] not in {"has", "have"}:
            continue
        nxt = w[h + 1] if h + 1 < b else ""
        subj, subj_t = w[lead:h], t[lead:h]
        if (
            not nxt
            or nxt in _NOT_POSSESSED
            or is_participle(nxt)
            or subject_class(subj, subj_t) not in {"first", "lab"}
        ):
            return None, None
        who = " ".join(head_phrase(subj)[-3:])
        return _Decision("commitment", f"present tense '{w[h]}'", f"'{who} {w[h]}' a measure in place", False), (
            subj,
            subj_t,
        )
    return None, None


def _sentence_decision(w, t) -> _Decision:
    """One decision for a sentence: a stance or hedge that comes first governs it.

    Notes and examples ("Note:", "For example, ...") illustrate: a present-tense verb, an
    imperative or a modal with a generic subject in them is not the lab's policy; "we will" still is.
    """
    start = content_start(w)
    boilerplate = _boilerplate(w, start)
    if boilerplate is not None:
        return boilerplate
    if _OPINION.search(" ".join(w[start:])):
        return _Decision("description", None, "a stated opinion, not a practice", False, True)
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
    for n, d in enumerate(decisions):
        if d.subject == _PARTY:
            # "The Evaluator shall keep a channel ..., and the Lab shall not retaliate ...": the
            # other party's duty, then the lab's own in a clause of its own
            own = next((x for x in decisions[n + 1 :] if x.category == "commitment" and x.cued), None)
            if own is not None:
                return own
        if d.cued and d.category == "hedge" and (d.modality in HEDGE_MODALS or d.subject not in {"first", "lab", ""}):
            # "Any person may report ..., and the Company shall not retaliate ...": a permission,
            # or someone else's attempt ("an outside team will try to ..."), does not soften a
            # firm promise of the lab's in a clause of its own
            firm = next(
                (
                    x
                    for x in decisions[n + 1 :]
                    if x.category == "commitment" and x.cued and x.subject in {"first", "lab", "neutral"} and x.modality
                ),
                None,
            )
            if firm is not None and firm.modality.split()[0] in set(FIRM.values()):
                return firm
            if d.modality == "may" and d.subject not in {"first", "lab"}:
                # "Any engineer MAY file a report ...; reports are routed to the audit committee":
                # someone's right, then the lab's practice in a clause of its own
                practice = next((x for x in decisions[n + 1 :] if x.category == "commitment"), None)
                if practice is not None:
                    return practice
        if d.category == "commitment":
            if d.cued and _FEASIBLE.search(" ".join(w)):
                # "Where feasible, we will ..." / "... to the extent practicable": the lab keeps
                # the judgement of whether to do it, a hedged practice
                return _Decision("hedge", f"{d.modality} (where feasible)", f"{d.why}, hedged by a feasibility proviso")
            return d
        if d.cued and (d.category in {"hedge", "recommendation"} or (d.modality or "") in BELIEF):
            return d
    return decisions[0]


_PARTY = "counterparty"  # the subject class of a decision on the other party's duty
_RULE_VERBS = frozenset("requires mandates stipulates obliges obligates prohibits forbids".split())
_BULLETS = frozenset("- • * – — · ▪ ◦".split())
_FEASIBLE = re.compile(
    r"\b(?:(?:where|when|if|as far as|insofar as) (?:it is )?(?:reasonably |technically |commercially )?(?:feasible|possible|practicable)|"
    r"to the (?:extent|degree) (?:reasonably |technically |commercially )?(?:feasible|possible|practicable))\b"
)
# How the document itself is to be read or which law governs it: no practice of the lab.
_CONSTRUCTION = re.compile(
    r"\b(?:(?:shall|will|must) be|is|are|(?:is|are) to be) (?:construed|interpreted|read|governed by)\b|"
    r"^(?:\w+ ){0,5}nothing in (?:this|these|the) (?:\w+ ){0,2}"
    r"(?:policy|framework|agreement|section|document|standard|response|filing|submission|statement|charter)\b|"
    # "Lumen ... submits this response to Section 4 of the questionnaire": the document presents itself
    r"\b(?:submits?|presents?|provides?) (?:this|these) (?:response|responses|answers|filing|submission|document)\b|"
    # "This Agreement shall remain in force for 24 months": the document's own term
    r"^(?:\w+ ){0,2}(?:this|the) (?:agreement|policy|framework|charter|standard|protocol|document)\b[^.;]{0,20}\b"
    r"(?:shall|will) (?:remain in (?:full )?(?:force|effect)|take effect|come into (?:force|effect)|expire|terminate)\b"
)
# A stated opinion ("In the Company's view, thresholds set by one developer are unlikely to ...")
_OPINION = re.compile(r"^\W*in (?:our|its|(?:the )?[\w-]+ ?'s) (?:view|opinion|judgement|judgment)\b")
_QUOTES = frozenset("' \" “ ” ‘ ’".split())
_PURPOSE_NOUNS = frozenset("purpose purposes aim aims objective objectives intent goal goals scope".split())
_DOCUMENT_NOUNS = frozenset("policy framework document section protocol standard standards chapter".split())
# Parts of a document that a sentence can point to, and what a document does with its content.
_PART_NOUNS = frozenset("appendix appendices annex annexes table tables figure figures report card paper".split())
_DOCUMENT_VERBS = frozenset(
    "reports presents provides contains includes gives documents summarises summarizes records shows lists".split()
)
_PLACED = frozenset(
    "attached included shown listed given provided summarised summarized presented reproduced described".split()
)
# A passive present on a schedule ("Deployed models are re-evaluated at least every 90 days",
# "... no less than once per quarter") or against a deadline ("the capability is restricted
# within 48 hours") is a procedure someone keeps, not a description of how the world is.
_COUNT_WORD = r"(?:\d+|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|thirty|sixty|ninety)"
_SCHEDULE = re.compile(
    rf"\b(?:(?:every|each) {_COUNT_WORD} "
    r"(?:days?|weeks?|months?|years?|quarters?)|(?:every|each) (?:day|week|month|quarter|year)|"
    r"annually|quarterly|monthly|weekly|daily|(?:once|twice) (?:a|an|per|each|every) (?:year|quarter|month|week|day)|"
    rf"(?:within|no later than) {_COUNT_WORD} (?:(?:working|business|calendar) )?(?:hours?|days?|weeks?|months?))\b"
)


def _boilerplate(w: list[str], start: int) -> _Decision | None:
    """A purpose statement ("The purpose of this Policy is to ...") or a clause on how the
    document is construed: the document speaking of itself, not a practice."""
    k = start + (1 if w[start : start + 1] == ["the"] else 0)
    if (
        w[k : k + 1]
        and w[k] in _PURPOSE_NOUNS
        and w[k + 1 : k + 2] == ["of"]
        and {x for x in w[k + 2 : k + 5]} & _DOCUMENT_NOUNS
    ):
        return _Decision("description", None, f"'{w[k]} of' the document: it states its own purpose")
    if w[start : start + 1] in (["definitions"], ["definition"]) and w[start + 1 : start + 2] in ([":"], ["."]):
        return _Decision("description", None, "under 'Definitions': a definition")
    colon = next((k for k in range(1, min(len(w), 10)) if w[k] == ":"), None)
    if colon is not None and w[colon - 1] in _QUOTES:
        # "'Effective compute': training compute adjusted ...": a quoted term, then its meaning
        term = " ".join(x for x in w[:colon] if x not in _QUOTES)
        return _Decision("description", None, f"'{term}' defined: a definition")
    if _CONSTRUCTION.search(" ".join(w[start:])):
        return _Decision("description", None, "how the document is construed or governed, not a practice")
    return None


# A quotation this long ("... defines a severe incident as “an event in which a model will
# contribute to ...”") is someone else's words, a law's or a standard's: its modals are not the
# lab's, unless the quote opens with the lab's own "we" / "our". Shorter quotes are names
# ("a “system card”").
_MIN_QUOTED = 5
_QUOTED_MODALS = frozenset(
    "will shall must may might should can could would aim aims intend intends plan plans seek seeks strive strives".split()
)


def _mask_quotations(w: list[str], t: list[str]) -> tuple[list[str], list[str]]:
    """``w`` and ``t`` with the words of long quotations replaced by a neutral word, and of
    quoted wordings that open with a modal ("Changed: 'will pause' -> 'may pause'"): a
    wording mentioned, not the lab's own use of it."""
    w, t = list(w), list(t)
    for k, x in enumerate(t):
        if x in ("'", "‘", '"', "“") and k + 1 < len(w) and w[k + 1] in _QUOTED_MODALS:
            end = next((j for j in range(k + 2, min(len(t), k + 10)) if t[j] in ("'", "’", '"', "”")), None)
            if end is not None:
                for j in range(k + 1, end):
                    w[j], t[j] = "quoted", "quoted"
    start = None
    for k, x in enumerate(t):
        opening = x == "\u201c" or (x == '"' and start is None)
        closing = x == "\u201d" or (x == '"' and start is not None)
        if start is None and opening:
            start = k
        elif start is not None and closing:
            if k - start - 1 >= _MIN_QUOTED and w[start + 1] not in FIRST:  # "we will ...": the lab quoting itself
                for j in range(start + 1, k):
                    w[j], t[j] = "quoted", "quoted"
            start = None
    return w, t


_CELL_BREAKS = frozenset({"|", "→", "⇒", "⟶"})


def _part_decisions(w, t, a, b) -> list[_Decision]:
    """Decisions of one sentence part; a table row ("High: cyber | Withhold the weights ... | No")
    is read cell by cell. Its first cell names the row, so a verb-like word there ("Monitor
    evasion") is no instruction; a later cell that opens with an imperative states the row's
    required response."""
    # an arrow between a condition and its response ("Critical bio → pause training") parts a
    # row's cells as a bar does
    bars = [i for i in range(a, b) if w[i] in _CELL_BREAKS]
    if not bars:
        return [_sentence_decision(w[a:b], t[a:b])]
    out: list[_Decision] = []
    for x, y in zip([a, *(i + 1 for i in bars)], [*bars, b]):
        if y <= x:
            continue
        d = _sentence_decision(w[x:y], t[x:y])
        if not out and d.category == "commitment" and not d.cued:
            d = _Decision("description", None, "the row's label, not an instruction")
        out.append(d)
    return out


# A question put to the lab and its answer in one passage ("Q3. Describe the evaluation tasks
# used ... Response: Our suite comprises ..."): the question's imperative is the asker's, so only
# the answer is read.
_QUESTION_LABEL = re.compile(r"^(?:q\d+\w*|question|q)$")
_ANSWER_LABELS = frozenset({"response", "answer", "a", "reply"})


def _answer_start(w: list[str]) -> int:
    """Index of the first word of the answer when ``w`` opens with a question label ("Q3.",
    "Question 2:") and later labels its answer ("Response:", "Answer:"), else 0."""
    if not w or not _QUESTION_LABEL.match(w[0]):
        return 0
    for i in range(1, len(w) - 2):
        if w[i] in _ANSWER_LABELS and w[i + 1] == ":" and (i == 1 or w[i - 1] in {".", "?", ")", ":"}):
            return i + 2
    return 0


def _question(w: list[str], a: int, b: int) -> bool:
    """Whether the sentence ``w[a:b]`` is a question ("Does Halyard test its models ...?", "Who
    can change the framework?"): it asks, a heading of an FAQ, and commits to nothing."""
    end = b - 1
    while end > a and w[end] in _CLOSERS:
        end -= 1
    return end > a and w[end] == "?"


_CLOSERS = frozenset({")", "]", '"', "'", "”", "’", "*"})


def _after_label(w: list[str], a: int, b: int) -> int:
    """Start of what follows a short label naming a list by what the lab does with it ("Areas
    we evaluate: cyber operations; ..."): the label's "we evaluate" qualifies the noun before it
    (a reduced relative clause), so only the part after the colon is read."""
    colon = next((k for k in range(a + 2, min(b, a + 7)) if w[k] == ":"), None)
    if colon is None or w[a] in FIRST or w[a] in _DETERMINERS - {"the"}:
        return a
    label = w[a:colon]
    if not all(x.isalpha() for x in label):
        return a  # "2.1 We track three domains: ...": a numbered sentence, no label
    if "we" in label[1:] and label[label.index("we") - 1] not in FIRST | CONJ and label[-1] != "we":
        return colon + 1
    return a


# A slide's or a checklist's shorthand with no verb to read ("Eval cadence: every 4x eff.
# compute; quarterly in deployment", "Weights: 2-person rule for any copy", "30 days min."):
# a schedule, a minimum, a sign-off or a gate states a practice; a bare list of domains does not.
_SHORTHAND = re.compile(
    r"\b(?:min\.?|minimum|at least (?:once|every|\d+ (?:hours?|days?|weeks?|months?))|"
    r"(?:once|twice) (?:a|per) (?:year|quarter|month|week)|sign-?off|notice|"
    r"\d+-person rule|until|w/o)(?=\W|$)"
)


def _shorthand_practice(w: list[str]) -> bool:
    """Whether a passage without a verb the rules read states a practice in shorthand (no
    table bars: a row's cells are read as cells)."""
    if len(w) > SHORTHAND_MAX_WORDS or set(w) & _CELL_BREAKS:
        return False
    text = " ".join(w)
    return bool(_SHORTHAND.search(text) or _SCHEDULE.search(text))


SHORTHAND_MAX_WORDS = 40


def _analyse(doc) -> tuple[_Decision, tuple[str, ...]]:
    """Passage decision (any committing sentence makes it a commitment) and its conditions."""
    w, t, ws = token_words(doc)
    w, t = _mask_quotations(w, t)
    answer = _answer_start(w)
    decisions = [
        d
        for s in token_sentences(t)
        if not _question(w, *s)
        for a, b in semicolon_parts(w, *s)
        if b > answer
        for d in _part_decisions(w, t, _after_label(w, max(a, answer), b), b)
    ]
    decision = next((d for d in decisions if d.category == "commitment"), None)
    if decision is None and all(d is _NONE for d in decisions) and _shorthand_practice(w):
        decision = _Decision("commitment", "shorthand", "a practice in shorthand: a schedule, a minimum or a gate")
    if decision is None:
        for cat in ("hedge", "recommendation", "description"):
            decision = next((d for d in decisions if d.category == cat), None)
            if decision is not None:
                break
    return decision or _NONE, extract_conditions(w, t, ws)


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
