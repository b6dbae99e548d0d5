"""Commitment-level diff: alignment, classification, fixture pairs, and the real pipeline."""

from __future__ import annotations

import random
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labwatch.extractors.changes.alignment import align_texts, canonical_text, is_noise_edit
from labwatch.extractors.changes.aspects import normalize_modality
from labwatch.extractors.changes.classification import (
    CHANGES_VERSION,
    Change,
    DiffInputError,
    classify_pair,
    diff_statements,
)
from labwatch.extractors.changes.obligations import carries_obligation
from labwatch.extractors.changes.thresholds import numbers_in
from labwatch.extractors.changes.wording import content_reasons
from labwatch.extractors.records import Features, Passage, Statement

FIXTURES = Path(__file__).parent / "fixtures" / "changes"
PAIRS = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())
NOISE = [name for name in PAIRS if name.startswith("noise_")]

# --- building statements by hand ------------------------------------------------------

_FIRM = re.compile(r"\b(will|must|shall|commit)\b", re.I)
_HEDGE = re.compile(r"\b(aim to|intend to|seek to|may|should|plan to|can)\b", re.I)


def hand_features(text: str) -> Features:
    """Features by a keyword rule: enough to test the diff without features.py."""
    hedge, firm = _HEDGE.search(text), _FIRM.search(text)
    negated = bool(re.search(r"\bnot\b", text))
    if hedge:
        return Features(False, "hedged", "hedge", negated=negated, modality=hedge.group(1).lower())
    if firm:
        return Features(True, "firm", "commitment", negated=negated, modality=firm.group(1).lower())
    return Features(False, "none", "description", negated=negated)


def real_statements(*texts: str) -> list[Statement]:
    """Statements with the real feature rules (extractors/statements/features.py)."""
    from labwatch.extractors.statements.features import detect_features

    passages = [Passage(0, text) for text in texts]
    return [Statement(p, f) for p, f in zip(passages, detect_features(passages))]


def stmt(text: str, seq: int = 0, criteria: tuple[str, ...] = (), features: Features | None = None) -> Statement:
    return Statement(Passage(seq, text), features or hand_features(text), criteria)


def hand_statements(text: str) -> list[Statement]:
    """Every line split at sentence ends: a wrapped line stays two statements (a split)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    sentences = [s for line in lines for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", line)]
    return [stmt(s, i) for i, s in enumerate(sentences)]


def read_pair(name: str) -> tuple[str, str]:
    d = FIXTURES / name
    return (d / "old.txt").read_text(), (d / "new.txt").read_text()


def side_text(change: Change) -> str:
    return " ".join(s.text for s in (change.old, change.new) if s is not None)


# What an analyst must see for each fixture pair: (kind, text fragment, reason fragment).
EXPECTED = {
    "added": [("added", "notify the relevant government authority", "new firm commitment")],
    "removed": [("removed", "weights of frontier models", "no longer in the policy")],
    "reworded": [("reworded", "must be approved by the board", "wording")],
    "strengthened_modality": [("strengthened", "independent review", "modality: 'aim to' -> 'will'")],
    "weakened_modality": [("weakened", "assess all models", "modality: 'will' -> 'aim to'")],
    "weakened_number": [
        ("weakened", "effective compute", "'4x' -> '6x' (weaker)"),
        ("weakened", "at least every", "'3 months' -> '6 months' (weaker)"),
    ],
    "weakened_condition": [("weakened", "pause further training", "condition added: 'unless another developer")],
    "strengthened_condition": [("strengthened", "harden the protection", "condition dropped: 'where feasible'")],
    "negation": [("weakened", "weights of frontier models", "negation removed")],
    "scope_narrowed": [
        ("weakened", "frontier models for dangerous", "scope narrowed: 'all models' -> 'frontier models'")
    ],
    "commitment_to_description": [("weakened", "security team", "a commitment became a description")],
    "detail_added": [("strengthened", "two-person access", "detail added: 'Practices include")],
    "compliance_removed": [("removed", "Model Safety Act", "statement of compliance")],
    "trigger_lowered": [("strengthened", "withdraw it", "trigger lowered: 'catastrophic' dropped")],
    "threshold_to_term": [
        ("weakened", "critical threat", "quantitative threshold dropped: 'more than 500', 'above $2 billion'")
    ],
}


def assert_changes(changes: list[Change], expected: list[tuple[str, str, str]]) -> None:
    summary = [(c.kind, c.reason, side_text(c)[:80]) for c in changes]
    assert len(changes) == len(expected), summary
    for kind, fragment, reason in expected:
        hits = [c for c in changes if c.kind == kind and fragment in side_text(c) and reason in c.reason]
        assert len(hits) == 1, (kind, fragment, reason, summary)


# --- fixture pairs --------------------------------------------------------------------


def test_every_kind_of_change_has_a_fixture_pair():
    assert set(EXPECTED) | set(NOISE) == set(PAIRS)
    assert {k for exp in EXPECTED.values() for k, _, _ in exp} == {
        "added", "removed", "reworded", "strengthened", "weakened"
    }  # fmt: skip


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_pair_reports_the_change_with_its_reason(name):
    old, new = read_pair(name)
    assert_changes(diff_statements(hand_statements(old), hand_statements(new)), EXPECTED[name])


@pytest.mark.parametrize("name", NOISE)
def test_noise_only_pairs_report_nothing(name):
    old, new = read_pair(name)
    assert diff_statements(hand_statements(old), hand_statements(new)) == []


@pytest.mark.parametrize("name", PAIRS)
def test_a_file_compared_with_itself_has_no_change(name):
    for text in read_pair(name):
        statements = hand_statements(text)
        assert diff_statements(statements, statements) == []


# --- classification -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "kind", "reason"),
    [
        (
            "We must encrypt model weights at rest.",
            "We should encrypt model weights at rest.",
            "weakened",
            "'must' -> 'should'",
        ),
        (
            "We may share eval results with partners.",
            "We will share eval results with partners.",
            "strengthened",
            "'may' -> 'will'",
        ),
        ("We will test every model.", "We will aim to test every model.", "weakened", "'will' -> 'aim to'"),
        (
            "We will deploy models after review.",
            "We will not deploy models after review.",
            "strengthened",
            "negation added",
        ),
        (
            "No model will be deployed without a review.",
            "A model will be deployed without a review.",
            "weakened",
            "negation removed: 'No model will'",
        ),
        (
            "We will report no later than 7 days after an incident.",
            "We will report no later than 3 days after an incident.",
            "strengthened",
            "'7 days' -> '3 days'",
        ),
        (
            "We will give 30 days notice of changes.",
            "We will give 14 days notice of changes.",
            "weakened",
            "'30 days' -> '14 days' (weaker)",
        ),
        (
            "We will report incidents within 7 days.",
            "We will report incidents within 3 days.",
            "strengthened",
            "'7 days' -> '3 days' (stronger)",
        ),
        (
            "We will publish results quarterly.",
            "We will publish results annually.",
            "weakened",
            "'quarterly' -> 'annually'",
        ),
        ("We will use 3 external evaluators.", "We will use 5 external evaluators.", "reworded", "numbers: '3' -> '5'"),
        (
            "We will halt if accuracy passes 50% on the benchmark.",
            "We will halt if accuracy passes 60% on the benchmark.",
            "reworded",
            "'50%' -> '60%'",
        ),
        (
            "Where feasible, we will red-team models.",
            "We will red-team models.",
            "strengthened",
            "condition dropped: 'where feasible'",
        ),
        (
            "We may share unredacted reports with qualified external testers.",
            "As circumstances dictate, we may share unredacted reports with qualified external testers.",
            "weakened",
            "condition added: 'as circumstances dictate'",
        ),
        (
            "We will decline requests for help with attacks which target critical infrastructure operators.",
            "We will decline requests for help with attacks.",
            "strengthened",
            "qualifier dropped: 'which target critical infrastructure operators'",
        ),
        (
            "We will run external red-teaming on models.",
            "We will run external red-teaming on models which we release to the public.",
            "weakened",
            "qualifier added: 'which we release to the public'",
        ),
        ("We will red-team frontier models.", "We will red-team all models.", "widened", None),
        (
            "Models were red-teamed by outside groups last year.",
            "We will red-team models with outside groups.",
            "strengthened",
            "became a commitment",
        ),
        # the plain present is as often the lab's practice (the codebook ranks it with "will"):
        # the status alone gives no direction
        (
            "Models are red-teamed by our staff.",
            "We will red-team models with our staff.",
            "reworded",
            "no direction: a plain statement",
        ),
    ],
)
def test_classify_pair_names_direction_and_reason(old, new, kind, reason):
    change = classify_pair(stmt(old), stmt(new))
    if kind == "widened":
        assert change is not None and change.kind == "strengthened" and "scope widened" in change.reason
        return
    assert change is not None and change.kind == kind, change
    assert reason.lower() in change.reason.lower()


def test_mixed_directions_are_weakened_with_both_reasons():
    # the codebook codes a change that moves both ways as weakened, naming both moves
    change = classify_pair(
        stmt("We aim to assess models every 3 months."), stmt("We will assess models every 6 months.")
    )
    assert change is not None and change.kind == "weakened"
    assert "mixed" in change.reason and "'aim to' -> 'will'" in change.reason
    assert "'3 months' -> '6 months'" in change.reason
    assert change.dimensions == {"strength": 1, "threshold": -1}


def test_descriptions_are_never_reported():
    a = stmt("Cyber capabilities are a growing concern.")
    b = stmt("Biological capabilities are a growing concern for everyone.")
    assert classify_pair(a, b) is None
    assert diff_statements([a], []) == [] and diff_statements([], [b]) == []


def test_criteria_of_both_sides_are_united():
    a = stmt("We will evaluate models before release.", criteria=("measuring.names_capabilities",))
    b = stmt(
        "We aim to evaluate models before release.",
        criteria=("commitments.assessment_frequency", "measuring.names_capabilities"),
    )
    (change,) = diff_statements([a], [b])
    assert change.criteria == ("measuring.names_capabilities", "commitments.assessment_frequency")


def test_features_modality_is_used_when_the_text_has_no_modal_word():
    practice = Features(True, "firm", "commitment", modality="present tense")
    change = classify_pair(
        stmt("We test every model before release.", features=practice),
        stmt("We aim to test every model before release."),
    )
    assert change is not None and change.kind == "weakened" and "'present tense' -> 'aim to'" in change.reason


def test_the_main_clause_modal_from_features_beats_a_subordinate_one():
    firm = Features(True, "firm", "commitment", modality="will")
    hedge = Features(False, "hedged", "hedge", modality="aim")
    change = classify_pair(
        stmt("If a model may pose severe risks, we will pause.", features=firm),
        stmt("If a model may pose severe risks, we aim to pause.", features=hedge),
    )
    assert change is not None and change.kind == "weakened" and change.reason == "modality: 'will' -> 'aim to'"


@pytest.mark.parametrize(
    ("cue", "label"),
    [("aim", "aim to"), ("aims to", "aim to"), ("will seek", "seek to"), ("are committed", "commit"),
     ("will not", "will"), ("present tense 'conduct'", "present tense"), ("imperative 'use'", "imperative"),
     ("our goal", "goal"), ("must", "must")],
)  # fmt: skip
def test_modal_cues_are_spelled_one_way(cue, label):
    assert normalize_modality(cue) == label


def test_change_as_dict_has_the_contract_keys():
    (change,) = diff_statements([], [stmt("We will publish results.", criteria=("accountability.verification",))])
    assert change.as_dict() == {
        "kind": "added", "reason": "new firm commitment ('will')", "old": None,
        "new": "We will publish results.", "criteria": ["accountability.verification"], "dimensions": [],
    }  # fmt: skip
    (change,) = diff_statements([stmt("We will publish results yearly.")], [stmt("We will publish results.")])
    assert {"kind", "reason", "old", "new", "criteria"} <= set(change.as_dict())


@pytest.mark.parametrize(
    ("a", "b", "noise"),
    [
        ("3.2 We will share reslts with the board.", "4.2. We will share results with the Board", True),
        ("We run pre-deployment tests (see Section 3.1).", "We run predeployment tests (see section 5.4).", True),
        ("We will organise a review.", "We will organize a review.", True),
        ("We must review the policy.", "We most review the policy.", False),
        ("We will review the policy.", "We will not review the policy.", False),
        ("We will review the policy yearly.", "We will review the policy weekly.", False),
        ("We will share results with the board.", "We will share results with the public.", False),
    ],
)
def test_noise_edits_are_told_from_wording_changes(a, b, noise):
    assert is_noise_edit(a, b) is noise


def test_numbers_know_what_they_measure():
    kinds = {(n.kind, n.value) for n in numbers_in("every 4x effective compute and at least every three months")}
    # a month is a twelfth of a year, so three months are a quarter and twelve months a year
    assert kinds == {("compute", 4.0), ("interval", 365.25 / 4)}
    assert [n.kind for n in numbers_in("with 30 days' notice")] == ["notice"]
    assert [(n.kind, n.value) for n in numbers_in("at least every quarter")] == [("interval", 365.25 / 4)]
    assert [n.value for n in numbers_in("every 12 months")] == [n.value for n in numbers_in("once a year")]
    assert [(n.kind, n.value) for n in numbers_in("within fourteen days")] == [("interval", 14.0)]
    assert [(n.kind, n.value) for n in numbers_in("by a factor of two")] == [("compute", 2.0)]
    assert [n.kind for n in numbers_in("a 20% uplift seen by 3 of 5 evaluators")] == ["percent", "count", "count"]


def test_numbers_are_read_however_they_are_typed():
    # a power of ten typed four ways is one value; "1e26" is not the count 26
    flops = [numbers_in(f"more than {t} FLOPs") for t in ("10^26", "10**26", "1e26", "1e+26", "10²⁶")]
    assert all([(n.kind, n.value) for n in found] == [("flop", 1e26)] for found in flops), flops
    assert [n.value for n in numbers_in("3 x 10^26 FLOPs")] == [n.value for n in numbers_in("3×10²⁶ FLOPs")]
    # compound number words are read whole, hyphenated or not
    assert [n.value for n in numbers_in("ninety-nine percent")] == [99.0]
    assert [n.value for n in numbers_in("within twenty one days")] == [21.0]
    assert [(n.kind, n.value) for n in numbers_in("within a full day")] == [("interval", 1.0)]
    # a count in words under a bound is a count with its bound; units and shares are not counts
    assert [(n.kind, n.value, n.bound) for n in numbers_in("at least two independent evaluators")] == [
        ("count", 2.0, 1)
    ]
    assert [(n.kind, n.value, n.bound) for n in numbers_in("no more than four engineers")] == [("count", 4.0, -1)]
    assert [n.kind for n in numbers_in("at least two weeks before release")] == ["notice"]
    assert numbers_in("at least one of the following") == []
    assert [(n.kind, n.value, n.bound) for n in numbers_in("at least two of those staff")] == [("count", 2.0, 1)]
    # a doubling after its quantity ("compute has doubled") is the 2x multiple, as "each doubling of compute" is
    assert [(n.kind, n.value) for n in numbers_in("whenever effective compute has doubled")] == [("compute", 2.0)]
    assert [(n.kind, n.value) for n in numbers_in("a minimum of one hundred person-hours")] == [("count", 100.0)]


# --- alignment ------------------------------------------------------------------------


def test_alignment_pairs_split_and_merged_sentences():
    old = ["We will test models, and we will publish the results.", "Boards meet monthly."]
    new = ["Boards meet monthly.", "We will test models.", "We will publish the results."]
    alignment = align_texts(old, new)
    assert {(p.old, p.new) for p in alignment.pairs} == {((1,), (0,)), ((0,), (1, 2))}
    assert alignment.added == () and alignment.removed == ()
    assert diff_statements([stmt(t) for t in old], [stmt(t) for t in new]) == []
    assert diff_statements([stmt(t) for t in new], [stmt(t) for t in old]) == []


def test_a_split_sentence_that_was_also_weakened_is_reported_once():
    old = [stmt("We will test each model before release, and we will publish the results.")]
    new = [stmt("We aim to test each model before release."), stmt("We will publish the results.")]
    (change,) = diff_statements(old, new)
    assert change.kind == "weakened" and change.reason == "modality: 'will' -> 'aim to'"
    assert change.new.text == "We aim to test each model before release. We will publish the results."


def test_an_added_sentence_next_to_an_edited_one_is_not_swallowed():
    old = [stmt("We will evaluate all frontier models before deployment.")]
    new = [
        stmt("We will evaluate frontier models before deployment."),
        stmt("We will publish a report on each evaluation."),
    ]
    kinds = sorted(c.kind for c in diff_statements(old, new))
    assert kinds == ["added", "weakened"]


def test_vectors_pair_paraphrases_that_share_few_words():
    old = [stmt("We will share evaluation findings with our board.")]
    new = [stmt("The board gets evaluation findings from us; this will go on.")]
    assert sorted(c.kind for c in diff_statements(old, new)) == ["added", "removed"]
    same = np.ones((1, 4), dtype=np.float32)
    # at a lower alignment threshold, agreeing vectors pair what wording alone would not
    (change,) = diff_statements(old, new, vectors_old=same, vectors_new=same, threshold=0.6)
    assert change.kind == "reworded" and change.reason.startswith("wording:")
    unrelated = np.array([[1.0, 0.0, 0.0, 0.0]], dtype=np.float32), np.array([[0.0, 1.0, 0.0, 0.0]], dtype=np.float32)
    assert len(diff_statements(old, new, vectors_old=unrelated[0], vectors_new=unrelated[1], threshold=0.6)) == 2


def test_vectors_that_disagree_keep_similar_wordings_apart():
    old = [stmt("We will share evaluation findings with our board.")]
    new = [stmt("We will share evaluation findings with our partners.")]
    same, other = np.array([[1.0, 0.0]], dtype=np.float32), np.array([[0.0, 1.0]], dtype=np.float32)
    assert [c.kind for c in diff_statements(old, new, vectors_old=same, vectors_new=same)] == ["reworded"]
    kinds = sorted(c.kind for c in diff_statements(old, new, vectors_old=same, vectors_new=other))
    assert kinds == ["added", "removed"]


def test_vectors_of_the_wrong_shape_are_refused_with_a_message():
    with pytest.raises(DiffInputError, match="vectors_new.*2 rows"):
        diff_statements([stmt("a")], [stmt("We will b."), stmt("We will c.")], vectors_new=np.zeros((3, 4)))


def test_canonical_text_ignores_numbering_and_section_references():
    assert canonical_text("3.2 We will, per Section 4.1, test.") == canonical_text("We will, per section 7, test")


def _synthetic_policy(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    subjects = ["We", "Our safety team", "The evaluation group", "Our security staff", "The research lead"]
    verbs = ["assess", "document", "review", "audit", "report on", "test", "monitor", "publish"]
    objects = ["cyber capabilities", "model weights", "deployment decisions", "red-team findings",
               "training runs", "incident logs", "external access", "capability thresholds"]  # fmt: skip
    tails = ["before each release", "for every frontier model", "after major updates", "with external partners",
             "across all product surfaces", "during training", "in the annual report"]  # fmt: skip
    texts = set()
    while len(texts) < n:
        texts.add(f"{rng.choice(subjects)} will {rng.choice(verbs)} {rng.choice(objects)} {rng.choice(tails)} "
                  f"in programme {rng.randint(1, 10_000)}.")  # fmt: skip
    return sorted(texts, key=lambda _: rng.random())


@pytest.mark.slow
def test_a_large_reordered_policy_reports_exactly_the_edits():
    old_texts = _synthetic_policy(1500, seed=7)
    new_texts = old_texts[750:] + old_texts[:750]  # sections moved
    tail = next(i for i in range(1000, 1500) if "before each release" in old_texts[i])
    edited = {10: ("will", "aim to"), 400: ("will", "must not"), tail: ("before", "where feasible, before")}
    for i, (a, b) in edited.items():
        j = new_texts.index(old_texts[i])
        new_texts[j] = old_texts[i].replace(a, b, 1)
    new_texts = [f"{k}.1 {t}" for k, t in enumerate(new_texts)]  # renumbered
    changes = diff_statements(
        [stmt(t, i) for i, t in enumerate(old_texts)], [stmt(t, i) for i, t in enumerate(new_texts)]
    )
    assert sorted(c.old.text for c in changes) == sorted(old_texts[i] for i in edited)
    assert all(c.kind == "weakened" or "negation added" in c.reason for c in changes)


_WORDS = st.sampled_from("we will must aim to test all frontier models every 4x 3 months unless board . , not".split())


_TEXTS = st.lists(st.lists(_WORDS, max_size=12).map(" ".join), max_size=12)


@settings(max_examples=60, deadline=None)
@given(_TEXTS, _TEXTS, st.randoms(use_true_random=False))
def test_any_statements_align_each_index_once(texts, others, rnd):
    shuffled = [t.upper() + "." for t in texts]
    rnd.shuffle(shuffled)
    old = [stmt(t, i) for i, t in enumerate(texts)]
    assert diff_statements(old, [stmt(t, i) for i, t in enumerate(shuffled)]) == []
    alignment = align_texts(texts, others)
    assert sorted([i for p in alignment.pairs for i in p.old] + list(alignment.removed)) == list(range(len(texts)))
    assert sorted([j for p in alignment.pairs for j in p.new] + list(alignment.added)) == list(range(len(others)))
    for change in diff_statements(old, [stmt(t, i) for i, t in enumerate(others)]):
        assert any(s is not None and carries_obligation(s) for s in (change.old, change.new))


def test_changes_version_is_recorded():
    assert isinstance(CHANGES_VERSION, str) and CHANGES_VERSION


# --- end to end with the real parser, segmenter and feature detector -----------------


@pytest.fixture(scope="module")
def pipeline():
    try:
        from labwatch.extractors.parsing.formats import parse_document
        from labwatch.extractors.statements.features import detect_features
        from labwatch.extractors.statements.segmentation import segment
    except ImportError as exc:  # the lead unskips once features.py and parse.py land
        pytest.skip(f"needs features.py ({exc})")

    def statements(text: str, source: str) -> list[Statement]:
        passages = segment(parse_document(text.encode("utf-8"), source=source, kind="text"))
        return [Statement(p, f) for p, f in zip(passages, detect_features(passages))]

    return statements


@pytest.mark.model
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_pipeline_reports_the_fixture_change(pipeline, name):
    old, new = read_pair(name)
    changes = diff_statements(pipeline(old, f"{name}/old.txt"), pipeline(new, f"{name}/new.txt"))
    assert_changes(changes, EXPECTED[name])


@pytest.mark.model
@pytest.mark.parametrize("name", NOISE)
def test_real_pipeline_reports_nothing_for_noise(pipeline, name):
    old, new = read_pair(name)
    changes = diff_statements(pipeline(old, f"{name}/old.txt"), pipeline(new, f"{name}/new.txt"))
    assert changes == [], [(c.kind, c.reason, side_text(c)) for c in changes]


def test_a_practice_stated_as_our_approach_is_compared():
    # no modal word, yet the lab states what it does: a narrower scope must not go unseen
    old = stmt("Our first safeguard is to train models to decline requests for weapons, fraud or extortion.")
    new = stmt("Our first safeguard is to train models to decline requests for weapons.")
    assert carries_obligation(old) and carries_obligation(new)
    change = classify_pair(old, new)
    assert change is not None and change.kind == "weakened" and "dropped: 'fraud or extortion'" in change.reason


def test_a_hedge_inside_the_description_of_a_risk_is_no_change_of_obligation():
    # "potentially" says how likely the harm is, not how far the lab is bound
    old = stmt(
        "We aim to lower the chance that our systems might let an attacker harm people, including by filtering requests."
    )
    new = stmt(
        "We aim to lower the chance that our systems might let an attacker potentially harm people, "
        "including by filtering requests."
    )
    change = classify_pair(old, new)
    assert change is None or change.kind == "reworded", change
    # a hedge on what the lab does still weakens
    hedged = stmt(
        "We aim to lower the chance that our systems might let an attacker harm people, including by "
        "potentially filtering requests."
    )
    assert classify_pair(old, hedged).kind == "weakened"


def test_a_statement_of_compliance_is_compared():
    # no modal and not the lab as subject, yet dropping it withdraws a disclosure
    said = stmt("This Framework complies with the Model Safety Act of the state of Ontaria.")
    assert carries_obligation(said)
    (change,) = diff_statements(
        [said, stmt("We will red-team every model.", 1)], [stmt("We will red-team every model.")]
    )
    assert change.kind == "removed" and "statement of compliance" in change.reason
    assert not carries_obligation(stmt("This Framework follows the structure of the earlier edition."))


def test_the_documents_own_revision_notes_are_not_compared():
    # an item of "Changes in this version" reports a change made elsewhere in the text, which
    # is compared there: as a commitment of its own it would be a second, false "added"
    note = "We will now red-team every model twice a year rather than once."
    under = Statement(Passage(0, note, section=("Orrin Safety Policy", "Changes in this version")), hand_features(note))
    assert under.features.is_commitment and not carries_obligation(under)
    assert carries_obligation(Statement(Passage(0, note, section=("Evaluations",)), hand_features(note)))


def test_items_added_to_a_semicolon_list_widen_it():
    practice = Features(True, "firm", "commitment", modality="present tense 'monitor'")
    old = stmt("We monitor deployments through: red-teaming; incident reports; usage telemetry.", features=practice)
    new = stmt(
        "We monitor deployments through: red-teaming; incident reports; usage telemetry; "
        "escalations by employees; feedback from downstream developers.",
        features=practice,
    )
    change = classify_pair(old, new)
    assert change is not None and change.kind == "strengthened", change
    assert "added: 'escalations by employees" in change.reason


def test_a_whole_sentence_added_after_a_semicolon_free_text_is_not_a_scope_change():
    # without list separators on both sides, an added sentence is new text, not a wider scope
    old = stmt("We will red-team models before release.")
    new = stmt("We will red-team models before release. Results go to the board within a month.")
    change = classify_pair(old, new)
    assert change is None or "scope" not in change.dimensions, change.reason


def test_an_organisation_dropped_from_a_list_of_partners_weakens_the_actor():
    # a silent re-upload that drops one evaluator from the list: one word, yet who takes part changed
    old = stmt("We will choose the tests together with experts at ArcLab, NIST, CASI and Beacon.")
    new = stmt("We will choose the tests together with experts at ArcLab, NIST and Beacon.")
    change = classify_pair(old, new)
    assert change is not None and change.kind == "weakened", change
    assert "actor dropped: 'CASI'" in change.reason and change.dimensions == {"actor": -1}


def test_a_named_benchmark_added_to_a_list_widens_the_scope():
    old = stmt("We will test models on WMDP and CyBench.")
    new = stmt("We will test models on WMDP, BioLP and CyBench.")
    change = classify_pair(old, new)
    assert change is not None and change.kind == "strengthened"
    assert "scope added: 'BioLP'" in change.reason


def test_a_plain_word_dropped_from_a_list_is_not_taken_for_a_name():
    old = stmt("We will test models on chemistry, biology and cyber tasks.")
    new = stmt("We will test models on chemistry and cyber tasks.")
    change = classify_pair(old, new)
    assert change is None or "dropped: 'biology'" not in change.reason


@pytest.mark.parametrize(
    "old, new, dimension",
    [
        (
            "We will evaluate all frontier models for cyber risk.",
            "We will evaluate frontier models for cyber risk.",
            "scope",
        ),
        (
            "We will pause training when a model reaches 4x the effective compute of the last one.",
            "We will pause training when a model reaches 6x the effective compute of the last one.",
            "threshold",
        ),
        (
            "Before release, external auditors and our safety board will review the results.",
            "Before release, our safety board will review the results.",
            "actor",
        ),
        ("We will red-team every model before release.", "We aim to red-team every model before release.", "strength"),
        (
            "We will report each incident to the board and publish a public summary within 30 days.",
            "We will report each incident to the board within 30 days.",
            "disclosure",
        ),
        (
            "If a model crosses a threshold, we will pause deployment and notify the board.",
            "If a model crosses a threshold, we will notify the board.",
            "consequence",
        ),
    ],
)
def test_each_dimension_of_the_codebook_is_named_with_its_direction(old, new, dimension):
    # the traces code kinds only; the six dimensions are judged on pairs like these (docs/accuracy.md)
    change = classify_pair(stmt(old), stmt(new))
    assert change is not None and change.kind == "weakened", change
    assert change.dimensions.get(dimension) == -1, (change.dimensions, change.reason)
    back = classify_pair(stmt(new), stmt(old))  # the reverse edit binds the lab more on that dimension
    assert back is not None and back.dimensions.get(dimension) == 1, (back.dimensions, back.reason)


def test_what_the_policy_says_it_covers_is_compared():
    # "This framework outlines our approach to ...": no modal, but it sets the policy's scope
    old = stmt(
        "This Framework outlines our approach to handling severe risks, including catastrophic risks, of our models."
    )
    new = stmt("This Framework outlines our approach to handling severe risks of our models.")
    assert carries_obligation(old) and carries_obligation(new)
    change = classify_pair(old, new)
    assert change is not None and change.kind == "weakened" and "catastrophic risks" in change.reason
    assert not carries_obligation(stmt("This section gives background on the history of the lab."))


def test_a_renamed_policy_still_shows_what_its_scope_gained():
    old = stmt("This Hazard Response Policy (HRP) outlines how we handle severe risks of our models.")
    new = stmt(
        "This Frontier Safety Framework (FSF) outlines how we handle severe risks, including catastrophic risks, "
        "of our models."
    )
    change = classify_pair(old, new)
    assert change is not None and change.kind == "strengthened", change
    assert "added: 'including catastrophic risks'" in change.reason


def test_a_rewording_that_replaces_plain_words_stays_reworded():
    # replaced content words (not names) make it a rewording: no coverage is read from it
    old = stmt("We will publish a summary of the results, including severe findings, each quarter.")
    new = stmt("We will release an overview of the outcomes, including severe findings and near misses, each quarter.")
    change = classify_pair(old, new)
    assert change is not None and not any(r.aspect == "content" for r in change.moved), change


def test_a_synonym_swapped_does_not_hide_the_partners_dropped():
    practice = Features(True, "firm", "commitment", modality="present tense 'works'")
    old = stmt(
        "qAI works with government bodies, private testing firms and academic researchers to find the steps "
        "that would help a bad actor.",
        features=practice,
    )
    new = stmt("qAI works to find the steps that would help a malicious actor.", features=practice)
    change = classify_pair(old, new)
    assert change is not None and change.kind == "weakened", change
    assert change.dimensions.get("actor") == -1 and "actor dropped: 'with government bodies" in change.reason


def test_not_limited_to_widens_and_is_no_negation():
    old = stmt("We will test models for risks including cyber offence and biology.")
    new = stmt("We will test models for risks including, but not limited to, cyber offence and biology.")
    change = classify_pair(old, new)
    assert change is None or (change.kind != "weakened" and "negation" not in change.reason), change
    # a real negation still counts
    dropped = classify_pair(
        stmt("We will not deploy models above the threshold."), stmt("We will deploy models above the threshold.")
    )
    assert dropped is not None and dropped.kind == "weakened" and "negation removed" in dropped.reason


@pytest.mark.parametrize(
    ("old", "new", "kind", "reason"),
    [
        (
            "We will run the dangerous-capability suite on each model before public deployment.",
            "We will run the dangerous-capability suite on each model.",
            "weakened",
            "deadline dropped: 'before public deployment'",
        ),
        (
            "We will publish a summary of each evaluation.",
            "We will publish a summary of each evaluation within two weeks.",
            "strengthened",
            "interval added: 'two weeks'",
        ),
        (
            "We will revise this policy within six months of a major model release.",
            "We will revise this policy after each major model release.",
            "weakened",
            "interval dropped: 'six months'",
        ),
        (
            "We release a model externally only if its evaluations stay under our thresholds.",
            "We release a model externally after weighing its evaluations.",
            "weakened",
            "condition dropped: 'only if its evaluations stay under our thresholds'",
        ),
        (
            "We will share model cards with regulators after launch.",
            "We will share model cards with regulators before launch.",
            "strengthened",
            "deadline added: 'before launch'",
        ),
        (
            "We will share model cards with regulators before public deployment.",
            "We will share model cards with regulators prior to general availability.",
            "reworded",
            "deadline dropped: 'before public deployment'",
        ),
    ],
)
def test_time_bounds_and_gates_have_a_direction(old, new, kind, reason):
    """A deadline or time bound dropped frees the lab to act later (weaker); an "only if" gate
    dropped frees what it may do (weaker); one deadline traded for another has no direction."""
    change = classify_pair(*real_statements(old, new))
    assert change is not None and change.kind == kind, change
    assert reason.lower() in change.reason.lower()


def _paragraph(*sentences: str, section: tuple[str, ...] = ("Security",), start: int = 0) -> list[Statement]:
    """Statements of one paragraph, with offsets as the segmenter gives them (a space apart)."""
    out = []
    for s in sentences:
        passage = Passage(len(out), s, section=section, start=start, end=start + len(s))
        out.append(Statement(passage, hand_features(s)))
        start += len(s) + 1
    return out


def test_detail_added_to_an_unchanged_commitment_strengthens_it():
    kept = "We will protect model weights against theft by criminal groups."
    detail = "Practices include encrypting weights at rest and two-person access to the storage."
    after = "Every model is covered."
    (change,) = diff_statements(_paragraph(kept, after), _paragraph(kept, detail, after))
    assert change.kind == "strengthened" and change.reason.startswith("detail added: 'Practices include")
    assert change.old.text == kept and change.new.text == f"{kept} {detail}"
    # dropped again: weaker, and the two sides the other way round
    (change,) = diff_statements(_paragraph(kept, detail, after), _paragraph(kept, after))
    assert change.kind == "weakened" and change.reason.startswith("detail dropped")
    assert change.old.text == f"{kept} {detail}" and change.new.text == kept


def test_detail_needs_the_same_paragraph_and_an_obligation_before_it():
    kept = "We will protect model weights against theft by criminal groups."
    detail = "Practices include encrypting weights at rest and two-person access to the storage."
    # a paragraph of its own (a blank line between: more than one character apart)
    apart = _paragraph(kept) + _paragraph(detail, start=len(kept) + 2)
    assert diff_statements(_paragraph(kept), apart) == []
    # after a description, not a commitment
    told = "Model weights are the most valuable asset of a lab."
    assert diff_statements(_paragraph(told), _paragraph(told, detail)) == []
    # an example illustrates; it does not make the commitment more specific
    example = "For example, weights could be encrypted at rest."
    assert diff_statements(_paragraph(kept), _paragraph(kept, example)) == []


@pytest.mark.parametrize(
    ("old", "new", "kind", "reason"),
    [
        # a protective step set off by a less grave event: it fires sooner
        (
            "If we judge that a deployed system raises the likelihood of a catastrophic incident, we will pause its training.",
            "If we judge that a deployed system raises the likelihood of an incident, we will pause its training.",
            "strengthened",
            "trigger lowered: 'catastrophic' dropped",
        ),
        (
            "If we judge that a deployed system raises the likelihood of an incident, we will pause its training.",
            "If we judge that a deployed system raises the likelihood of a severe incident, we will pause its training.",
            "weakened",
            "trigger raised: 'severe' added",
        ),
        # an excuse that takes a less grave event excuses more
        (
            "We will publish every evaluation unless publication poses a severe security risk.",
            "We will publish every evaluation unless publication poses a security risk.",
            "weakened",
            "excuse widened: 'severe' dropped",
        ),
        # a permission to go ahead that a less grave finding allows: weaker
        (
            "If a competitor releases a model with catastrophic capabilities first, we may release ours sooner.",
            "If a competitor releases a model with such capabilities first, we may release ours sooner.",
            "weakened",
            "trigger lowered: 'catastrophic' dropped",
        ),
    ],
)
def test_how_grave_a_trigger_must_be_has_a_direction(old, new, kind, reason):
    change = classify_pair(*real_statements(old, new))
    assert change is not None and change.kind == kind, change
    assert reason.lower() in change.reason.lower()


def test_a_measurable_threshold_that_becomes_a_word_weakens():
    measurable = "We will test for misuse that could cause more than five hundred deaths or over $2 billion in damage."
    worded = "We will test for misuse that could cause a Severe Incident."
    change = classify_pair(stmt(measurable), stmt(worded))
    assert change.kind == "weakened"
    assert "quantitative threshold dropped: 'more than five hundred', 'over $2 billion'" in change.reason
    back = classify_pair(stmt(worded), stmt(measurable))
    assert back.kind == "strengthened" and "quantitative threshold added" in back.reason
    # a number traded for another is judged by what it measures, not as a threshold dropped
    other = classify_pair(stmt(measurable), stmt(measurable.replace("five hundred", "one thousand")))
    assert other is None or "quantitative threshold" not in other.reason


def test_a_renamed_title_opening_an_item_is_no_change_of_scope():
    # "Frontier" inside the policy's new name does not narrow what the item covers
    old = stmt("Safety Policy compliance: We will check each year that our teams follow this policy.")
    new = stmt("Frontier Safety Policy compliance: We will check each year that our teams follow this policy.")
    change = classify_pair(old, new)
    assert change is None or change.kind == "reworded", change
    # a restrictive word that opens a sentence as a plain word still narrows it
    narrowed = classify_pair(stmt("All models will be red-teamed."), stmt("Frontier models will be red-teamed."))
    assert narrowed.kind == "weakened"


def test_a_hedge_against_no_cue_on_two_non_commitments_has_no_direction():
    # "could be used" -> "are used": the detector reads neither as a commitment, so the side
    # without a cue says nothing about how binding it is; before, this read as weaker
    a, b = real_statements(
        "These test suites could be used to gauge a model's dual-use skill.",
        "These test suites are used to gauge a model's dual-use skill.",
    )
    assert not a.features.is_commitment and not b.features.is_commitment
    change = classify_pair(a, b)
    assert change is not None and change.kind == "reworded" and "no direction" in change.reason


def test_a_pair_about_other_things_whose_only_move_is_its_status_is_two_statements():
    # the alignment may pair two statements of one section by meaning; when they share few
    # content words and only the commitment status differs, one went and another came
    old = Statement(
        Passage(0, "Outside assessments indicate the models remain far from expert hacking skill."),
        Features(False, "none", "description"),
    )
    new = Statement(
        Passage(0, "We treat AI-accelerated intrusion as a core risk domain."),
        Features(True, "firm", "commitment", modality="present tense 'treat'"),
    )
    changes = diff_statements(
        [old], [new], vectors_old=np.ones((1, 4), np.float32), vectors_new=np.ones((1, 4), np.float32)
    )
    assert [c.kind for c in changes] == ["added"], [(c.kind, c.reason) for c in changes]


def test_one_trigger_worded_two_ways_is_the_same_trigger():
    # "Should it happen that ..." and "If ..." open the same trigger: only the modal moved
    a, b = real_statements(
        "If we hear of an imminent danger of grave harm, we would act to prevent it.",
        "Should it happen that we hear of an imminent danger of grave harm, we may act to prevent it.",
    )
    change = classify_pair(a, b)
    assert change.kind == "weakened" and "modality: 'would' -> 'may'" in change.reason
    assert "condition" not in change.reason, change.reason
    back = classify_pair(b, a)
    assert back.kind == "strengthened" and "condition" not in back.reason, back.reason


def test_a_named_standard_added_binds_more_and_its_numbers_are_no_quantities():
    old = stmt("We will keep information security controls sufficient to stop theft of model weights.")
    new = stmt(
        "We will keep information security controls, based on NIST 800-53 Rev. 5 and audited under SOC 2 Type II, "
        "sufficient to stop theft of model weights."
    )
    change = classify_pair(old, new)
    assert change.kind == "strengthened" and "standard named: 'NIST 800-53 Rev. 5', 'SOC 2 Type II'" in change.reason
    assert "numbers" not in change.reason  # 800, 53, 5 and 2 are the standards' names
    back = classify_pair(new, old)
    assert back.kind == "weakened" and "standard no longer named" in back.reason


def test_the_labs_own_hedged_practice_negated_still_moves():
    old, new = real_statements(
        "We may share evaluation results with outside researchers.",
        "We may not share evaluation results with outside researchers.",
    )
    change = classify_pair(old, new)
    assert change is not None and change.kind == "weakened" and "negation added" in change.reason, change


@pytest.mark.parametrize(
    ("old", "new", "kind", "reason"),
    [
        # a training-compute threshold raised covers fewer models
        (
            "A covered model is any model trained with more than 10^25 floating-point operations.",
            "A covered model is any model trained with more than 10^26 floating-point operations.",
            "weakened",
            "training compute threshold: '10^25' -> '10^26' (weaker)",
        ),
        # a frequency in words
        (
            "We will rehearse the incident plan at least twice a year.",
            "We will rehearse the incident plan at least once a year.",
            "weakened",
            "interval: 'twice a year' -> 'once a year' (weaker)",
        ),
        # a share that becomes a vague amount
        (
            "We will pause if the model solves 40% of the tasks in our hacking suite.",
            "We will pause if the model solves a significant share of the tasks in our hacking suite.",
            "weakened",
            "quantitative threshold dropped: '40%'",
        ),
        # a bare count beside it ("tier 3") takes no threshold's place
        (
            "Cyber: the model solves 40% of the hacking suite: tier 3 safeguards.",
            "Cyber: the model solves a significant share of the hacking suite: tier 3 safeguards.",
            "weakened",
            "quantitative threshold dropped: '40%'",
        ),
        # the public, then only named recipients
        (
            "We will publish a summary of each capability report at launch.",
            "We will share a summary of each capability report with the national safety institute at launch.",
            "weakened",
            "disclosure narrowed",
        ),
        # outside testers, then the lab's own
        (
            "Our weight storage gets a yearly penetration test by an external firm.",
            "Our weight storage gets a yearly penetration test by our internal red team.",
            "weakened",
            "actor: 'external' -> 'internal'",
        ),
        # changes-8: a compute multiple in words
        (
            "We will test each checkpoint at every doubling of effective compute.",
            "We will test each checkpoint at every fourfold increase in effective compute.",
            "weakened",
            "effective compute multiple: 'doubling' -> 'fourfold' (weaker)",
        ),
        # a capability threshold reached at a lower level is crossed sooner
        (
            "Replication level: the model can keep a copy of itself running in 40% of trials for 72 hours.",
            "Replication level: the model can keep a copy of itself running in 20% of trials for 72 hours.",
            "strengthened",
            "capability level: '40%' -> '20%' (stronger)",
        ),
        # the lab judging when a step applies
        (
            "We will run the jailbreak suite on every release candidate.",
            "We will run the jailbreak suite on release candidates where the product team requires it.",
            "weakened",
            "where the product team requires it",
        ),
        # an approval moved down, said in the passive
        (
            "Exceptions to this policy require the approval of the Board.",
            "Exceptions to this policy are approved by the Safety Council.",
            "weakened",
            "approval moved down",
        ),
        # independent members replaced by an officer of the lab
        (
            "The review panel is made up of the Head of Safety and two independent experts named by the Board.",
            "The review panel is made up of the Head of Safety and the General Counsel.",
            "weakened",
            "actor: 'independent' -> 'general counsel'",
        ),
        # changes-9: the passive-agent rule keeps an outside actor that the passive drops
        (
            "Independent auditors will inspect the weight vault every quarter.",
            "The weight vault will be inspected every quarter.",
            "weakened",
            "actor dropped: 'independent auditors will inspect'",
        ),
        # a new excuse that the old wording did not hold in any form
        (
            "We will pause a training run that fails the replication suite.",
            "We will pause a training run that fails the replication suite, unless the board decides that "
            "continuing is safe.",
            "weakened",
            "condition added",
        ),
        # a power becomes a duty
        (
            "The safety lead will have the authority to stop a launch.",
            "The safety lead will stop a launch.",
            "strengthened",
            "modality: 'may' -> 'will'",
        ),
        # a threshold-table row read as a capability level; "within N points of" is a distance
        (
            "| Autonomy | Solves 30% of the long-task suite | Pause further scaling |",
            "| Autonomy | Solves 15% of the long-task suite | Pause further scaling |",
            "strengthened",
            "capability level: '30%' -> '15%' (stronger)",
        ),
        (
            "| Chemistry | Scores within 12 points of expert chemists on the synthesis quiz | No release |",
            "| Chemistry | Scores within 4 points of expert chemists on the synthesis quiz | No release |",
            "weakened",
            "capability level: '12' -> '4' (weaker)",
        ),
        # "at least" right before a duration decides over an "each" earlier in the sentence
        (
            "We will give each outside tester access to each release candidate for at least 21 days.",
            "We will give each outside tester access to each release candidate for at least 10 days.",
            "weakened",
            "notice period: '21 days' -> '10 days' (weaker)",
        ),
        # changes-10: a level reached "when it solves" is a capability threshold; number words
        # past twelve; a multiple written "by a factor of"; a condition still read when dropped
        (
            "A system reaches the Amber Level when it solves at least 30% of the uplift tasks.",
            "A system reaches the Amber Level when it solves at least 40% of the uplift tasks.",
            "weakened",
            "capability level: '30%' -> '40%' (weaker)",
        ),
        (
            "The safety lead will notify the board within fourteen days of an incident.",
            "The safety lead will notify the board within thirty days of an incident.",
            "weakened",
            "interval: 'fourteen days' -> 'thirty days' (weaker)",
        ),
        (
            "The pause applies when a model can speed up our research by a factor of three.",
            "The pause applies when a model can speed up our research by a factor of five.",
            "weakened",
            "effective compute multiple",
        ),
        (
            "Should an evaluation be skipped, we will delay the launch.",
            "We will delay the launch.",
            "strengthened",
            "condition dropped: 'Should an evaluation be skipped'",
        ),
        (
            "We will review this plan every 12 months.",
            "We will review this plan every 18 months.",
            "weakened",
            "interval: '12 months' -> '18 months' (weaker)",
        ),
        # a count under a floor or a ceiling moves one way; thousands keep their separator
        (
            "Each release is tested with at least 50 attempts per task.",
            "Each release is tested with at least 20 attempts per task.",
            "weakened",
            "minimum: '50' -> '20' (weaker)",
        ),
        (
            "Filters are tested against at least 1,000 adversarial prompts before they are relied on.",
            "Filters are tested against at least 2,500 adversarial prompts before they are relied on.",
            "strengthened",
            "minimum: '1,000' -> '2,500' (stronger)",
        ),
        (
            "We give at most 5 engineers access to the weights.",
            "We give at most 12 engineers access to the weights.",
            "weakened",
            "maximum: '5' -> '12' (weaker)",
        ),
        # a level in a threshold row: "1 of 10 attempts" -> "3 of 10" is reached later
        (
            "| Cyber-2 | Model completes the range intrusion in 1 of 10 attempts | Pause deployment |",
            "| Cyber-2 | Model completes the range intrusion in 3 of 10 attempts | Pause deployment |",
            "weakened",
            "capability level: '1' -> '3' (weaker)",
        ),
        # "where the queue permits" leaves the step to capacity
        (
            "We review each flagged chat within 24 hours.",
            "We review each flagged chat within 24 hours, where the size of the queue permits.",
            "weakened",
            "condition added: 'where the size of the queue permits'",
        ),
        # a dropped "as well as ..." still narrows who takes part (only conditions are left to their reader)
        (
            "We will share the results with the board as well as outside auditors.",
            "We will share the results with the board.",
            "weakened",
            "actor dropped: 'as well as outside auditors'",
        ),
        (
            "We will share the results with the board.",
            "We will share the results with the board as well as outside auditors.",
            "strengthened",
            "actor added: 'as well as outside auditors'",
        ),
        # a negation with "without" still counts when the requirement is not restated
        (
            "We will not deploy a model without a safety case.",
            "We will deploy a model without a safety case.",
            "weakened",
            "negation removed",
        ),
        # a required number of reviewers, written in words, lowered or raised
        (
            "Each result will be reviewed by at least two independent evaluators.",
            "Each result will be reviewed by at least one independent evaluator.",
            "weakened",
            "minimum: 'at least two' -> 'at least one' (weaker)",
        ),
        (
            "Each result will be reviewed by at least two independent evaluators.",
            "Each result will be reviewed by at least three independent evaluators.",
            "strengthened",
            "minimum: 'at least two' -> 'at least three' (stronger)",
        ),
        # a "may ... only where" is a permission with a gate, not a restriction: weaker than "will"
        (
            "We will give outside testers access to the model before release.",
            "Outside testers may access the model before release only where the board agrees.",
            "weakened",
            "modality: 'will' -> 'may'",
        ),
        # a feasibility proviso and a discretion added; an "only where" gate dropped; a safety
        # margin narrowed; a "reasonable endeavours" hedge dropped
        (
            "Access under this clause shall include the base model.",
            "Access under this clause shall include, where technically feasible, the base model.",
            "weakened",
            "condition added: 'where technically feasible'",
        ),
        (
            "The Lab shall give testers the ability to fine-tune the model.",
            "The Lab shall give testers the ability to fine-tune the model at the discretion of the Lab.",
            "weakened",
            "at the discretion of",
        ),
        (
            "The board may waive a safeguard only where a rival has already released a model of the same power.",
            "The board may waive a safeguard where it judges that a rival may soon release a model of the same power.",
            "weakened",
            "condition dropped: 'only where",
        ),
        (
            "A result within 20 per cent of the threshold for a tier is treated as reaching that tier.",
            "A result within 5 per cent of the threshold for a tier is treated as reaching that tier.",
            "weakened",
            "margin: '20 per cent' -> '5 per cent' (weaker)",
        ),
        (
            "If safeguards fail, the Lab shall use reasonable endeavours to withdraw the model within 48 hours.",
            "If safeguards fail, the Lab shall withdraw the model within 48 hours.",
            "strengthened",
            "hedge dropped: 'reasonable'",
        ),
        # "once in each calendar year" is a yearly interval; "no later than the date on which"
        # is at the event; "as the Lab considers appropriate" leaves the method to the lab; a
        # "that has reached ..." clause narrows what "each model" covers
        (
            "The Lab shall commission an outside penetration test at least once in each calendar year.",
            "The Lab shall commission an outside penetration test at least once in every two calendar years.",
            "weakened",
            "interval: 'once in each calendar year' -> 'two calendar years' (weaker)",
        ),
        (
            "The Lab shall publish a safety card no later than the date on which the model is first released.",
            "The Lab shall publish a safety card within 30 days after the date on which the model is first released.",
            "weakened",
            "deadline moved later",
        ),
        (
            "Evaluations shall use the most effective elicitation methods available, including fine-tuning.",
            "Evaluations shall use such elicitation methods as the Lab considers appropriate, which may include fine-tuning.",
            "weakened",
            "response left to a decision",
        ),
        (
            "The Lab shall re-test each deployed model at least every six months.",
            "The Lab shall re-test each deployed model that has reached the second tier at least every six months.",
            "weakened",
            "qualifier added: 'that has reached the second tier'",
        ),
        # an approval turned into a report to the same body; outside testers only "where needed";
        # an independent recipient of concerns replaced by the line manager
        (
            "The board must approve any change to this policy.",
            "Changes to this policy are reported to the board.",
            "weakened",
            "approval became a report",
        ),
        (
            "External red teams will test every frontier model before release.",
            "Frontier models are tested before release, by external red teams where their expertise is needed.",
            "weakened",
            "condition added: 'where their expertise is needed'",
        ),
        (
            "Staff can report concerns anonymously to an independent ombudsperson.",
            "Staff can report concerns to their manager.",
            "weakened",
            "actor: 'independent' -> 'their manager'",
        ),
        # what outside evaluators are given access to, narrowed and widened
        (
            "We will give external evaluators access to base models and fine-tuning.",
            "We will give external evaluators access to the deployed model.",
            "weakened",
            "access narrowed: base model, fine-tuning no longer given",
        ),
        (
            "We will give external evaluators access to the deployed model.",
            "We will give external evaluators access to the deployed model, its weights and fine-tuning.",
            "strengthened",
            "access widened",
        ),
        # a required step after a semicolon in one table cell, dropped
        (
            "| Bio | Severe | Do not deploy; pause training until safeguards are verified |",
            "| Bio | Severe | Do not deploy until safeguards are verified |",
            "weakened",
            "consequence dropped: 'pause training'",
        ),
        # "on the day we release it" is at the event, so a period after it is later
        (
            "We will publish the system card on the day we release the model.",
            "We will publish the system card within 30 days of releasing the model.",
            "weakened",
            "deadline moved later",
        ),
        # a deadline at the event becomes a period after it: later, so weaker
        (
            "We will publish a safety summary for each model when we release it.",
            "We will publish a safety summary for each model within 30 days of releasing it.",
            "weakened",
            "deadline moved later",
        ),
        (
            "We will publish a safety summary when it is ready.",
            "We will publish a safety summary within 30 days of finishing it.",
            "strengthened",
            "interval added: '30 days'",
        ),
        # a required response left to someone's decision
        (
            "If a result is unclear, we will treat the model as having crossed the next level.",
            "If a result is unclear, the risk board decides whether to treat the model as having crossed the next level.",
            "weakened",
            "response left to a decision: 'decides whether'",
        ),
        # who does it, read in a rewrite of the same step; people added to an enumeration's head
        (
            "We commission an external red-team exercise on our weight vault every year.",
            "Our internal security team runs a red-team exercise on our weight vault every year.",
            "weakened",
            "actor: 'external' -> 'internal'",
        ),
        (
            "Any employee can raise a concern through our ethics line, which reports to the board.",
            "Any employee, contractor or former employee can raise a concern through our ethics line, which reports to the board.",
            "strengthened",
            "added: 'employee contractor or former'",
        ),
        # a permission turned into the practice for every model
        (
            "We may offer outside institutes access to frontier models before launch.",
            "Every frontier model is offered to outside institutes for testing before launch.",
            "strengthened",
            "modality: 'may' -> 'present tense'",
        ),
        # an outside evaluator replaced by an internal group "independent of" another team
        (
            "Before each launch, at least one independent external evaluator is given at least 14 days of access "
            "to the model, including its helpful-only variant.",
            "Before each launch, the Audit Group, an internal team independent of the product team, is given at "
            "least 14 days of access to the model, including its helpful-only variant.",
            "weakened",
            "actor: 'independent' -> 'internal'",
        ),
    ],
)
def test_thresholds_audiences_and_actors_read_in_new_forms(old, new, kind, reason):
    a, b = real_statements(old, new)
    change = classify_pair(a, b)
    assert change is not None and change.kind == kind and reason in change.reason, change


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # one compute threshold typed two ways; one period as hours and as a day; one limit in
        # digits and in words
        (
            "Models trained with more than 10^26 floating-point operations are evaluated before release.",
            "Models trained with more than 1e26 floating-point operations are evaluated before release.",
        ),
        (
            "We will tell the board of any serious incident within 24 hours.",
            "We will tell the board of any serious incident within a full day.",
        ),
        (
            "Access to the weights is limited to no more than 25 named engineers.",
            "Access to the weights is limited to at most twenty-five named engineers.",
        ),
        # legal register: "not less than" / "not fewer than" are bounds, not negations; "one
        # hundred" is 100; "only X may" restricts as "shall be limited to X" does; "save" is
        # "except"; an audit "assesses whether" a fact holds, it leaves no response open; "set
        # out in" points to a text; "each of its" is "its"; "every [Name] that" is "each [Name]"
        (
            "Each evaluation shall include red-teaming of not less than 100 person-hours.",
            "Each evaluation shall include a minimum of one hundred person-hours of red-teaming.",
        ),
        (
            "The council shall include at least two members appointed by the board.",
            "The council shall include not fewer than two members appointed by the board.",
        ),
        (
            "Access to the weights shall be limited to named staff approved by the security lead.",
            "Only named staff approved by the security lead may access the weights.",
        ),
        (
            "The Head of Safety must approve each release.",
            "Each release may be approved only by the Head of Safety.",
        ),
        (
            "Weights shall not be given to any third party except under a written agreement.",
            "No weights shall be given to a third party save under a written agreement.",
        ),
        (
            "The audit team shall assess compliance with this Policy every year and report to the Board.",
            "Every year, the audit team shall assess whether this Policy has been complied with and report to the Board.",
        ),
        (
            "The Lab shall protect the weights in line with the security standard set out in the Annex.",
            "The weights shall be protected in line with the security standard in Annex B.",
        ),
        (
            "The Lab shall evaluate every Frontier Model that it trains.",
            "The Lab shall evaluate each Frontier Model trained by it.",
        ),
        ("The board shall keep minutes of its decisions.", "The board shall keep minutes of each of its decisions."),
        # a document moved from "we" to the third person and the passive: a permission and a
        # duty on both sides; an irregular passive ("is run"); "every 4x" / "each fourfold"; an
        # opening clause moved to the end with the verb inflected
        (
            "Our staff can report concerns anonymously, and we will not retaliate against anyone who does.",
            "Staff may report concerns anonymously; the Company shall not retaliate against any person who does so.",
        ),
        (
            "We will run our full evaluation suite at every 4x increase in effective compute.",
            "The full evaluation suite is run at each fourfold increase in effective compute.",
        ),
        (
            "Before each deployment, we test our safeguards against red-team attacks.",
            "Safeguards are tested against red-team attacks before every deployment.",
        ),
        # "X before each release" is "each release is preceded by X"; a decision and a power on
        # both sides, in other clause forms
        (
            "| Autonomy | Elevated | Red-team review before each external release |",
            "| Autonomy | Elevated | Each external release is preceded by a red-team review |",
        ),
        (
            "The panel advises; the CEO decides, and the board can overturn the decision.",
            "The CEO takes the decision on the panel's advice, and the board may reverse it.",
        ),
        # an approval still asked for, in other words, beside a report
        (
            "An override requires the CEO's written sign-off and is reported to the board within 7 days.",
            "Any override needs written sign-off from the CEO and must be reported to the board within a week.",
        ),
        # "not ... unless" restated as "only ... once"; "has the authority to" is "may"
        (
            "We will not deploy a model unless its safeguards have passed red-team testing.",
            "A model is only deployed once its safeguards have passed red-team testing.",
        ),
        (
            "The safety team has the authority to delay any launch that has not met these requirements.",
            "The safety team may delay a launch that does not meet these requirements.",
        ),
        # "any copying" restated as "no copy ... without"; a count of "those staff"
        (
            "Any copying of the weights shall require the sign-off of at least two such staff.",
            "No copy of the weights may be made without sign-off from at least two of those staff.",
        ),
        # a deadline restated as a prohibition; words of a pair reordered around "both"; the
        # same time written with and without "date"
        (
            "Where a model has reached the first tier, the Lab shall put the safeguards in place before it is released.",
            "No model that has reached the first tier shall be released until the safeguards are in place.",
        ),
        (
            "Model weights are encrypted at rest and in transit;",
            "Model weights shall be encrypted both in transit and at rest;",
        ),
        (
            "The evaluations shall be completed at least 15 days before the planned date of release.",
            "The evaluations shall be completed at least 15 days before release is planned to take place.",
        ),
        # an opening condition of three content words restated inside the subject
        (
            "If a model crosses a threshold, we will not deploy it.",
            "A model that has crossed a threshold is not deployed.",
        ),
        # a deadline moved to the front and put in other word forms is the same deadline
        (
            "Safeguards must be tested by the red team before they are relied upon for a launch decision.",
            "Before a launch decision relies on a safeguard, the red team tests it.",
        ),
        # a promise restated in the plain present: no status direction
        (
            "We will run the full misuse suite on every covered model before release.",
            "Every covered model goes through the full misuse suite before release.",
        ),
        # a negation in a description of the world (neither side a commitment, the negated
        # clause speaks of models, not of the lab)
        (
            "Larger models can score higher on tests; and scale may raise accuracy and candour.",
            "Larger models can score higher on tests; and scale may raise accuracy but not candour.",
        ),
        # changes-8: a duration in other words ("48 hours" / "two days", "at least 30 days" /
        # "a minimum of a month"... as the same number of days), a yearly interval as "each year"
        (
            "Weight-access incidents will be reported to the security board within 48 hours.",
            "The security board learns of any weight-access incident within two days.",
        ),
        (
            "Outside testers will be given at least 14 days with each release candidate.",
            "Outside testers get a minimum of two weeks with each release candidate.",
        ),
        (
            "Audit logs will be kept for at least five years.",
            "Audit logs are kept for five years or longer.",
        ),
        (
            "We will publish an annual account of how this framework worked.",
            "Each year we publish an account of how this framework worked.",
        ),
        # a universal word added before a noun the old side named generically
        (
            "Red-team reports will be read by a second reviewer before sign-off.",
            "Every red-team report is read by a second reviewer before sign-off.",
        ),
        # a negation that qualifies a noun, not what the lab does
        (
            "Each red-team report will be checked by a reviewer who did not write it.",
            "Each red-team report will be checked by a reviewer who had no part in writing it.",
        ),
        (
            "This document is our minimum standard for model testing.",
            "This document is the floor, not the ceiling, for model testing.",
        ),
        # a restrictive word moved within the sentence, not added
        (
            "Weights of frontier models will be stored only in the secure vault.",
            "Frontier model weights will be stored only in the secure vault.",
        ),
        # changes-9: the lab's own name as the subject, then the same duty in the passive
        (
            "Brackwater will retrain any model that fails the refusal suite.",
            "Any model that fails the refusal suite will be retrained.",
        ),
        # a promise restated as a passive practice, and a wh-clause in the past tense
        (
            "We will log every override of a launch gate, with who approved it.",
            "Every override of a launch gate is logged, noting who approved it and why it was granted.",
        ),
        (
            "We will audit the access controls of the weight vault at least once a year.",
            "The access controls of the weight vault are audited at least annually.",
        ),
        # "everyone" restated as "all staff"; "is subject to" a practice, not an excuse
        (
            "We will give safety training to everyone who can start a training run.",
            "All staff who can start a training run receive safety training.",
        ),
        (
            "All contractors with vault access will undergo a security interview.",
            "Every contractor with vault access is subject to a security interview.",
        ),
        # bounds and deadlines in other words ("no more than" / "at most", working days)
        (
            "Red-team findings will be triaged within three working days of receipt.",
            "We triage red-team findings no more than three working days after we receive them.",
        ),
        # a power written as "may"; an opening "where" clause restated with "if"
        (
            "The duty officer will have the authority to suspend a rollout pending review.",
            "Pending review, the duty officer may suspend a rollout.",
        ),
        (
            "Where releasing a benchmark would itself spread a hazard, we will hold it back and say so.",
            "If publishing a particular benchmark would itself spread a hazard, we will hold it back and say so.",
        ),
        # a negation inside a relative clause restated as "unless"; "with no" for "without"
        (
            "We will not rely on a filter that has not been tested against jailbreaks.",
            "No filter will be relied on unless it has been tested against jailbreaks.",
        ),
        (
            "The model passes the level when it finishes the task without human help in half the runs.",
            "The model passes the level when, in half the runs, it finishes the task with no human help.",
        ),
        # a modal inside an embedded question is not the statement's own
        (
            "We check whether a model can run a multi-week project unaided.",
            "Our suite asks whether the model can run a multi-week project unaided.",
        ),
        # a permission's holder left out in the passive leaves anyone free to act
        (
            "Staff may raise safety concerns with the ombudsperson in confidence.",
            "Safety concerns can be raised with the ombudsperson in confidence.",
        ),
        # "and not to the launch team": a contrast of two bodies, no negation of what the lab does
        (
            "Red-team leads will answer to the safety director and not to the launch team.",
            "Red-team leads will answer to the safety director rather than the launch team.",
        ),
        # a definition restated as the lab's practice; "deployed" before its noun is no past tense
        (
            "A model is a frontier model if it beats our most capable deployed model on the reference suite.",
            "We treat a model as a frontier model when it beats our most capable deployed model on the reference suite.",
        ),
        # "nobody ... will" for "we will not ... anyone"; "ahead of" for "before"
        (
            "We will not penalise anyone who reports a safety concern in good faith.",
            "Nobody who reports a safety concern in good faith will be penalised by us.",
        ),
        (
            "Before each large training run starts, we estimate the capabilities it will reach and log the estimate.",
            "Ahead of every large training run, we log an estimate of the capabilities we expect it to reach.",
        ),
        # changes-10: the same period in other units ("12 months" / "once a year", "3 months" /
        # "once per quarter", "fourteen days" / "two weeks"); a bound after "intervals" however worded
        (
            "Our governance team reviews the plan at least every 12 months.",
            "Our governance team reviews the plan no less than once a year.",
        ),
        (
            "Deployed models are tested again at least every 3 months.",
            "A deployed model is tested again no less than once per quarter.",
        ),
        (
            "The ethics lead shall tell the board of any breach within fourteen days after learning of it.",
            "The ethics lead tells the board of any breach within two weeks of learning of it.",
        ),
        (
            "Hillcrest shall audit each covered system at intervals of not more than six months.",
            "Each covered system is audited at intervals not exceeding six months.",
        ),
        # "shall not release X, or Y" and "neither X nor Y is released"
        (
            "Hillcrest shall not release the system, or any fine-tuned copy of it, until the audit is signed off.",
            "Neither the system nor any fine-tuned copy of it is released until the audit is signed off.",
        ),
        # an inverted conditional restates an "if"; "the majority of" is "most of"; "double" is "by a factor of two"
        (
            "If a filter is found to be bypassed, the affected feature is switched off within 24 hours.",
            "Should a filter be shown to be bypassable, the feature concerned is switched off within 24 hours.",
        ),
        (
            "The level is met where a system can finish the majority of the week-long tasks, or can speed up our research by a factor of two.",
            "The level is met where a system can finish most of the week-long tasks, or can double the speed of our research.",
        ),
        # "even if" concedes, it sets no condition; "is permitted only" is the "may ... only" of a rule
        (
            "We will treat the level as reached if one test reaches the bar, even if other tests fall short.",
            "We will treat the level as reached if one test reaches the bar.",
        ),
        (
            "Model weights are kept encrypted and may be decrypted only inside approved clusters.",
            "Decryption of model weights, which are kept encrypted, is permitted only inside approved clusters.",
        ),
        # "no X without Y" restates "every X is subject to Y"; a practice "be subject to" is no excuse
        (
            "Tier 4 requires that every export be subject to two-person control.",
            "At Tier 4, no export takes place without two-person control.",
        ),
        # a renumbered cross-reference; "the Board receives" restated as "is provided to the Board"
        (
            "The Board receives, at least twice a year, a summary of the reports made under paragraph 8.5.",
            "At least twice a year, a summary of the reports made under paragraph 8.6 is provided to the Board.",
        ),
        # a cross-reference dropped when two sentences merge and the passive turns active
        (
            "Hillcrest shall monitor each release for abuse. The findings of the monitoring required by clause 4.2 "
            "shall be reviewed by the review team every week.",
            "Each release is monitored for abuse, and the review team reviews the findings of that monitoring every week.",
        ),
    ],
)
def test_restatements_raise_no_alarm(old, new):
    a, b = real_statements(old, new)
    change = classify_pair(a, b)
    assert change is None or change.kind == "reworded", change


def test_a_threshold_row_with_a_share_of_attempts_is_compared():
    (row,) = real_statements("| Cyber-2 | Model completes the range intrusion in 1 of 10 attempts | Security Level 3 |")
    assert carries_obligation(row)


def test_a_compound_split_into_a_phrase_covers_the_same():
    # "misuse-pattern monitoring" -> "monitoring for misuse patterns": the words moved, no scope added
    assert (
        content_reasons(
            "Tier 2 | Misuse-pattern monitoring; tool access for vetted users",
            "Tier 2 | Monitoring for misuse patterns; tool access for vetted users",
        )
        == []
    )


def test_two_sentences_merged_keep_their_modal_words():
    old = real_statements(
        "The safety officer is responsible for this policy and reports to the board.",
        "The safety officer may stop any training run that breaches this policy.",
    )
    new = real_statements(
        "The safety officer is responsible for this policy, reports to the board, and may stop any training run "
        "that breaches this policy."
    )
    changes = diff_statements(old, new)
    assert all(c.kind == "reworded" for c in changes), changes


def test_a_list_regrown_inside_its_sentence_moves_the_scope():
    a, b = real_statements(
        "We watch two hazard areas: chemical and biological weapons, and hacking.",
        "We watch two hazard areas: biological, chemical, radiological and nuclear weapons, and hacking.",
    )
    change = classify_pair(a, b)
    assert (
        change is not None
        and change.kind == "strengthened"
        and "scope added: 'radiological nuclear'" in (change.reason)
    ), change
    change = classify_pair(b, a)
    assert change is not None and change.kind == "weakened", change


def test_an_approval_moved_down_the_line_of_authority_weakens():
    old, new = real_statements(
        "The Board's Risk Committee must approve each release of a model past the warning line.",
        "The Head of Safety must approve each release of a model past the warning line.",
    )
    change = classify_pair(old, new)
    assert change is not None and change.kind == "weakened" and "approval moved down" in change.reason, change
    change = classify_pair(new, old)
    assert change is not None and change.kind == "strengthened" and "approval moved up" in change.reason, change


def test_an_item_of_a_list_of_measures_is_compared():
    # the lead-in says what a required set of safeguards consists of: each item is a measure
    from labwatch.extractors.statements.features import detect_features

    def items(*texts):
        passages = [
            Passage(k, t, kind="list_item", lead_in="Level 2 security safeguards include:") for k, t in enumerate(texts)
        ]
        return [Statement(p, f) for p, f in zip(passages, detect_features(passages))]

    old = items(
        "two-person approval for any copy of the weights;", "a yearly audit of weight storage by an outside firm."
    )
    new = items("two-person approval for any copy of the weights;")
    changes = diff_statements(old, new)
    assert [c.kind for c in changes] == ["removed"], changes
    assert "listed measure" in changes[0].reason
