"""Alignment of the statements of two versions of one document.

Identical statements are paired first (same canonical text: case, punctuation, whitespace,
list markers, section numbers and hyphenation ignored), in reading order. The rest are paired
one-to-one by lexical similarity (cosine of character 3-gram TF-IDF vectors, optionally mixed
with sentence-embedding cosine) over a threshold, best pairs first. A statement may also be
paired with two adjacent statements of the other version taken together, so that a sentence
split in two, or two merged into one, is recognised as the same text (reflow).

Similarities come from sparse matrix products in ``similarity`` (the space and the pairing
passes), never from per-pair string comparison; unchanged statements cost only a hash lookup.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from labwatch.extractors.changes.similarity import Space, pair_similar
from labwatch.extractors.records import Features, Passage, Statement, normalize_text

_LIST_MARKER = re.compile(
    r"^\s*(?:[\u2022\u25cf\u25cb\u25aa\u25e6\u25a0\-\*\u2013]|\(?[0-9]{1,2}[.)]|\(?[a-z]{1,3}[.)])\s+"
)

# Below this similarity two statements are not the same statement. Measured on five real
# policies (705 sentences): a sentence's nearest *other* sentence scores 0.37 at the median and
# under 0.5 for 80% of sentences; the same sentence with a modal swapped, a condition appended
# or a word inserted scores over 0.78 for 95%, with its last words rewritten over 0.6.
MATCH_THRESHOLD = 0.5
# The threshold when vectors are given (their cosine weighs similarity.VECTOR_WEIGHT, the rest
# is lexical): MiniLM puts unrelated sentences of one policy at cosine 0.6-0.8, which lifts
# the mixed score of distinct sentences (median nearest neighbour 0.37 lexical, 0.48 mixed).
# The threshold is calibrated by `labwatch eval-changes --calibrate` on real revision pairs
# (docs/accuracy.md, "Changes"): with changes-3's reading rules 0.5 scores best on all four
# development pairs (0.75 did with changes-2, when a looser pairing mostly added false alarms);
# leave one pair out, the folds choose 0.5 or 0.7.
VECTOR_MATCH_THRESHOLD = 0.5

_SECTION_NUMBER = re.compile(r"^\s*(?:(?:section|sec\.|§)\s*)?\d+(?:\.\d+)+\.?\s+", re.IGNORECASE)
_SECTION_REF = re.compile(r"(?:\b(?:section|sec\.|clause|appendix|annex)|§)\s*(?:\d+|[a-z])(?:\.\d+)*\b", re.IGNORECASE)
_NON_WORD = re.compile(r"[^0-9a-z%]+")
# Footnote markers as PDFs transcribe them: glued to a word ("hierarchy9") or after its
# punctuation ("outputs.5 "). Their numbers change with the footnotes around, not the wording.
# not the exponent of "1e26"
_FOOTNOTE = re.compile(r"(?<!\d[eE])(?:(?<=[A-Za-z)\]])|(?<=[A-Za-z)][.,;:]))\d{1,2}(?=[\s.,;:)]|$)")
_STRENGTH_ORDER = {"none": 0, "hedged": 1, "firm": 2}

# Words whose change is never a typo: modals, negation, quantifiers, number words.
PROTECTED_WORDS = frozenset(
    "will shall must should may might could can cannot would not never no nor without unless except "
    "all every each any some only certain most frontier aim seek intend plan expect strive commit committed "
    "one two three four five six seven eight nine ten eleven twelve twenty thirty hundred "
    "first second third before after within least quarterly annually monthly weekly daily yearly".split()
)
# Words that a split or merge of sentences may add or drop without changing the wording.
CONNECTIVES = frozenset("and also additionally furthermore moreover in addition then further".split())


@dataclass(frozen=True, slots=True)
class Pair:
    """Old statement indices paired with new statement indices (one of the two has length 1)."""

    old: tuple[int, ...]
    new: tuple[int, ...]
    score: float
    exact: bool


@dataclass(frozen=True, slots=True)
class Alignment:
    """Result of ``align_texts``: pairs plus the indices left without a counterpart."""

    pairs: tuple[Pair, ...]
    removed: tuple[int, ...]  # old indices with no counterpart in the new version
    added: tuple[int, ...]  # new indices with no counterpart in the old version


def canonical_text(text: str) -> str:
    """Text reduced to lower-case words: what two statements must share to be 'the same'.

    Beyond ``normalize_text`` it drops leading section numbers ("3.2 "), footnote markers
    ("hierarchy9", "outputs.5"), the numbers of section references ("see Section 4.1" -> "see
    section"), and all punctuation.
    """
    t = _FOOTNOTE.sub("", _SECTION_NUMBER.sub("", text))
    t = normalize_text(t)
    t = _SECTION_REF.sub("section", t)
    return _NON_WORD.sub(" ", t.replace("\u00d7", "x")).strip()


def strip_numbering(text: str) -> str:
    """``text`` without its leading section number ("3.2 ") or list marker and footnote
    markers, and with section references reduced to the word ("see Section 4.1" -> "see section")."""
    t = _FOOTNOTE.sub("", _SECTION_NUMBER.sub("", text))
    t = _LIST_MARKER.sub("", t)
    return _SECTION_REF.sub(lambda m: m.group(0).split()[0] if " " in m.group(0) else "section", t)


def compact_key(text: str) -> str:
    """Canonical text without spaces: 'pre-deployment' and 'predeployment' share a key."""
    return canonical_text(text).replace(" ", "")


def align_texts(
    old: Sequence[str],
    new: Sequence[str],
    *,
    vectors_old: np.ndarray | None = None,
    vectors_new: np.ndarray | None = None,
    sections_old: Sequence[str] | None = None,
    sections_new: Sequence[str] | None = None,
    threshold: float | None = None,
) -> Alignment:
    """Pair the statements of ``old`` with those of ``new``: one-to-one, or one with two or
    three adjacent statements of the other side (a split, a merge, a lead-in with its items).

    Identical statements (same ``compact_key``) pair first, in reading order, before any
    similarity is computed. The rest are paired by one global assignment
    (``scipy.optimize.linear_sum_assignment``) maximising the summed similarity above
    ``threshold``: wording (character 3-gram TF-IDF), meaning (cosine of the sentence vectors,
    when both are given) and agreement of the section headings (when given), so a section that
    moved keeps its pairs and a rewritten sentence can still find its counterpart. Paired
    statements then take in adjacent unpaired neighbours when the group reads closer to the
    counterpart than the statement alone.

    Every index of ``old`` appears exactly once, either in a pair or in ``removed``; likewise
    for ``new`` and ``added``. Vectors, when both are given, must have one row per text.
    ``threshold`` defaults to MATCH_THRESHOLD, or VECTOR_MATCH_THRESHOLD with vectors.
    """
    if vectors_old is None or vectors_new is None:
        vectors_old = vectors_new = None
    if threshold is None:
        threshold = MATCH_THRESHOLD if vectors_old is None else VECTOR_MATCH_THRESHOLD
    pairs, rest_old, rest_new = pair_identical(old, new)
    if rest_old and rest_new:
        texts_old = [canonical_text(old[i]) for i in rest_old]
        texts_new = [canonical_text(new[j]) for j in rest_new]
        heads_old = heads_new = None
        if sections_old is not None and sections_new is not None:
            heads_old = [canonical_text(sections_old[i] or "") for i in rest_old]
            heads_new = [canonical_text(sections_new[j] or "") for j in rest_new]
        space = Space(rest_old, rest_new, texts_old, texts_new, vectors_old, vectors_new, heads_old, heads_new)
        pairs.extend(Pair(o, n, s, False) for o, n, s in pair_similar(space, threshold))
    used_old = {i for p in pairs for i in p.old}
    used_new = {j for p in pairs for j in p.new}
    pairs.sort(key=lambda p: (p.new[0], p.old[0]))
    return Alignment(
        pairs=tuple(pairs),
        removed=tuple(i for i in range(len(old)) if i not in used_old),
        added=tuple(j for j in range(len(new)) if j not in used_new),
    )


def pair_identical(old: Sequence[str], new: Sequence[str]) -> tuple[list[Pair], list[int], list[int]]:
    """Pairs of identical statements (same ``compact_key``, in reading order), and the old and
    new indices left over: only those need vectors."""
    by_key: dict[str, deque[int]] = defaultdict(deque)
    for j, text in enumerate(new):
        by_key[compact_key(text)].append(j)
    pairs: list[Pair] = []
    rest_old: list[int] = []
    for i, text in enumerate(old):
        queue = by_key.get(compact_key(text))
        if queue:
            pairs.append(Pair((i,), (queue.popleft(),), 1.0, True))
        else:
            rest_old.append(i)
    used_new = {p.new[0] for p in pairs}
    return pairs, rest_old, [j for j in range(len(new)) if j not in used_new]


def compare_text(statement: Statement) -> str:
    """The text a statement is compared by: a list item keeps its lead-in ("We will:")."""
    p = statement.passage
    if p.lead_in and p.kind == "list_item":
        return f"{p.lead_in} {p.text}"
    return p.text


def is_noise_edit(a: str, b: str, *, regrouped: bool = False) -> bool:
    """True when ``a`` and ``b`` have the same wording up to noise.

    Noise: case, whitespace, punctuation, list/section numbering, hyphenation, and word
    substitutions that are typo-level (character similarity >= 0.8, same first letter, at
    least 4 letters) and touch no number, modal, negation or scope word. With ``regrouped``
    (a split or merged sentence), connectives such as 'and' or 'also' are noise too.
    """
    ta, tb = canonical_text(a).split(), canonical_text(b).split()
    if "".join(ta) == "".join(tb):
        return True
    matcher = difflib.SequenceMatcher(a=ta, b=tb, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        removed, added = ta[i1:i2], tb[j1:j2]
        if op == "equal" or (regrouped and all(t in CONNECTIVES for t in removed + added)):
            continue
        if op != "replace" or not _typo_level(removed, added):
            return False
    return True


def _typo_level(removed: list[str], added: list[str]) -> bool:
    if "".join(removed) == "".join(added):  # "pre deployment" -> "predeployment"
        return True
    if len(removed) != len(added):
        return False
    for x, y in zip(removed, added):
        if (x in PROTECTED_WORDS and y in PROTECTED_WORDS) or _has_digit(x + y):
            return False  # 'must' -> 'most', '4x' -> '6x' are never typos
        if x[0] != y[0] or min(len(x), len(y)) < 3:
            return False
        if difflib.SequenceMatcher(a=x, b=y).ratio() < 0.8:
            return False
    return True


def _has_digit(token: str) -> bool:
    return any(ch.isdigit() for ch in token)


def merge_statements(statements: Sequence[Statement]) -> Statement:
    """One Statement standing for adjacent statements read together (a split sentence).

    Text is joined with spaces; features take the strongest member's commitment status and
    strength, the members' modality when they agree (else None), and the union of conditions
    and numbers; criteria are the union.
    """
    if len(statements) == 1:
        return statements[0]
    first, last = statements[0].passage, statements[-1].passage
    lead = max(statements, key=lambda s: (s.features.is_commitment, _STRENGTH_ORDER.get(s.features.strength, 0)))
    passage = Passage(
        seq=first.seq,
        text=" ".join([first.text] + [strip_numbering(s.passage.text) for s in statements[1:]]),
        kind=first.kind,
        page=first.page,
        section=first.section,
        start=first.start,
        end=last.end,
        lead_in=first.lead_in,
        context=first.context,
    )
    lf = lead.features
    features = Features(
        is_commitment=lf.is_commitment,
        strength=lf.strength,
        category=lf.category,
        negated=any(s.features.negated for s in statements),
        conditions=tuple(c for s in statements for c in s.features.conditions),
        numbers=tuple(n for s in statements for n in s.features.numbers),
        # Members that disagree leave the modality to be read from the joined text.
        modality=lf.modality if len({s.features.modality for s in statements}) == 1 else None,
        why=" / ".join(s.features.why for s in statements if s.features.why),
    )
    criteria = tuple(dict.fromkeys(c for s in statements for c in s.criteria))
    return Statement(passage=passage, features=features, criteria=criteria)
