"""Alignment of the statements of two versions of one document.

Identical statements are paired first (same canonical text: case, punctuation, whitespace,
list markers, section numbers and hyphenation ignored), in reading order. The rest are paired
one-to-one by lexical similarity (cosine of character 3-gram TF-IDF vectors, optionally mixed
with sentence-embedding cosine) over a threshold, best pairs first. A statement may also be
paired with two adjacent statements of the other version taken together, so that a sentence
split in two, or two merged into one, is recognised as the same text (reflow).

Similarities come from sparse matrix products, never from per-pair string comparison: a
1,500 x 1,500 statement pair in which every statement was edited and moved aligns in about
1.5 s on two shared cores; unchanged statements cost only a hash lookup.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from labwatch.extractors.records import Features, Passage, Statement, normalize_text

_LIST_MARKER = re.compile(r"^\s*(?:[\u2022\u25cf\u25aa\-\*\u2013]|\(?[0-9]{1,2}[.)]|\(?[a-z]{1,3}[.)])\s+")

# Below this similarity two statements are not the same statement. Measured on five real
# policies (705 sentences): a sentence's nearest *other* sentence scores 0.37 at the median and
# under 0.5 for 80% of sentences; the same sentence with a modal swapped, a condition appended
# or a word inserted scores over 0.78 for 95%, with its last words rewritten over 0.6.
MATCH_THRESHOLD = 0.5
# A statement is paired with two adjacent ones only when that beats its best single pairing
# by this margin (else an added sentence next to an edited one would be swallowed).
GROUP_MARGIN = 0.05
# Weight of embedding cosine when vectors are given (the rest is lexical similarity), and the
# threshold then: MiniLM puts unrelated sentences of one policy at cosine 0.6-0.8, which lifts
# the mixed score of distinct sentences (median nearest neighbour 0.37 lexical, 0.48 mixed).
VECTOR_WEIGHT = 0.5
VECTOR_MATCH_THRESHOLD = 0.6

_SECTION_NUMBER = re.compile(r"^\s*(?:(?:section|sec\.|§)\s*)?\d+(?:\.\d+)+\.?\s+", re.IGNORECASE)
_SECTION_REF = re.compile(r"(?:\b(?:section|sec\.|clause|appendix|annex)|§)\s*(?:\d+|[a-z])(?:\.\d+)*\b", re.IGNORECASE)
_NON_WORD = re.compile(r"[^0-9a-z%]+")
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

    Beyond ``normalize_text`` it drops leading section numbers ("3.2 "), the numbers of
    section references ("see Section 4.1" -> "see section"), and all punctuation.
    """
    t = _SECTION_NUMBER.sub("", text)
    t = normalize_text(t)
    t = _SECTION_REF.sub("section", t)
    return _NON_WORD.sub(" ", t.replace("\u00d7", "x")).strip()


def strip_numbering(text: str) -> str:
    """``text`` without its leading section number ("3.2 ") or list marker, and with section
    references reduced to the word ("see Section 4.1" -> "see section")."""
    t = _SECTION_NUMBER.sub("", text)
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
    threshold: float | None = None,
) -> Alignment:
    """Pair the statements of ``old`` with those of ``new`` one-to-one (or one-to-two for reflow).

    Every index of ``old`` appears exactly once, either in a pair or in ``removed``; likewise
    for ``new`` and ``added``. Vectors, when both are given, must have one row per text.
    ``threshold`` defaults to MATCH_THRESHOLD, or VECTOR_MATCH_THRESHOLD with vectors.
    """
    if vectors_old is None or vectors_new is None:
        vectors_old = vectors_new = None
    if threshold is None:
        threshold = MATCH_THRESHOLD if vectors_old is None else VECTOR_MATCH_THRESHOLD
    pairs, rest_old, rest_new = _pair_identical(old, new)
    if rest_old and rest_new:
        pairs.extend(_pair_similar(old, new, rest_old, rest_new, vectors_old, vectors_new, threshold))
    used_old = {i for p in pairs for i in p.old}
    used_new = {j for p in pairs for j in p.new}
    pairs.sort(key=lambda p: (p.new[0], p.old[0]))
    return Alignment(
        pairs=tuple(pairs),
        removed=tuple(i for i in range(len(old)) if i not in used_old),
        added=tuple(j for j in range(len(new)) if j not in used_new),
    )


def _pair_identical(old: Sequence[str], new: Sequence[str]) -> tuple[list[Pair], list[int], list[int]]:
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


def _units(rest: list[int]) -> list[tuple[int, ...]]:
    """Single statements, then adjacent pairs of statements (both still unpaired)."""
    singles = [(i,) for i in rest]
    doubles = [(a, b) for a, b in zip(rest, rest[1:]) if b == a + 1]
    return singles + doubles


def _pair_similar(old, new, rest_old, rest_new, vectors_old, vectors_new, threshold) -> list[Pair]:
    units_old, units_new = _units(rest_old), _units(rest_new)
    sim = _similarity(old, new, units_old, units_new, vectors_old, vectors_new)
    n_so, n_sn = len(rest_old), len(rest_new)
    _require_group_margin(sim, units_old, units_new, n_so, n_sn)
    rows, cols = np.nonzero(sim >= threshold)
    if rows.size == 0:
        return []
    scores = sim[rows, cols]
    is_group = (rows >= n_so) | (cols >= n_sn)
    pos_old = np.array([units_old[r][0] / max(len(old), 1) for r in rows])
    pos_new = np.array([units_new[c][0] / max(len(new), 1) for c in cols])
    order = np.lexsort((np.abs(pos_old - pos_new), is_group, -np.round(scores, 6)))
    used_old: set[int] = set()
    used_new: set[int] = set()
    pairs: list[Pair] = []
    for k in order:
        uo, un = units_old[rows[k]], units_new[cols[k]]
        if used_old.intersection(uo) or used_new.intersection(un):
            continue
        used_old.update(uo)
        used_new.update(un)
        pairs.append(Pair(uo, un, float(scores[k]), False))
    return pairs


def _require_group_margin(sim, units_old, units_new, n_so, n_sn) -> None:
    """Zero group scores that do not beat both members' single scores by GROUP_MARGIN."""
    col_of = {u[0]: c for c, u in enumerate(units_new[:n_sn])}
    row_of = {u[0]: r for r, u in enumerate(units_old[:n_so])}
    for c in range(n_sn, len(units_new)):
        a, b = (col_of[j] for j in units_new[c])
        best = np.maximum(sim[:n_so, a], sim[:n_so, b])
        sim[:n_so, c] = np.where(sim[:n_so, c] >= best + GROUP_MARGIN, sim[:n_so, c], 0.0)
    for r in range(n_so, len(units_old)):
        a, b = (row_of[i] for i in units_old[r])
        best = np.maximum(sim[a, :n_sn], sim[b, :n_sn])
        sim[r, :n_sn] = np.where(sim[r, :n_sn] >= best + GROUP_MARGIN, sim[r, :n_sn], 0.0)


def _similarity(old, new, units_old, units_new, vectors_old, vectors_new) -> np.ndarray:
    """Dense (units_old x units_new) similarity: char 3-gram TF-IDF cosine, plus vectors.

    Texts are vectorised once; a two-statement unit is the sum of its members' raw TF-IDF
    rows (counts add up), and group-against-group blocks are never computed.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    singles_old = [u[0] for u in units_old if len(u) == 1]
    singles_new = [u[0] for u in units_new if len(u) == 1]
    texts = [canonical_text(old[i]) for i in singles_old] + [canonical_text(new[j]) for j in singles_new]
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 3), norm=None, dtype=np.float32)
    try:
        raw = vectorizer.fit_transform(texts)
    except ValueError:  # no 3-gram at all (texts of punctuation only): nothing is similar
        return np.zeros((len(units_old), len(units_new)), dtype=np.float32)
    a = normalize(_membership(units_old, singles_old) @ raw[: len(singles_old)])
    b = normalize(_membership(units_new, singles_new) @ raw[len(singles_old) :])
    n_so, n_sn = len(singles_old), len(singles_new)
    sim = np.zeros((len(units_old), len(units_new)), dtype=np.float32)
    sim[:n_so, :] = (a[:n_so] @ b.T).toarray()
    sim[n_so:, :n_sn] = (a[n_so:] @ b[:n_sn].T).toarray()
    if vectors_old is not None and vectors_new is not None:
        va = normalize(_membership(units_old, singles_old) @ np.asarray(vectors_old, dtype=np.float32)[singles_old])
        vb = normalize(_membership(units_new, singles_new) @ np.asarray(vectors_new, dtype=np.float32)[singles_new])
        sim = (1.0 - VECTOR_WEIGHT) * sim + VECTOR_WEIGHT * np.clip(va @ vb.T, 0.0, 1.0)
    return sim


def _membership(units: list[tuple[int, ...]], singles: list[int]):
    """Sparse 0/1 matrix: row u has a 1 for each single statement that unit u is made of."""
    from scipy.sparse import csr_matrix

    position = {index: k for k, index in enumerate(singles)}
    rows = [r for r, u in enumerate(units) for _ in u]
    cols = [position[i] for u in units for i in u]
    return csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(units), len(singles)))


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
