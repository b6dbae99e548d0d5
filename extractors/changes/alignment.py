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
# The threshold is calibrated by `labwatch eval-changes --calibrate` on real revision pairs
# (docs/accuracy.md, "Changes"): 0.75 was chosen on all four development pairs, and on three
# of the four leave-one-pair-out folds (0.65 on the fourth).
VECTOR_WEIGHT = 0.5
VECTOR_MATCH_THRESHOLD = 0.75
# Added to the similarity of two statements under the same section heading (a tie-breaker
# between candidates: a section that moved or was renamed costs its statements nothing more).
SECTION_BONUS = 0.05
# At most this many statements on the grouped side of a pair (a lead-in and two items).
MAX_GROUP = 3

_SECTION_NUMBER = re.compile(r"^\s*(?:(?:section|sec\.|§)\s*)?\d+(?:\.\d+)+\.?\s+", re.IGNORECASE)
_SECTION_REF = re.compile(r"(?:\b(?:section|sec\.|clause|appendix|annex)|§)\s*(?:\d+|[a-z])(?:\.\d+)*\b", re.IGNORECASE)
_NON_WORD = re.compile(r"[^0-9a-z%]+")
# Footnote markers as PDFs transcribe them: glued to a word ("hierarchy9") or after its
# punctuation ("outputs.5 "). Their numbers change with the footnotes around, not the wording.
_FOOTNOTE = re.compile(r"(?:(?<=[A-Za-z)\]])|(?<=[A-Za-z)][.,;:]))\d{1,2}(?=[\s.,;:)]|$)")
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
        space = _Space(old, new, rest_old, rest_new, vectors_old, vectors_new, sections_old, sections_new)
        pairs.extend(_pair_similar(space, threshold))
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


class _Space:
    """Similarities between the unpaired statements of two versions, singles and groups.

    Each text is vectorised once (TF-IDF rows, sentence vectors); a group is the sum of its
    members' rows, so comparing a group costs one sparse row and one dense row.
    """

    def __init__(self, old, new, rest_old, rest_new, vectors_old, vectors_new, sections_old, sections_new):
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.rest_old, self.rest_new = list(rest_old), list(rest_new)
        self.pos_old = {i: k for k, i in enumerate(self.rest_old)}
        self.pos_new = {j: k for k, j in enumerate(self.rest_new)}
        texts = [canonical_text(old[i]) for i in rest_old] + [canonical_text(new[j]) for j in rest_new]
        self.key_old = {i: texts[k].replace(" ", "") for k, i in enumerate(rest_old)}
        self.key_new = {j: texts[len(rest_old) + k].replace(" ", "") for k, j in enumerate(rest_new)}
        vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 3), norm=None, dtype=np.float32)
        try:
            raw = vectorizer.fit_transform(texts).tocsr()
        except ValueError:  # no 3-gram at all (texts of punctuation only): nothing is similar
            raw = None
        n = len(rest_old)
        self.lex_old = raw[:n] if raw is not None else None
        self.lex_new = raw[n:] if raw is not None else None
        self.vec_old = self.vec_new = None
        if vectors_old is not None and vectors_new is not None:
            self.vec_old = np.asarray(vectors_old, dtype=np.float32)[rest_old]
            self.vec_new = np.asarray(vectors_new, dtype=np.float32)[rest_new]
        self.sec_old = self.sec_new = None
        if sections_old is not None and sections_new is not None:
            self.sec_old = [canonical_text(sections_old[i] or "") for i in rest_old]
            self.sec_new = [canonical_text(sections_new[j] or "") for j in rest_new]

    def matrix(self) -> np.ndarray:
        """(unpaired old x unpaired new) similarity of single statements."""
        shape = (len(self.rest_old), len(self.rest_new))
        if self.lex_old is None:
            return np.zeros(shape, dtype=np.float32)
        from sklearn.preprocessing import normalize

        sim = (normalize(self.lex_old) @ normalize(self.lex_new).T).toarray().astype(np.float32)
        if self.vec_old is not None:
            vec = np.clip(_unit(self.vec_old) @ _unit(self.vec_new).T, 0.0, 1.0)
            sim = (1.0 - VECTOR_WEIGHT) * sim + VECTOR_WEIGHT * vec
        if self.sec_old is not None:
            same = np.array([[a == b and bool(a) for b in self.sec_new] for a in self.sec_old], dtype=np.float32)
            sim = sim + SECTION_BONUS * same
        return sim

    def same_words(self, olds: tuple[int, ...], news: tuple[int, ...]) -> bool:
        """True when the old statements read together have the new ones' words (a reflow)."""
        return "".join(self.key_old[i] for i in olds) == "".join(self.key_new[j] for j in news)

    def group(self, olds: tuple[int, ...], news: tuple[int, ...]) -> float:
        """Similarity of the old statements ``olds`` read together with the new ``news``."""
        if self.lex_old is None:
            return 0.0
        a = _row_sum(self.lex_old, [self.pos_old[i] for i in olds])
        b = _row_sum(self.lex_new, [self.pos_new[j] for j in news])
        sim = _cosine(a, b)
        if self.vec_old is not None:
            va = self.vec_old[[self.pos_old[i] for i in olds]].sum(axis=0)
            vb = self.vec_new[[self.pos_new[j] for j in news]].sum(axis=0)
            vec = float(np.clip(va @ vb / max(np.linalg.norm(va) * np.linalg.norm(vb), 1e-9), 0.0, 1.0))
            sim = (1.0 - VECTOR_WEIGHT) * sim + VECTOR_WEIGHT * vec
        if self.sec_old is not None:
            a_sec, b_sec = self.sec_old[self.pos_old[olds[0]]], self.sec_new[self.pos_new[news[0]]]
            sim += SECTION_BONUS * float(a_sec == b_sec and bool(a_sec))
        return sim


def _unit(matrix: np.ndarray) -> np.ndarray:
    return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-9)


def _row_sum(matrix, rows: list[int]) -> np.ndarray:
    return np.asarray(matrix[rows].sum(axis=0)).ravel()


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    den = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b) / den if den else 0.0


def _pair_similar(space: _Space, threshold: float) -> list[Pair]:
    """Global one-to-one assignment of singles above ``threshold``, then groups."""
    from scipy.optimize import linear_sum_assignment

    sim = space.matrix()
    gain = np.where(sim >= threshold, sim - threshold + 1e-6, 0.0)
    rows, cols = linear_sum_assignment(gain, maximize=True)
    pairs: dict[int, tuple[tuple[int, ...], tuple[int, ...], float]] = {}
    free_old, free_new = set(space.rest_old), set(space.rest_new)
    for r, c in zip(rows, cols):
        if gain[r, c] > 0:
            i, j = space.rest_old[r], space.rest_new[c]
            pairs[len(pairs)] = ((i,), (j,), float(sim[r, c]))
            free_old.discard(i)
            free_new.discard(j)
    # Groups: a pair takes in an adjacent free statement of either side while that reads
    # closer to its counterpart (a sentence split in two, two merged, items of a lead-in).
    for key in sorted(pairs, key=lambda k: -pairs[k][2]):
        olds, news, score = pairs[key]
        while len(olds) + len(news) < MAX_GROUP + 1:
            best = None
            for side, members, free in (("old", olds, free_old), ("new", news, free_new)):
                if len(members) >= MAX_GROUP or (side == "old" and len(news) > 1) or (side == "new" and len(olds) > 1):
                    continue
                for k in (members[0] - 1, members[-1] + 1):
                    if k in free:
                        grown = tuple(sorted((*members, k)))
                        s = space.group(grown, news) if side == "old" else space.group(olds, grown)
                        if (
                            side == "old"
                            and space.same_words(grown, news)
                            or side == "new"
                            and space.same_words(olds, grown)
                        ):
                            s = max(s, score + 1.0)  # the group is the counterpart, reflowed
                        if s >= score + GROUP_MARGIN and (best is None or s > best[0]):
                            best = (s, side, k, grown)
            if best is None:
                break
            score, side, k, grown = best
            if side == "old":
                olds = grown
                free_old.discard(k)
            else:
                news = grown
                free_new.discard(k)
        pairs[key] = (olds, news, score)
    out = [Pair(o, n, s, False) for o, n, s in pairs.values()]
    out += _pair_free_groups(space, free_old, free_new, threshold)
    return out


def _pair_free_groups(space: _Space, free_old: set[int], free_new: set[int], threshold: float) -> list[Pair]:
    """A free statement with two adjacent free statements of the other side taken together."""
    found = []
    for one, free_one, other, is_old in ((free_old, free_old, free_new, True), (free_new, free_new, free_old, False)):
        for i in sorted(one):
            if i not in free_one:
                continue
            best = None
            for j in sorted(other):
                if j + 1 in other:
                    group = (j, j + 1)
                    s = space.group((i,), group) if is_old else space.group(group, (i,))
                    if s >= threshold + GROUP_MARGIN and (best is None or s > best[0]):
                        best = (s, group)
            if best is not None:
                s, group = best
                free_one.discard(i)
                other.difference_update(group)
                found.append(Pair((i,), group, s, False) if is_old else Pair(group, (i,), s, False))
    return found


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
