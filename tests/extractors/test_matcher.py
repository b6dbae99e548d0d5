"""The matcher ranks every criterion for every passage, explains itself, and learns from reviews."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from labwatch.extractors.matching.embeddings import load_embedder
from labwatch.extractors.matching.matcher import MATCHER_VERSION, LabeledExample, Matcher
from labwatch.extractors.matching.rubric import load_rubric
from labwatch.extractors.records import Features, Passage

FIXTURE = Path(__file__).parent / "fixtures" / "matching.jsonl"

pytestmark = pytest.mark.model


@pytest.fixture(scope="session")
def embedder():
    return load_embedder("minilm")


@pytest.fixture(scope="session")
def rubric():
    return load_rubric()


@pytest.fixture(scope="module")
def matcher(rubric, embedder):
    # shared by the read-only tests; tests that learn build their own
    return Matcher(rubric, embedder)


@pytest.fixture(scope="module")
def rows():
    return [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines() if line.strip()]


def run(matcher, texts, features=None):
    passages = [Passage(seq=i, text=t) for i, t in enumerate(texts)]
    return matcher.match(passages, features, matcher.embedder.encode(texts))


def score_of(matcher, text, criterion_id):
    scores, _ = matcher.score([text], matcher.embedder.encode([text]))
    return float(scores[0, matcher.rubric.criterion_ids.index(criterion_id)])


def test_every_passage_gets_a_ranked_explained_list(matcher, rows):
    texts = [r["text"] for r in rows]
    result = run(matcher, texts)
    assert len(result) == len(texts)
    ids = {c.id for c in matcher.rubric.criteria}
    for row in result:
        assert len(row) >= 3
        assert [s.rank for s in row] == list(range(1, len(row) + 1))
        assert [s.score for s in row] == sorted((s.score for s in row), reverse=True)
        assert all(s.criterion_id in ids and s.why for s in row)
        assert len({s.criterion_id for s in row}) == len(row)
    assert MATCHER_VERSION


def test_clear_passages_rank_their_criterion_first(matcher):
    cases = {
        "Any employee can flag a breach of this policy through an anonymous channel, protected from retaliation.": "accountability.concern_reporting",
        "We repeat the full evaluation suite after every 2x increase in effective compute.": "commitments.assessment_frequency",
        "A national safety institute tests our models before launch, with fine-tuning access.": "measuring.third_party_access",
        "If a model crosses the critical threshold, we will not release it until safeguards are in place.": "context.thresholds_and_responses",
    }
    result = run(matcher, list(cases))
    for (text, expected), row in zip(cases.items(), result):
        assert row[0].criterion_id == expected, (text, row[0])
        assert row[0].suggested
        assert "cues:" in row[0].why or "exemplar" in row[0].why


def test_an_agreement_clause_giving_the_other_party_access_is_third_party_access(matcher):
    # an access agreement names the outside party by its role ("the Tester"), not as "external"
    text = "4.1 The Company shall provide the Tester with API access to each pre-release model for at least 21 days."
    (row,) = run(matcher, [text])
    assert row[0].criterion_id == "measuring.third_party_access", row[0]
    assert "cues:" in row[0].why


def test_recall_at_three_on_fixture_passages(matcher, rows):
    labeled = [r for r in rows if r["criteria"]]
    result = run(matcher, [r["text"] for r in labeled])
    shares = [
        len(set(r["criteria"]) & {s.criterion_id for s in row[:3]}) / len(r["criteria"])
        for r, row in zip(labeled, result)
    ]
    assert np.mean(shares) >= 0.85


def test_off_topic_passages_get_no_suggestion(matcher, rows):
    off = [r["text"] for r in rows if not r["criteria"]]
    result = run(matcher, off)
    flagged = [t for t, row in zip(off, result) if any(s.suggested for s in row)]
    assert len(flagged) <= 1, flagged


def test_disclosures_are_matched_even_when_not_commitments(matcher):
    text = "Cyber level 2: the model can find and exploit unknown flaws in hardened systems without human help."
    none = Features(is_commitment=False, strength="none", category="description")
    row = run(matcher, [text], [none])[0]
    assert any(s.suggested and s.criterion_id == "measuring.key_domains" for s in row)


def test_commitment_feature_is_a_mild_prior_not_a_filter(matcher):
    text = "We give outside evaluators access to our models before deployment."
    firm = Features(is_commitment=True, strength="firm", category="commitment")
    desc = Features(is_commitment=False, strength="none", category="description")
    a = run(matcher, [text], [firm])[0]
    b = run(matcher, [text], [desc])[0]
    assert a[0].criterion_id == b[0].criterion_id
    assert 0 < a[0].score - b[0].score <= 0.05


def test_context_texts_carry_heading_lead_in_and_previous_sentence(matcher):
    p = Passage(
        seq=3,
        text="the board, every quarter",
        section=("Governance", "Reporting"),
        lead_in="We report to:",
        context="Reports are written by the safety team.",
    )
    assert matcher.context_texts([p, Passage(seq=4, text="alone")]) == [
        "Reporting | We report to: | Reports are written by the safety team.",
        "",
    ]
    row = matcher.match([p], None, matcher.embedder.encode([p.text]))[0]
    assert row


def test_confirmed_reviews_become_exemplars(rubric, embedder):
    target = "accountability.external_review"
    probe = "A consultancy we hire reads our safety handbook and tells the public whether we follow it."
    before = Matcher(rubric, embedder)
    after = Matcher(rubric, embedder)
    after.learn(
        [
            LabeledExample(
                "An outside consultancy inspects whether we follow our safety handbook and publishes its verdict.",
                target,
                True,
            ),
            LabeledExample(
                "Each year a hired firm checks our compliance with the handbook and makes its findings public.",
                target,
                True,
            ),
            LabeledExample(
                "We commissioned an outside assessment of our practices and released the findings online.", target, True
            ),
        ]
    )
    assert score_of(after, probe, target) > score_of(before, probe, target) + 0.03
    top = run(after, [probe])[0][0]
    assert top.criterion_id == target and "learned example" in top.why


def test_rejected_reviews_push_near_misses_down(rubric, embedder):
    target = "measuring.third_party_access"
    text = "Our external partners get early access to new model features for product feedback."
    probe = "External partners receive early product previews so they can give feedback."
    m = Matcher(rubric, embedder)
    before = score_of(m, probe, target)
    m.learn([LabeledExample(text, target, False)])
    assert score_of(m, probe, target) < before - 0.03


def test_learning_ignores_unknown_criteria_and_empty_input(matcher):
    matcher.learn([])
    matcher.learn([LabeledExample("text", "no.such.criterion", True)])
    assert matcher.n_learned == 0


def test_mismatched_vectors_are_an_error(matcher):
    with pytest.raises(ValueError, match="2 passages but 1 vectors"):
        matcher.match([Passage(0, "a"), Passage(1, "b")], None, np.zeros((1, 384), np.float32))


def _reviews(rows, criteria_of):
    """Decisions on the fixture passages, grouped by lab: criteria_of(row) confirmed, and for
    a passage with none, measuring.task_details rejected (so it counts as judged empty)."""
    out = []
    for r in rows:
        confirmed = criteria_of(r)
        out += [LabeledExample(r["text"], c, True, group=r["lab"]) for c in confirmed]
        if not confirmed:
            out.append(LabeledExample(r["text"], "measuring.task_details", False, group=r["lab"]))
    return out


LOW_BAR = dict(min_confirmed_for_model=10, min_passages_for_model=15, min_groups_for_model=3)


def test_a_learned_scorer_is_chosen_only_where_it_beats_the_rubric_leave_one_lab_out(rubric, embedder, rows):
    from labwatch.extractors.matching.matcher import MatcherConfig

    m = Matcher(rubric, embedder, MatcherConfig(**LOW_BAR))
    m.learn(_reviews(rows, lambda r: r["criteria"]))
    report = m.choice_report
    assert set(report) == {"rubric", "exemplars", "model"}
    chosen, base = report[m.choice], report["rubric"]
    assert chosen["f1"] >= base["f1"]
    assert chosen["false_match_rate"] <= base["false_match_rate"] + 0.01
    assert m.calibration.fitted_on == len(rows)  # thresholds come from the reviews, not the defaults


def test_reviews_that_contradict_the_rubric_do_not_take_over(rubric, embedder, rows):
    # Reviewers who confirm an unrelated criterion for every passage: no learned scorer can
    # beat the rubric on other labs' passages, so the rubric keeps deciding.
    from labwatch.extractors.matching.matcher import MatcherConfig

    ids = rubric.criterion_ids
    m = Matcher(rubric, embedder, MatcherConfig(**LOW_BAR))
    m.learn(_reviews(rows, lambda r: [ids[(ids.index(r["criteria"][0]) + 5) % len(ids)]] if r["criteria"] else []))
    assert m.choice == "rubric", m.choice_report
    # the reviewed statements themselves still carry their decisions when seen again
    text = rows[0]["text"]
    wrong = ids[(ids.index(rows[0]["criteria"][0]) + 5) % len(ids)]
    assert run(m, [text])[0][0].criterion_id == wrong


def test_few_reviews_count_as_exemplars_under_default_thresholds(rubric, embedder, rows):
    m = Matcher(rubric, embedder)
    m.learn(_reviews(rows[:6], lambda r: r["criteria"]))
    assert m.choice == "exemplars" and m.calibration == m.default_calibration


def test_why_names_the_words_a_cue_found_not_its_pattern(matcher):
    import re

    text = "We run a cyber evaluation suite of capture-the-flag tasks before each release."
    [row] = run(matcher, [text])
    whys = [s.why for s in row if "cues:" in s.why]
    assert whys, [s.why for s in row]
    for why in whys:
        found = re.findall(r"'([^']+)'", why.split("cues: ", 1)[1])
        assert found and all(f.lower() in text.lower() for f in found), why  # the passage's own words
