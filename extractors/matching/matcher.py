"""Suggest rubric criteria for every passage, and learn from reviewers' decisions.

Each criterion is judged on its own (a passage may be evidence for several). Its score
combines:

- semantic similarity of the passage to the criterion's description and exemplars (the
  best exemplar and the mean of the best two), plus exemplars learned from confirmed reviews;
- similarity of the passage's context (section heading, list lead-in, previous sentence);
- lexical/numeric cues from the rubric (regexes such as "every \\d+ months", "anonymous");
- a penalty when the passage is closer to a near-miss (the criterion's negatives, rejected
  reviews, the rubric's off-topic background) than to the criterion;
- a mild prior from commitment features (never a filter: disclosures count too);

less a share of the passage's mean score over all criteria, so that what is suggested is what
the passage is about in particular, on a scale that does not shift with a lab's prose.

A criterion is suggested when its score passes its threshold and is close to the passage's
best (a ``calibration.Calibration``: the rubric's defaults, or one fitted on reviews).
Learning is fast (no embedding model is retrained) and never trusted blindly: confirmed
texts become exemplars, rejected ones near misses, and once enough passages of enough labs
are reviewed, ``selection.choose_scorer`` compares, leave-one-lab-out on those reviews, the
rubric score, the rubric score with the reviewed exemplars, and a small logistic regression
over the score's parts. A learned scorer takes over only where it beats the rubric score
without raising the false-match rate; otherwise reviews count only where the same statement
is seen again. The thresholds are fitted on scores of labs left out, so they transfer.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from labwatch.extractors.matching.calibration import Calibration
from labwatch.extractors.matching.confidence import Confidence, load_shipped
from labwatch.extractors.matching.embeddings import Embedder
from labwatch.extractors.matching.rubric import Criterion, Rubric
from labwatch.extractors.records import Features, Passage, Suggestion, normalize_text, text_hash

MATCHER_VERSION = "matcher-2026.12.7"  # .7: three exemplars reworded: none shares 8 words in a row with a real lab text

# Embedded rubric texts per (rubric, embedder): a new Matcher (one per CV fold) reuses them.
_REFERENCE_VECTORS: dict[tuple, np.ndarray] = {}
REFERENCE_VECTORS_FILE = Path(
    str(resources.files("labwatch.extractors.matching") / "rubrics" / "reference-vectors.npz")
)


def reference_texts(rubric: Rubric) -> list[str]:
    """The texts a rubric is matched against, in bank order: background, then per criterion
    its description, exemplars and negatives."""
    texts: list[str] = list(rubric.background)
    for c in rubric.criteria:
        texts += [c.description, *c.exemplars, *c.negatives]
    return texts


@functools.cache
def packaged_reference_vectors(model_id: str) -> dict[str, np.ndarray]:
    """Shipped vectors of the bundled rubrics' reference texts for ``model_id``, by text hash
    (built by ``scripts/build_reference_vectors.py``; a test checks them against the model)."""
    if not model_id or not REFERENCE_VECTORS_FILE.exists():
        return {}
    with np.load(REFERENCE_VECTORS_FILE) as data:
        if f"{model_id}__hashes" not in data.files:
            return {}
        return dict(zip(data[f"{model_id}__hashes"].tolist(), data[f"{model_id}__vectors"]))


@dataclass(frozen=True, slots=True)
class LabeledExample:
    """A reviewer's decision: ``text`` is (``label`` True) or is not evidence for ``criterion_id``."""

    text: str
    criterion_id: str
    label: bool
    vector: np.ndarray | None = None
    group: str = ""  # the lab it came from: reviews are validated leave-one-group-out


@dataclass(frozen=True, slots=True)
class MatcherConfig:
    """Weights of the score's parts and the shared default threshold."""

    threshold: float = 0.55
    top_k: int = 3
    w_max: float = 0.55
    w_top2: float = 0.30
    w_desc: float = 0.15
    w_context: float = 0.10
    cue_bonus: float = 0.12
    cue_cap: int = 2
    w_penalty: float = 0.6
    commitment_prior: float = 0.02
    # less this share of the passage's mean score over all criteria: a passage worded like
    # the rubric in general (or a lab whose prose sits closer to every exemplar) is not
    # evidence for any criterion in particular, and the offset varies from lab to lab
    w_center: float = 0.3
    min_labels_to_calibrate: int = 3
    rel_margin: float = 0.12  # suggest only criteria within this margin of the passage's best
    learned_discount: float = 0.0  # confirmed texts count as exemplars, less this much similarity
    min_confirmed_for_model: int = 20
    min_passages_for_model: int = 30
    min_groups_for_model: int = 3  # labs reviewed before a learned scorer may be chosen
    duplicate_similarity: float = 0.97  # a reviewed text this close is the same statement
    implicit_negative_weight: float = 0.5
    review_model_c: float = 1.0


@dataclass
class _Bank:
    """Embedded reference texts of one criterion."""

    texts: list[str]
    vectors: np.ndarray
    learned: list[bool]
    neg_texts: list[str] = field(default_factory=list)
    neg_vectors: np.ndarray | None = None
    desc_vector: np.ndarray | None = None
    n_rubric: int = 0  # the first n_rubric rows come from the rubric, the rest from reviews
    n_rubric_neg: int = 0  # likewise for the near misses


class Matcher:
    """Ranks every rubric criterion for each passage; see the module docstring."""

    def __init__(self, rubric: Rubric, embedder: Embedder, config: MatcherConfig | None = None) -> None:
        self.rubric = rubric
        self.embedder = embedder
        self.config = config or MatcherConfig()
        self.version = MATCHER_VERSION
        self._criteria: tuple[Criterion, ...] = rubric.criteria
        self._cues = {c.id: [(cue, re.compile(cue, re.IGNORECASE)) for cue in c.cues] for c in self._criteria}
        self._any_cue = {c.id: _any_of(c.cues) for c in self._criteria}
        self.default_calibration = Calibration(
            self.config.threshold,
            self.config.rel_margin,
            {c.id: c.threshold for c in self._criteria if c.threshold is not None},
        )
        self.calibration = self.default_calibration
        # probability of a suggestion: the packaged map until reviews fit one (selection.py)
        self.confidence: Confidence = load_shipped(rubric.id, getattr(embedder, "model_id", "") or "")
        self._banks: dict[str, _Bank] | None = None
        self._background: np.ndarray | None = None
        self._stacker = None
        self._learned_floor = -np.inf  # learned exemplars below this similarity are ignored
        # reviewed passages by normalised text: (text, vector, {criterion: label}, group)
        self._labels: dict[str, tuple[str, np.ndarray, dict[str, bool], str]] = {}
        self.n_learned = 0
        self.choice = "rubric"  # which scorer decides: rubric, exemplars or model
        self.choice_report: dict[str, dict[str, float]] = {}

    # -- reference texts -------------------------------------------------------------------
    def warm(self) -> None:
        """Load the embedding model and encode the reference texts now rather than on the
        first ``match`` (lets a caller overlap this with other start-up work)."""
        self._ensure_banks()

    def _reference_vectors(self, texts: list[str]) -> np.ndarray:
        """Vectors of the rubric's reference texts: shipped with the package for the bundled
        rubrics and models (``rubrics/reference-vectors.npz``), else encoded (a cached
        embedder may have them stored already)."""
        if not texts:
            return np.zeros((0, self.embedder.dim), np.float32)
        shipped = packaged_reference_vectors(getattr(self.embedder, "model_id", ""))
        hashes = [text_hash(t) for t in texts]
        missing = list(dict.fromkeys(t for t, h in zip(texts, hashes) if h not in shipped))
        if missing:
            prefetch = getattr(self.embedder, "prefetch", None)
            if prefetch is not None:
                prefetch(missing)
            shipped = {**shipped, **{text_hash(t): v for t, v in zip(missing, self.embedder.encode(missing))}}
        return np.stack([np.asarray(shipped[h], dtype=np.float32) for h in hashes])

    def _ensure_banks(self) -> dict[str, _Bank]:
        if self._banks is not None:
            return self._banks
        texts = reference_texts(self.rubric)
        key = (
            self.rubric.id,
            self.rubric.version,
            self.rubric.source,
            getattr(self.embedder, "model_id", ""),
            id(self.embedder),
        )
        if key not in _REFERENCE_VECTORS or len(_REFERENCE_VECTORS[key]) != len(texts):
            _REFERENCE_VECTORS[key] = self._reference_vectors(texts)
        vecs = _REFERENCE_VECTORS[key].copy()
        pos = len(self.rubric.background)
        self._background = vecs[:pos]
        banks = {}
        for c in self._criteria:
            n_ex, n_neg = len(c.exemplars), len(c.negatives)
            desc = vecs[pos]
            ex = vecs[pos + 1 : pos + 1 + n_ex]
            neg = vecs[pos + 1 + n_ex : pos + 1 + n_ex + n_neg]
            pos += 1 + n_ex + n_neg
            banks[c.id] = _Bank(
                texts=[c.description, *c.exemplars],
                vectors=np.vstack([desc[None, :], ex]),
                learned=[False] * (1 + n_ex),
                neg_texts=list(c.negatives),
                neg_vectors=neg,
                desc_vector=desc,
                n_rubric=1 + n_ex,
                n_rubric_neg=n_neg,
            )
        self._banks = banks
        return banks

    def context_texts(self, passages: Sequence[Passage]) -> list[str]:
        """The context string of each passage (innermost heading, list lead-in, previous
        sentence), "" when it has none: embed these in one batch and pass them to match()."""
        out = []
        for p in passages:
            parts = [p.section[-1]] if p.section else []
            parts += [t for t in (p.lead_in, p.context) if t]
            out.append(" | ".join(parts))
        return out

    # -- scoring ---------------------------------------------------------------------------
    def score(
        self,
        texts: Sequence[str],
        vectors: np.ndarray,
        features: Sequence[Features | None] | None = None,
        context_vectors: np.ndarray | None = None,
    ) -> tuple[np.ndarray, list[list[str]]]:
        """Scores (n passages x n criteria, criteria in rubric order) and a why per cell.

        Before enough reviews the score is the rubric similarity score; once a review model
        has been fitted (see learn), it is that model's probability that the pair is evidence."""
        base, parts, whys = self._score_parts(texts, vectors, features, context_vectors)
        if self._stacker is None:
            return base, whys
        n, c, k = parts.shape
        prob = self._stacker.predict_proba(parts.reshape(n * c, k))[:, 1].reshape(n, c).astype(np.float32)
        whys = [[f"{w}; review model p={prob[i, j]:.2f}" for j, w in enumerate(row)] for i, row in enumerate(whys)]
        return prob, whys

    def _score_parts(self, texts, vectors, features=None, context_vectors=None, exclude_self=False):
        """Rubric similarity scores (n x C), their parts (n x C x 8) and the whys."""
        banks = self._ensure_banks()
        cfg = self.config
        vectors = np.asarray(vectors, dtype=np.float32)
        n, n_crit = len(texts), len(self._criteria)
        scores = np.zeros((n, n_crit), dtype=np.float32)
        parts = np.zeros((n, n_crit, 8), dtype=np.float32)
        whys: list[list[str]] = [[""] * n_crit for _ in range(n)]
        bg_max = (vectors @ self._background.T).max(axis=1) if len(self._background) else np.full(n, -1.0)
        has_ctx = context_vectors is not None and len(context_vectors) == n
        prior = np.zeros(n, dtype=np.float32)
        for i, f in enumerate(features or []):
            if f is not None and i < n:
                prior[i] = (
                    cfg.commitment_prior
                    if f.is_commitment
                    else (cfg.commitment_prior / 2 if f.strength == "hedged" else 0.0)
                )
        for j, c in enumerate(self._criteria):
            bank = banks[c.id]
            sims = vectors @ bank.vectors.T
            learned_sims = sims[:, bank.n_rubric :]
            learned_sims[learned_sims < self._learned_floor] = -1.0
            # a reviewer confirmed this very statement: that outweighs the rubric's cues
            reviewed = (
                learned_sims.max(axis=1) >= cfg.duplicate_similarity
                if learned_sims.shape[1] and not exclude_self
                else np.zeros(n, bool)
            )
            sims[:, bank.n_rubric :] -= cfg.learned_discount
            if exclude_self:
                sims[:, bank.n_rubric :] = np.where(
                    sims[:, bank.n_rubric :] > 0.9995 - cfg.learned_discount, -1.0, sims[:, bank.n_rubric :]
                )
            best = sims.argmax(axis=1)
            top = np.sort(sims, axis=1)[:, ::-1]
            s_max = top[:, 0]
            s_top2 = top[:, : min(2, top.shape[1])].mean(axis=1)
            s_desc = vectors @ bank.desc_vector
            s_rubric = sims[:, : bank.n_rubric].max(axis=1)
            # a learned example masked as the passage itself is no evidence: same as having none
            s_learned = (
                np.maximum(sims[:, bank.n_rubric :].max(axis=1), 0.0)
                if sims.shape[1] > bank.n_rubric
                else np.zeros(n, np.float32)
            )
            sem = cfg.w_max * s_max + cfg.w_top2 * s_top2 + cfg.w_desc * s_desc
            ctx = np.zeros(n, dtype=np.float32)
            if has_ctx:
                norms = np.linalg.norm(context_vectors, axis=1)
                ctx_sims = (context_vectors @ bank.vectors.T).max(axis=1)
                ctx = cfg.w_context * np.where(norms > 0.5, np.maximum(ctx_sims - s_max, 0.0), 0.0)
            neg = bg_max.copy()
            if bank.neg_vectors is not None and len(bank.neg_vectors):
                nsims = vectors @ bank.neg_vectors.T
                learned_nsims = nsims[:, bank.n_rubric_neg :]
                learned_nsims[learned_nsims < self._learned_floor] = -1.0
                if exclude_self:
                    nsims = np.where(nsims > 0.9995, -1.0, nsims)
                neg = np.maximum(neg, nsims.max(axis=1))
            penalty = cfg.w_penalty * np.maximum(neg - s_max, 0.0)
            # each cue that fires, named by the words it found (a reviewer reads words, not regexes)
            cues, any_cue = self._cues[c.id], self._any_cue[c.id]
            hits = [
                [m.group(0).strip() for _, rx in cues if (m := rx.search(t))]
                if any_cue is None or any_cue.search(t)
                else []
                for t in texts
            ]
            n_hits = np.array([min(len(h), cfg.cue_cap) for h in hits], dtype=np.float32)
            scores[:, j] = sem + ctx + cfg.cue_bonus * (n_hits + cfg.cue_cap * reviewed) + prior - penalty
            parts[:, j, :7] = np.stack(
                [s_rubric, s_desc, s_learned, np.minimum(n_hits, 1.0), neg - s_max, prior, ctx], axis=1
            )
            for i in range(n):
                whys[i][j] = self._explain(
                    bank, int(best[i]), float(s_max[i]), hits[i], float(penalty[i]), float(ctx[i])
                )
        if n:
            scores -= cfg.w_center * scores.mean(axis=1, keepdims=True)
            parts[:, :, 7] = scores - scores.max(axis=1, keepdims=True)
        return scores, parts, whys

    @staticmethod
    def _explain(bank: _Bank, best: int, sim: float, hits: list[str], penalty: float, ctx: float) -> str:
        src = "learned example" if bank.learned[best] else ("description" if best == 0 else "exemplar")
        text = bank.texts[best]
        text = text if len(text) <= 90 else text[:87] + "..."
        parts = [f'{src} {sim:.2f}: "{text}"']
        if hits:
            parts.append("cues: " + ", ".join(f"'{h}'" for h in hits[:3]))
        if ctx > 0:
            parts.append("context agrees")
        if penalty > 0:
            parts.append("closer to a near-miss")
        return "; ".join(parts)

    def match(
        self,
        passages: Sequence[Passage],
        features: Sequence[Features | None] | None,
        vectors: np.ndarray,
        context_vectors: np.ndarray | None = None,
    ) -> list[list[Suggestion]]:
        """Per passage, criteria ranked by score: at least the top ``top_k`` and every one
        above its threshold (``suggested=True``), each with a why. Every passage is matched."""
        if len(passages) == 0:
            return []
        if len(vectors) != len(passages):
            raise ValueError(f"match: {len(passages)} passages but {len(vectors)} vectors")
        if context_vectors is None:
            ctx_texts = self.context_texts(passages)
            if any(ctx_texts):
                context_vectors = self.embedder.encode(ctx_texts)
                context_vectors[[not t for t in ctx_texts]] = 0.0
        scores, whys = self.score([p.text for p in passages], vectors, features, context_vectors)
        return self._rank(scores, whys)

    def _rank(self, scores: np.ndarray, whys: list[list[str]]) -> list[list[Suggestion]]:
        out = []
        thr = self.calibration.thresholds([c.id for c in self._criteria])
        margin = self.calibration.margin
        prob = self.confidence.probability(scores) if self.confidence.knots else None
        for i in range(scores.shape[0]):
            order = np.argsort(-scores[i], kind="stable")
            row = []
            for rank, j in enumerate(order, start=1):
                above = bool(scores[i, j] >= thr[j] and scores[i, j] >= scores[i, order[0]] - margin)
                if rank > self.config.top_k and not above:
                    break
                p = round(float(prob[i, j]), 4) if above and prob is not None else None
                row.append(Suggestion(self._criteria[j].id, round(float(scores[i, j]), 4), rank, above, whys[i][j], p))
            out.append(row)
        return out

    # -- learning --------------------------------------------------------------------------
    def learn(self, examples: Sequence[LabeledExample]) -> None:
        """Take reviewers' decisions into account: confirmed texts become exemplars, rejected
        ones near misses; with enough reviewed passages from enough labs the scorer and its
        thresholds are chosen leave-one-lab-out on them (``selection.choose_scorer``).
        Decisions accumulate over calls. Unknown criterion ids are ignored. Embeds texts that
        come without a vector."""
        examples = self.add_examples(examples)
        if not examples:
            return
        from labwatch.extractors.matching.selection import choose_scorer

        self._learned_floor, self._stacker = -np.inf, None  # candidates see every review
        choice = choose_scorer(self, lambda: Matcher(self.rubric, self.embedder, self.config))
        self.choice, self.choice_report = choice.kind, choice.report
        self.calibration, self._stacker = choice.calibration, choice.stacker
        if choice.confidence is not None:
            self.confidence = choice.confidence
        self._learned_floor = self.config.duplicate_similarity if choice.kind == "rubric" else -np.inf

    def add_examples(self, examples: Sequence[LabeledExample]) -> list[LabeledExample]:
        """Add reviewed texts to the exemplar and near-miss banks and to the labels, without
        choosing a scorer; returns the examples kept (with their vectors)."""
        known = {c.id for c in self._criteria}
        examples = [e for e in examples if e.criterion_id in known and e.text.strip()]
        if not examples:
            return []
        banks = self._ensure_banks()
        missing = [i for i, e in enumerate(examples) if e.vector is None]
        encoded = self.embedder.encode([examples[i].text for i in missing]) if missing else None
        vecs = [e.vector for e in examples]
        for k, i in enumerate(missing):
            vecs[i] = encoded[k]
        for e, v in zip(examples, vecs):
            bank = banks[e.criterion_id]
            v = np.asarray(v, dtype=np.float32).reshape(1, -1)
            if e.label:
                bank.vectors = np.vstack([bank.vectors, v])
                bank.texts.append(e.text)
                bank.learned.append(True)
            else:
                bank.neg_vectors = (
                    v if bank.neg_vectors is None or not len(bank.neg_vectors) else np.vstack([bank.neg_vectors, v])
                )
                bank.neg_texts.append(e.text)
        self.n_learned += len(examples)
        for e, v in zip(examples, vecs):
            key = normalize_text(e.text)
            entry = self._labels.setdefault(key, (e.text, np.asarray(v, np.float32).reshape(-1), {}, e.group))
            entry[2][e.criterion_id] = e.label
        return [
            LabeledExample(e.text, e.criterion_id, e.label, np.asarray(v, np.float32).reshape(-1), e.group)
            for e, v in zip(examples, vecs)
        ]

    def labeled_passages(self) -> list[tuple[str, np.ndarray, dict[str, bool], str]]:
        """Reviewed passages: (text, vector, {criterion: confirmed?}, group)."""
        return list(self._labels.values())

    def reviewed_examples(self, indices: Sequence[int]) -> list[LabeledExample]:
        """The decisions on the reviewed passages at these positions of ``labeled_passages``."""
        labeled = self.labeled_passages()
        return [
            LabeledExample(labeled[i][0], c, ok, labeled[i][1], labeled[i][3])
            for i in indices
            for c, ok in labeled[i][2].items()
        ]

    def score_parts(self, texts, vectors, exclude_self: bool = False):
        """Rubric scores (n x C) and their parts (n x C x 8) before any review model."""
        scores, parts, _ = self._score_parts(texts, vectors, exclude_self=exclude_self)
        return scores, parts

    def criterion_ids(self) -> list[str]:
        """Criteria in score-column order."""
        return [c.id for c in self._criteria]

    def thresholds(self) -> dict[str, float]:
        """The current threshold of each criterion."""
        ids = self.criterion_ids()
        return dict(zip(ids, (float(t) for t in self.calibration.thresholds(ids))))


def _any_of(cues: Sequence[str]) -> re.Pattern | None:
    """One pattern that matches where any of ``cues`` does: most passages match none of a
    criterion's cues, and one search then replaces one per cue. None when the cues cannot be
    joined (a back-reference or an inline flag), or there are none."""
    if not cues or any(re.search(r"\\[1-9]|\(\?P=|\(\?[aiLmsux]", cue) for cue in cues):
        return None  # group numbers and inline flags do not survive joining
    try:
        return re.compile("|".join(f"(?:{cue})" for cue in cues), re.IGNORECASE)
    except re.error:
        return None
