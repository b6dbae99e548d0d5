"""The shape of a sentence as the commitment rules read it, from lower-cased spaCy tokens: list
markers and labels to skip, clauses (punctuation and subordinators), subjects and who they name,
where the main verb is, negation. No decision is made here; features.py decides."""

from __future__ import annotations

import re

from labwatch.extractors.statements.cues import (
    ADVERBS,
    AUX_NEXT,
    COMMON_SUBJECTS,
    CONJ,
    COPULA,
    FIRM,
    FIRST,
    GENERIC_ACRONYMS,
    HEDGE_ADVERBS,
    HEDGE_MODALS,
    LAB_NOUNS,
    LEAD_AS,
    LIST_ENUM,
    NEGATORS,
    NOUN_FOLLOWERS,
    NOUN_MARKERS,
    OTHERS,
    PARTICIPLES_IRREGULAR,
    PREPOSITIONS,
    RECOMMEND,
    SUBORDINATORS,
    VERB_BASE,
    VERB_CANDIDATES_BASE,
    VERB_CANDIDATES_S,
    VERB_S,
    WORLD,
)
from labwatch.extractors.statements.quantities import BOUNDARY


def is_adverb(w: str) -> bool:
    """Whether ``w`` is an adverb: a listed one, a hedge adverb, or an -ly word that is no verb."""
    return w in ADVERBS or w in HEDGE_ADVERBS or (w.endswith("ly") and w not in VERB_BASE and len(w) > 3)


SECTION_NUMBER = re.compile(r"\d+(?:\.\d+)+\.?")


def content_start(w: list[str]) -> int:
    """Index after list markers ("•", "1.", "(a)", "iv)") and a short "Label:" prefix."""
    i = 0
    while i < len(w):
        if w[i] in {"•", "-", "–", "*", "▪", "●", "○", "◦", "■"}:
            i += 1
        elif LIST_ENUM.match(w[i]) and i + 1 < len(w) and w[i + 1] in {".", ")"}:
            i += 2
        elif SECTION_NUMBER.fullmatch(w[i]) and i + 1 < len(w):
            i += 1  # "8.1 Quillon participates ...", "3.2. We will ..."
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


def split_clauses(w: list[str], start: int) -> list[tuple[int, int, bool]]:
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
        elif (
            tok == "we"
            and sub
            and _opener(w, seg, i) in _OPENING_SUBORDINATORS
            and w[i - 1] not in _OPENING_SUBORDINATORS
            and w[i - 1] not in CONJ | _RELATIVES | PREPOSITIONS
        ):
            # "Before deployment we evaluate ...", "If a model crosses the line we will pause":
            # an opening clause without its comma; the lab's "we" after it opens the main clause
            out.append((seg, i, True))
            seg, sub = i, False
    if len(w) > seg:
        out.append((seg, len(w), sub or depth > 0))
    return out


def _opener(w: list[str], seg: int, i: int) -> str:
    """The first word of ``w[seg:i]`` after any conjunctions ("and before deployment ...")."""
    k = seg
    while k < i and w[k] in CONJ:
        k += 1
    return w[k] if k < i else ""


_OPENING_SUBORDINATORS = frozenset("before after until once when whenever if unless".split())
_RELATIVES = frozenset("that which who whom whose what how whether".split())


def names_someone(texts: list[str]) -> bool:
    """Whether a subject's words name someone: an acronym or a multi-word proper name."""
    words = [x for x in texts if x.isalpha() and x not in GENERIC_ACRONYMS]
    if any(x[:1].isupper() and not x.istitle() or any(c.isupper() for c in x[1:]) for x in words):
        return True  # "SAG", "xAI", "OpenAI"
    caps = [i for i, x in enumerate(texts) if x[:1].isupper() and x.isalpha() and x not in GENERIC_ACRONYMS]
    return any(i > 0 for i in caps) or any(b == a + 1 for a, b in zip(caps, caps[1:]))


def subject_class(toks: list[str], texts: list[str]) -> str:
    """Who a subject phrase names: first person, others, the lab, the world, or neutral."""
    body = [t for t in toks if t not in CONJ and not is_adverb(t)]
    if not body:
        return "none"
    if set(body) & FIRST:
        return "first"
    if texts and names_someone(texts):
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


def next_content(w: list[str], i: int) -> int:
    """Index of the first token from ``i`` on that is no adverb or negation."""
    while i < len(w) and (is_adverb(w[i]) or w[i] in {"not", "n't", "also", "never"}):
        i += 1
    return i


def is_participle(w: str) -> bool:
    """Whether ``w`` reads as a past participle (an irregular one, or -ed)."""
    return w in PARTICIPLES_IRREGULAR or (
        w.endswith("ed") and len(w) > 4 and ("-" not in w or w.split("-")[0] in _VERB_PREFIXES)
    )


# "re-assessed", "red-teamed", "fine-tuned": a hyphenated participle (not "well-funded")
_VERB_PREFIXES = frozenset("re pre co red fine stress cross double".split())


def is_negated(w: list[str], subj: list[str], i: int) -> bool:
    """Whether the verb or modal at ``i`` is negated ("will not", "never", "No model will")."""
    near = set(w[i + 1 : i + 3]) | set(w[max(i - 1, 0) : i])
    return bool(near & NEGATORS) or (bool(subj) and subj[0] in {"no", "neither", "none"})


def head_phrase(subj: list[str]) -> list[str]:
    """The subject's head phrase: the tokens before its first preposition."""
    out = []
    for tok in subj:
        if tok in PREPOSITIONS and out:
            break
        if tok in {"and", "or"} or (tok not in CONJ and not is_adverb(tok)):
            out.append(tok)
    return out


# Plural without an -s: pronouns, collective nouns of people, and "all staff", "both teams".
_PLURAL_WORDS = frozenset("we they i you staff personnel people all both".split())


def is_plural(head: list[str]) -> bool:
    """Whether a subject's head phrase is plural (a plural pronoun or an -s noun)."""
    return any(
        t in _PLURAL_WORDS or (t.endswith("s") and not t.endswith(("ss", "us", "is")) and t.isalpha()) for t in head
    )


def lab_related(w: list[str], t: list[str]) -> bool:
    """Whether a sentence speaks of the lab: first person, a lab noun, or a name."""
    return (
        bool(set(w) & (FIRST | LAB_NOUNS))
        or any(x[:1].isupper() and not x.istitle() and x.isalpha() and x not in GENERIC_ACRONYMS for x in t)
        or any(x.istitle() and i > 0 and t[i - 1] not in {".", ":", "(", '"', "“"} for i, x in enumerate(t))
    )


def word_after_be(w, i) -> str:
    """The word after "<modal> be" ("will be evaluated" -> "evaluated"), else ""."""
    j = next_content(w, i + 1)
    if j >= len(w) or w[j] != "be":
        return ""
    k = next_content(w, j + 1)
    return w[k] if k < len(w) else ""


def _bare_name_verb(word: str, text: str, verb: str) -> bool:
    """A one-word capitalised subject before a verb of practice: "Quillon participates in",
    "xAI works with" (a lab's name that capitals alone cannot tell from a common noun)."""
    return text.istitle() and text.isalpha() and word not in COMMON_SUBJECTS and verb in VERB_S


# An auxiliary before a verb form makes it a participle or an infinitive, never the present
# main verb ("evaluations were run", "it has been shown").
_AUXILIARIES = frozenset("was were been be being had did".split())


def find_verb(w, a, b, t=None) -> int | None:
    """First token of w[a:b] that reads as a present-tense main verb after a subject (``t``,
    the tokens as written, tells a name from a common noun)."""
    for p in range(a + 1, b):
        x = w[p]
        if not (x in COPULA or x in VERB_CANDIDATES_S or x in VERB_CANDIDATES_BASE):
            continue
        q = p - 1
        while q > a and is_adverb(w[q]):
            q -= 1
        prev = w[q]
        nxt = w[p + 1] if p + 1 < b else ""
        if (
            prev in NOUN_MARKERS
            or prev in {"and", "or", "but", "nor"}
            or prev.endswith("ing")
            or w[p - 1] in PREPOSITIONS
            or (nxt in AUX_NEXT - {"has", "have"})
            or prev in _AUXILIARIES
        ):
            continue  # "the reviews", "applying measures", "safety tests are", "practices in use"
        named = q == a and t is not None and (names_someone([t[q]]) or _bare_name_verb(w[q], t[q], x))
        if x.endswith("s") and x not in COPULA and nxt in NOUN_FOLLOWERS and not (named or prev in LAB_NOUNS):
            continue  # a plural noun ("measures to reduce", "tests and evaluations")
        if x in COPULA or x in VERB_CANDIDATES_S:
            return p
        if is_plural(head_phrase(w[a : q + 1])):
            return p
    return None


def token_words(doc) -> tuple[list[str], list[str], list[str]]:
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


def semicolon_parts(w: list[str], a: int, b: int) -> list[tuple[int, int]]:
    """A sentence split where a semicolon opens a clause of the lab's own ("...; we will publish
    ..."): each part is decided alone, so a hedge in the first does not govern the second."""
    cuts = [i for i in range(a + 1, b - 1) if w[i] == ";" and w[i + 1] in {"we", "our"}]
    bounds = [a, *(i + 1 for i in cuts), b]
    return [(x, (y - 1) if y != b else y) for x, y in zip(bounds, bounds[1:])]
