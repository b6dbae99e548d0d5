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

_LIST_MARKER = re.compile(
    r"^\s*(?:[\u2022\u25cf\u25cb\u25aa\u25e6\u25a0\-\*\u2013]|\(?[0-9]{1,2}[.)]|\(?[a-z]{1,3}[.)])\s+"
)

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
# (docs/accuracy.md, "Changes"): with changes-3's reading rules 0.5 scores best on all four
# development pairs (0.75 did with changes-2, when a looser pairing mostly added false alarms);
# leave one pair out, the folds choose 0.5 or 0.7.
VECTOR_WEIGHT = 0.5
VECTOR_MATCH_THRESHOLD = 0.5
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

    Each text is vectorised once (TF-IDF rows, sentence vectors). A group is the sum of its
    members' rows, so every similarity a group needs comes from the dot products of single
    rows, computed once as dense Gram matrices: comparing a group is a few array lookups.
    """

    def __init__(self, old, new, rest_old, rest_new, vectors_old, vectors_new, sections_old, sections_new):
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.rest_old, self.rest_new = list(rest_old), list(rest_new)
        self.pos_old = {i: k for k, i in enumerate(self.rest_old)}
        self.pos_new = {j: k for k, j in enumerate(self.rest_new)}
        texts = [canonical_text(old[i]) for i in rest_old] + [canonical_text(new[j]) for j in rest_new]
        self.key_old = {i: texts[k].replace(" ", "") for k, i in enumerate(rest_old)}
        self.key_new = {j: texts[len(rest_old) + k].replace(" ", "") for k, j in enumerate(rest_new)}
        n, m = len(rest_old), len(rest_new)
        vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 3), norm=None, dtype=np.float32)
        try:
            raw = vectorizer.fit_transform(texts).tocsr()
            a, b = raw[:n], raw[n:]
            self.lex = _Gram((a @ b.T).toarray(), (a @ a.T).toarray(), (b @ b.T).toarray())
        except ValueError:  # no 3-gram at all (texts of punctuation only): nothing is similar
            self.lex = _Gram(np.zeros((n, m), np.float32), np.zeros((n, n), np.float32), np.zeros((m, m), np.float32))
        self.vec = None
        if vectors_old is not None and vectors_new is not None:
            va = np.asarray(vectors_old, dtype=np.float32)[rest_old]
            vb = np.asarray(vectors_new, dtype=np.float32)[rest_new]
            self.vec = _Gram(va @ vb.T, va @ va.T, vb @ vb.T)
        self.same_section = None
        if sections_old is not None and sections_new is not None:
            sa = [canonical_text(sections_old[i] or "") for i in rest_old]
            sb = [canonical_text(sections_new[j] or "") for j in rest_new]
            self.same_section = np.array([[x == y and bool(x) for y in sb] for x in sa], dtype=np.float32)

    def matrix(self) -> np.ndarray:
        """(unpaired old x unpaired new) similarity of single statements."""
        return self._combine(self.lex.singles(), self.vec.singles() if self.vec else None, self.same_section)

    def same_words(self, olds: tuple[int, ...], news: tuple[int, ...]) -> bool:
        """True when the old statements read together have the new ones' words (a reflow)."""
        return "".join(self.key_old[i] for i in olds) == "".join(self.key_new[j] for j in news)

    def group(self, olds: tuple[int, ...], news: tuple[int, ...]) -> float:
        """Similarity of the old statements ``olds`` read together with the new ``news``."""
        o = [self.pos_old[i] for i in olds]
        n = [self.pos_new[j] for j in news]
        lex = self.lex.group(o, n)
        vec = self.vec.group(o, n) if self.vec else None
        section = self.same_section[o[0], n[0]] if self.same_section is not None else None
        return float(self._combine(np.float32(lex), None if vec is None else np.float32(vec), section))

    def singles_to_pairs(self, singles_old: bool, singles: list[int], firsts: list[int]) -> np.ndarray:
        """Similarity of each single statement with each adjacent pair (first, first + 1) of the
        other side, (len(singles) x len(firsts))."""
        pos_s, pos_o = (self.pos_old, self.pos_new) if singles_old else (self.pos_new, self.pos_old)
        s = [pos_s[i] for i in singles]
        f = [pos_o[j] for j in firsts]
        g = [pos_o[j + 1] for j in firsts]
        lex = self.lex.to_pairs(singles_old, s, f, g)
        vec = self.vec.to_pairs(singles_old, s, f, g) if self.vec else None
        section = None
        if self.same_section is not None:
            section = self.same_section[np.ix_(s, f)] if singles_old else self.same_section[np.ix_(f, s)].T
        return self._combine(lex, vec, section)

    @staticmethod
    def _combine(lex, vec, section):
        sim = lex if vec is None else (1.0 - VECTOR_WEIGHT) * lex + VECTOR_WEIGHT * np.clip(vec, 0.0, 1.0)
        return sim if section is None else sim + SECTION_BONUS * section


class _Gram:
    """Dot products of raw rows: old x new (``cross``), old x old and new x new; cosines of any
    sums of rows follow from them."""

    def __init__(self, cross: np.ndarray, old: np.ndarray, new: np.ndarray):
        self.cross, self.old, self.new = cross, old, new
        self.norm_old = np.sqrt(np.maximum(np.diag(old), 0.0))
        self.norm_new = np.sqrt(np.maximum(np.diag(new), 0.0))

    def singles(self) -> np.ndarray:
        den = np.outer(self.norm_old, self.norm_new)
        return np.divide(self.cross, den, out=np.zeros_like(self.cross), where=den > 0)

    def group(self, o: list[int], n: list[int]) -> float:
        num = self.cross[np.ix_(o, n)].sum()
        den = np.sqrt(max(self.old[np.ix_(o, o)].sum(), 0.0) * max(self.new[np.ix_(n, n)].sum(), 0.0))
        return float(num / den) if den > 0 else 0.0

    def to_pairs(self, singles_old: bool, s: list[int], f: list[int], g: list[int]) -> np.ndarray:
        if singles_old:
            num = self.cross[np.ix_(s, f)] + self.cross[np.ix_(s, g)]
            norm_s, other = self.norm_old[s], self.new
        else:
            num = (self.cross[np.ix_(f, s)] + self.cross[np.ix_(g, s)]).T
            norm_s, other = self.norm_new[s], self.old
        pair_norm = np.sqrt(np.maximum(other[f, f] + other[g, g] + 2 * other[f, g], 0.0))
        den = np.outer(norm_s, pair_norm)
        return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


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
    """A free statement with two adjacent free statements of the other side taken together,
    best pairs first."""
    found = []
    for singles_old in (True, False):
        one, other = (free_old, free_new) if singles_old else (free_new, free_old)
        singles = sorted(one)
        firsts = [j for j in sorted(other) if j + 1 in other]
        if not singles or not firsts:
            continue
        sim = space.singles_to_pairs(singles_old, singles, firsts)
        for flat in np.argsort(-sim, axis=None, kind="stable"):
            r, c = divmod(int(flat), len(firsts))
            if sim[r, c] < threshold + GROUP_MARGIN:
                break
            i, group = singles[r], (firsts[c], firsts[c] + 1)
            if i not in one or not other.issuperset(group):
                continue
            one.discard(i)
            other.difference_update(group)
            pair = (
                Pair((i,), group, float(sim[r, c]), False)
                if singles_old
                else Pair(group, (i,), float(sim[r, c]), False)
            )
            found.append(pair)
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
