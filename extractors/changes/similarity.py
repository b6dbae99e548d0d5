"""The similarity space in which the statements left unpaired by ``alignment`` are paired.

Similarities come from sparse matrix products, never from per-pair string comparison: a
1,500 x 1,500 statement pair in which every statement was edited and moved aligns in about
1.5 s on two shared cores. Singles are paired by one global assignment above a threshold; a
pair then takes in adjacent free statements that read closer to its counterpart together
(a sentence split in two, two merged, a lead-in with its items), and a free statement may
pair with two adjacent free statements of the other side.
"""

from __future__ import annotations

import numpy as np

# A statement is paired with two adjacent ones only when that beats its best single pairing
# by this margin (else an added sentence next to an edited one would be swallowed).
GROUP_MARGIN = 0.05
# Weight of embedding cosine when vectors are given (the rest is lexical similarity); the
# threshold that goes with it is alignment.VECTOR_MATCH_THRESHOLD.
VECTOR_WEIGHT = 0.5
# Added to the similarity of two statements under the same section heading (a tie-breaker
# between candidates: a section that moved or was renamed costs its statements nothing more).
SECTION_BONUS = 0.05
# At most this many statements on the grouped side of a pair (a lead-in and two items).
MAX_GROUP = 3

Match = tuple[tuple[int, ...], tuple[int, ...], float]  # old indices, new indices, similarity


class Space:
    """Similarities between the unpaired statements of two versions, singles and groups.

    Each text is vectorised once (TF-IDF rows, sentence vectors). A group is the sum of its
    members' rows, so every similarity a group needs comes from the dot products of single
    rows, computed once as dense Gram matrices: comparing a group is a few array lookups.
    """

    def __init__(self, rest_old, rest_new, texts_old, texts_new, vectors_old, vectors_new, sections_old, sections_new):
        """``texts_*`` and ``sections_*`` are canonical texts, one per index of ``rest_*``
        (sections None when not known); ``vectors_*`` have one row per statement."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.rest_old, self.rest_new = list(rest_old), list(rest_new)
        self.pos_old = {i: k for k, i in enumerate(self.rest_old)}
        self.pos_new = {j: k for k, j in enumerate(self.rest_new)}
        texts = list(texts_old) + list(texts_new)
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
            self.same_section = np.array(
                [[x == y and bool(x) for y in sections_new] for x in sections_old], dtype=np.float32
            )

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


def pair_similar(space: Space, threshold: float) -> list[Match]:
    """Global one-to-one assignment of singles above ``threshold``, then groups: (old indices,
    new indices, score) for each, one of the two sides a single statement."""
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
    out = list(pairs.values())
    out += _pair_free_groups(space, free_old, free_new, threshold)
    return out


def _pair_free_groups(space: Space, free_old: set[int], free_new: set[int], threshold: float) -> list[Match]:
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
            pair = ((i,), group, float(sim[r, c])) if singles_old else (group, (i,), float(sim[r, c]))
            found.append(pair)
    return found
