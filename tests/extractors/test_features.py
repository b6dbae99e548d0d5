"""Commitment features: accuracy on labeled passages and the behaviours reviewers rely on."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labwatch.extractors.records import Passage
from labwatch.extractors.statements.features import FEATURES_VERSION, detect_features, detect_text

FIXTURE = Path(__file__).parent / "fixtures" / "commitments.jsonl"
# the real dev passages sit in shared/ beside the repository; absent on a user's clone (then the test skips)
DEV = Path(__file__).resolve().parents[3] / "shared" / "eval" / "dev.jsonl"


def f1_of(path: Path) -> tuple[float, list[str]]:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    feats = detect_text([r["text"] for r in rows])
    tp = sum(r["is_commitment"] and f.is_commitment for r, f in zip(rows, feats))
    fp = sum(not r["is_commitment"] and f.is_commitment for r, f in zip(rows, feats))
    fn = sum(r["is_commitment"] and not f.is_commitment for r, f in zip(rows, feats))
    wrong = [r["id"] for r, f in zip(rows, feats) if r["is_commitment"] != f.is_commitment]
    return 2 * tp / max(2 * tp + fp + fn, 1), wrong


def one(text: str):
    return detect_text([text])[0]


def test_fixture_commitment_f1_floor():
    # measured 0.974 (2 misses of 91); the floor leaves room for rule changes, not for regressions
    f1, wrong = f1_of(FIXTURE)
    assert f1 >= 0.93, wrong


@pytest.mark.skipif(not DEV.exists(), reason="shared dev set not available")
def test_dev_set_commitment_f1_floor():
    # measured 0.901 on the 99 real passages (P 0.854, R 0.953)
    f1, wrong = f1_of(DEV)
    assert f1 >= 0.86, wrong


def test_fixture_covers_every_category():
    rows = [json.loads(line) for line in FIXTURE.read_text().splitlines() if line.strip()]
    cats = {f.category for f in detect_text([r["text"] for r in rows])}
    assert cats == {"commitment", "hedge", "description", "recommendation"}
    assert len(rows) >= 80


@pytest.mark.parametrize(
    "text, modality",
    [
        ("We will publish a capability report for every frontier model.", "will"),
        ("Borealis Labs shall notify the board within two days.", "shall"),
        ("Every policy change must be approved by the board.", "must"),
        ("We commit to independent audits of our evaluations.", "commit"),
    ],
)
def test_firm_modals_with_the_lab_as_subject_are_commitments(text, modality):
    f = one(text)
    assert f.is_commitment and f.strength == "firm" and f.category == "commitment"
    assert f.modality == modality and modality in f.why


def test_passive_and_present_tense_practice_are_commitments():
    passive = one("Models will be evaluated before each external deployment.")
    practice = one("We conduct a risk assessment before each deployment.")
    assert passive.is_commitment and "passive" in passive.why
    assert practice.is_commitment and "conduct" in practice.modality


@pytest.mark.parametrize(
    "text, verb",
    [
        ("qAI evaluates its models on public benchmarks before each release.", "evaluates"),
        ("To measure risk transparently, qAI utilizes public benchmarks.", "utilizes"),
        ("NorthWind\u2019s models refuse requests that show intent to cause mass harm.", "refuse"),
        ("qAI works with government bodies and academic researchers to find bottlenecks.", "works"),
        ("qAI references standards such as the Open Safety Charter and shared audit guides.", "references"),
        ("qAI adheres to the incident rules of its national regulator.", "adheres"),
    ],
)
def test_a_lab_named_with_inner_capitals_states_its_own_practice(text, verb):
    # "xAI", "OpenAI", "DeepMind": a name that no sentence start explains is the lab speaking
    f = one(text)
    assert f.is_commitment and f.strength == "firm" and verb in f.modality, f


def test_a_capitalised_first_word_alone_is_not_taken_for_the_lab():
    assert not one("Attackers use jailbreaks to remove safeguards.").is_commitment


@pytest.mark.parametrize(
    "text, word",
    [
        ("We aim to evaluate models every six months.", "aim"),
        ("We intend to involve outside experts.", "intend"),
        ("We may share results with partners.", "may"),
        ("We typically red-team models before launch.", "typically"),
        ("Our goal is to detect dangerous capabilities early.", "goal"),
        ("We will also explore ways to give researchers access.", "explore"),
    ],
)
def test_aims_and_hedges_are_hedged_not_commitments(text, word):
    f = one(text)
    assert not f.is_commitment and f.strength == "hedged" and f.category == "hedge"
    assert word in f.modality


@pytest.mark.parametrize(
    "text",
    [
        "The model may attempt to deceive its evaluators.",
        "Attackers could use open models to write malware.",
        "AI at this level will be capable of finding new vulnerabilities.",
    ],
)
def test_what_models_and_attackers_might_do_is_description_not_hedge(text):
    f = one(text)
    assert not f.is_commitment and f.category == "description" and f.strength == "none"


@pytest.mark.parametrize(
    "text",
    [
        "Effective compute is a measure that combines compute with algorithmic progress.",
        "Critical capability level: the point at which a model can run a cyberattack unaided.",
        "We believe transparency builds trust.",
    ],
)
def test_definitions_and_beliefs_are_descriptions(text):
    f = one(text)
    assert not f.is_commitment and f.category == "description"


@pytest.mark.parametrize(
    "text",
    [
        "Labs should share information about dangerous capabilities.",
        "Developers ought to commission external audits.",
        "Frontier developers must secure their model weights.",
    ],
)
def test_recommendations_to_others_are_not_commitments(text):
    f = one(text)
    assert not f.is_commitment and f.category == "recommendation"


def test_negation_is_flagged_on_commitments():
    f = one("If a model crosses the threshold, we will not deploy it.")
    assert f.is_commitment and f.negated and f.modality == "will not"
    assert one("We never release weights of covered models.").negated
    assert not one("We will deploy the model after review.").negated


def test_conditions_and_triggers_are_short_phrases():
    f = one(
        "If a threshold is reached, we will pause training until safeguards are ready, "
        "and we will re-evaluate prior to release unless the board decides otherwise."
    )
    assert f.conditions[0] == "If a threshold is reached"
    assert "until safeguards are ready" in f.conditions
    assert any(c.startswith("prior to release") for c in f.conditions)
    assert any(c.startswith("unless the board") for c in f.conditions)
    assert "before each deployment" in one("We test models before each deployment.").conditions


def test_numbers_are_normalised():
    f = one(
        "We will evaluate after every 4x increase in effective compute, every six months, "
        "and within 30 days of release, keeping the refusal failure rate under 1%."
    )
    assert f.numbers == ("4x effective compute", "every 6 months", "30 days", "1%")
    assert one("Results are reported quarterly.").numbers == ("every 3 months",)
    assert one("Models are re-tested every 3 months.").numbers == ("every 3 months",)


def _item(text: str, lead_in: str | None, seq: int = 1) -> Passage:
    return Passage(seq=seq, text=text, kind="list_item", lead_in=lead_in)


def test_list_items_inherit_the_modality_of_their_lead_in():
    firm, hedged, own = detect_features(
        [
            _item("(a) an evaluation of cyber capabilities every 3 months", "We will carry out:"),
            _item("(b) an evaluation of cyber capabilities every 3 months", "We may carry out:"),
            _item("(c) we may also publish the results", "We will:"),
        ]
    )
    assert firm.is_commitment and firm.modality == "will" and "lead-in" in firm.why
    assert firm.numbers == ("every 3 months",)
    assert not hedged.is_commitment and hedged.strength == "hedged"
    assert not own.is_commitment and own.modality == "may"  # its own cue wins


def test_multi_sentence_passage_is_one_unit():
    f = one("Capability elicitation is hard. We therefore give evaluators a large compute budget.")
    assert f.is_commitment
    g = one("We aim to forecast risks. We also hope to share the forecasts.")
    assert not g.is_commitment and g.category == "hedge"


def test_odd_input_gives_features_not_errors():
    feats = detect_text(["", "   ", "12345", "日本語のテキストです。", "•", "will will will", "?" * 50])
    assert len(feats) == 7
    assert all(isinstance(f.is_commitment, bool) and f.why for f in feats)
    assert detect_features([]) == [] and detect_text([]) == []


def test_version_is_recorded():
    assert isinstance(FEATURES_VERSION, str) and FEATURES_VERSION


@pytest.mark.slow
def test_segmentation_and_features_keep_pace_with_the_embedder():
    from labwatch.extractors.records import Block, ParsedDocument
    from labwatch.extractors.statements.segmentation import segment_many

    sentences = [
        f"Model {i} will be evaluated by the board every {i % 9 + 1} months, e.g. before "
        f"release. We may share results with partners if the risk is low."
        for i in range(600)
    ]
    text = "\n\n".join(sentences)
    blocks, pos = [], 0
    for s in sentences:
        blocks.append(Block(text=s, start=pos, end=pos + len(s)))
        pos += len(s) + 2
    doc = ParsedDocument(text=text, blocks=tuple(blocks), format="text", parser="test")
    segment_many([doc])  # warm up
    t0 = time.perf_counter()
    passages = segment_many([doc])[0]
    detect_features(passages)
    rate = len(passages) / (time.perf_counter() - t0)
    assert len(passages) == 1200
    assert rate >= 750, f"{rate:.0f} passages/s"  # measured ~3,000/s; 2 shared cores


@pytest.mark.parametrize(
    "text",
    [
        "In this section, we describe the thresholds that trigger a review.",
        "As we develop more capable models, security becomes more important.",
        "Third parties will likely discover new jailbreaks after release.",
        "For example, an evaluator must give the model a code interpreter.",
        "Because these thresholds are exploratory, we do not yet tie them to responses.",
    ],
)
def test_document_talk_subordinate_practice_predictions_and_examples_are_not_commitments(text):
    assert not one(text).is_commitment


def test_a_note_can_still_carry_the_labs_own_commitment():
    assert one("Note: we will publish the evaluation results within 30 days.").is_commitment


def test_an_imperative_item_takes_a_hedged_lead_in():
    hedged, firm = detect_features(
        [
            _item("Share benchmark results with partners.", "We may do the following:"),
            _item("Share benchmark results with partners.", "We will do the following:"),
        ]
    )
    assert not hedged.is_commitment and hedged.modality == "may"
    assert firm.is_commitment and firm.modality == "will"


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(max_size=200), max_size=5))
def test_any_text_gives_one_features_record_each(texts):
    feats = detect_text(texts)
    assert len(feats) == len(texts)
    for f in feats:
        assert f.strength in {"firm", "hedged", "none"}
        assert f.category in {"commitment", "hedge", "description", "recommendation"}
        assert f.is_commitment == (f.category == "commitment")


def test_a_clause_of_the_lab_after_a_semicolon_is_decided_on_its_own():
    # a hedge in the first clause does not govern a firm promise after the semicolon
    f = one("We may revise the list of tests; we will publish any material change within a month.")
    assert f.is_commitment and f.modality == "will", f
    assert not one("We may revise the list of tests; this list is not complete.").is_commitment


@pytest.mark.parametrize(
    "text, committed",
    [
        ("Our first safeguard is to screen requests for weapons content.", True),
        ("Our approach is to test every model before release.", True),
        ("Our goal is to reduce severe risks.", False),  # a goal, not a practice
        ("Our mission is to understand the universe.", False),
        ("The purpose of this section is to describe our tests.", False),
    ],
)
def test_our_practice_stated_as_what_it_is_to_do(text, committed):
    assert one(text).is_commitment is committed, one(text)


@pytest.mark.parametrize(
    ("text", "committed"),
    [
        # the lab, or its people, having a measure in place is its stated practice
        ("We have a dedicated team that reviews every release.", True),
        ("Northwind employees have protections against retaliation when they raise concerns.", True),
        # perfect tense, a disclaimer, and the world having something are not
        ("We have no plans to release model weights.", False),
        ("Models have dangerous capabilities in some domains.", False),
        ("Many labs have whistleblower policies.", False),
        # what the lab's own approach consists of is its practice; someone else's is not
        ("Our approach to security focuses on insider threats.", True),
        ("NorthWind's practice on oversight centers around audits by an outside firm.", True),
        ("The field's approach focuses on benchmarks.", False),
        # under a label naming one of its measures, the passive present is the measure itself
        ("Weight Safeguards: Weights are kept on servers that only two staff can reach.", True),
        ("Background: Models are trained on large datasets from the internet.", False),
        ("Models are trained on large datasets from the internet.", False),
    ],
)
def test_measures_the_lab_has_in_place_are_its_practice(text, committed):
    f = one(text)
    assert f.is_commitment is committed, f.why


@pytest.mark.parametrize(
    ("text", "committed"),
    [
        # a law's or a standard's words, quoted: their modals are not the lab's
        (
            "The Act defines a severe incident as “an event in which a developer's release, hosting, or use of "
            "a model will cause harm to more than 50 people”.",
            False,
        ),
        # the lab quoting itself, and a short quote that is only a name, stay the lab's
        ('Our policy says: "we will pause training if a model crosses a critical threshold".', True),
        ("We will publish a “system card” for every model.", True),
    ],
)
def test_a_long_quotation_is_someone_elses_words(text, committed):
    f = one(text)
    assert f.is_commitment is committed, f.why


@pytest.mark.parametrize(
    ("text", "committed"),
    [
        # the other party's duties under an agreement are not the lab's ...
        ("2.4 The Tester shall return or destroy all prompts supplied by the Lab when the engagement ends.", False),
        ("The Contractor must notify the Lab of any security incident within 48 hours.", False),
        # ... but what it is given is, and so is the lab's own clause beside the other party's
        ("The Tester shall receive access to each checkpoint at least 20 days before release.", True),
        ("Qualified Evaluators will be given API access to every frontier model before launch.", True),
        (
            "The Contractor shall keep a log of its tests, and the Lab shall give it the logs of its own runs.",
            True,
        ),
        # a document's own term, and wordings quoted as wordings, are no practice
        ("This Agreement shall remain in force for three years unless ended earlier by either party.", False),
        ("v2.1 Changed: 'will publish within 30 days' -> 'aims to publish within 60 days'.", False),
        ("We replaced \u2018must pause\u2019 with \u2018may pause\u2019 in section 4.", False),
        # the lab's own "will" after a quoted word still binds it
        ("We will publish a 'model card' for every release.", True),
        # the lab's own document sets a rule; an agreement requiring the other party does not bind the lab
        ("This policy requires that every model be evaluated before release.", True),
        ("The safety case requires that the uplift trial be repeated whenever the model is fine-tuned.", True),
        ("This Agreement requires the Tester to delete all outputs when access ends.", False),
    ],
)
def test_other_parties_duties_document_terms_and_quoted_wordings(text, committed):
    f = one(text)
    assert f.is_commitment is committed, f.why


def test_once_a_year_is_a_frequency_not_a_condition():
    assert one("We will review this policy at least once a year.").conditions == ()
    assert one("Once a model crosses a threshold, we will pause training.").conditions


@pytest.mark.parametrize(
    ("text", "committed"),
    [
        # a verb right after a preposition is a noun ("in use", "for review"): no practice
        ("Governing the Atlas models presents new problems compared with the practices in use at older firms.", False),
        ("The safety team reviews every model before release.", True),
        # a feasibility proviso keeps the lab's judgement of whether to act: a hedge
        ("Where feasible, Orrin will rotate signing keys before each release.", False),
        ("We will brief the board on every red-team finding to the extent practicable.", False),
        ("We will brief the board on every red-team finding.", True),
        # the document speaking of itself
        ("The purpose of this framework is to set the rules by which Orrin tests and releases models.", False),
        ("Nothing in this policy shall be construed to oblige Orrin to share source code.", False),
        ("This policy shall be governed by the laws of the Province of Quebec.", False),
        ("Purpose: this policy sets out how Orrin weighs the hazards of its models.", False),
        # practice the vocabulary or the subject's number used to hide
        ("The OrrinAI safety team participates in two working groups on evaluation methods.", True),
        ("All staff with access to model weights complete a security course each year.", True),
        ("Before launch: - Run the misuse suite on the release candidate.", True),
        # a lab's one-word name before a verb of practice: capitals alone cannot tell it from
        # a common noun at the start of a sentence
        ("Orrin reviews every checkpoint before release.", True),
        ("Orrin participates in two working groups on evaluation methods.", True),
        # a common noun there is no name
        ("Resilience requires more than one kind of safeguard.", False),
        ("Research shows that models can mislead their users.", False),
        # a section number before the subject is no part of it
        ("8.1 Orrin participates in two working groups on evaluation methods.", True),
        # a hyphenated participle is still a passive: a duty, not a prediction about models
        ("1.3 Released models will be re-assessed at least every 90 days.", True),
        # a quoted term and its meaning, under a Definitions heading or not
        ("6.1 Definitions. 'Uplift': training a novice to do what only experts could do before.", False),
        ("“Elicitation”: drawing out the most a model can do, by prompting and fine-tuning.", False),
        # features-7:
        # a document part saying what it holds, or pointing to another part
        ("Annex B reports the scores of the autonomy suite on the release checkpoint.", False),
        ("The detailed findings of both testers are attached as Annex C.", False),
        # a past passive is a report, whatever verb form follows the auxiliary
        ("All runs were scored by two graders working independently.", False),
        # a passive present on a stated schedule is a procedure kept by someone
        ("Released systems are re-tested at least every 60 days.", True),
        ("Released systems are popular with developers.", False),
        # a permission first does not soften the lab's own firm promise after it
        ("Contractors may raise a concern with any manager, and Orrin shall keep every such report on file.", True),
        ("Contractors may raise a concern with any manager, and managers may forward it.", False),
        # a table row: the first cell names the row; a later cell opening with an imperative
        # is the row's required response
        (
            "Severe: model theft | Revoke all external weight access; brief the board within 12 hours | Not reached",
            True,
        ),
        ("Sandbox escape | 3 of 40 attempts succeeded", False),
        ("Track record | Quarterly", False),
        # governing law in the present tense, and a savings clause
        ("This Framework is governed by the laws of Ontario.", False),
        ("9.3 Nothing in this Policy restricts a person from contacting a regulator.", False),
        # features-8: a question put to the lab is the asker's imperative; only the answer is read
        (
            "Q4. Describe how often models are tested. Response: Each model is tested every quarter by our red team.",
            True,
        ),
        ("Q2. Identify the models in scope. Response: This filing covers the Aster series of models.", False),
        ("Question 5: State the review process. Answer: We will submit each framework change to the board.", True),
        # an arrow parts a condition from its required response, as a table cell does
        ("Severe autonomy → pause training and notify the board", True),
        ("Capabilities → risks → mitigations", False),
        # a negated imperative is a prohibition in force
        ("Never release a model above a critical level.", True),
        ("Do not deploy without the safety case.", True),
        ("Never before has a model scored so high.", False),
        # an absence disclosed is no practice; a negated practice in force still is one
        ("Brackwater does not currently run a pre-training forecast.", False),
        ("We do not deploy models above a critical level.", True),
        # features-9: a stance word used as a noun ("the plan is reviewed") is no hedge; a passive
        # present on a schedule or a deadline is a procedure; "No X is deployed until" a prohibition
        ("The plan is reviewed at least every 12 months.", True),
        ("Our plan is to publish a report.", False),
        ("A deployed model is evaluated anew no less than once per quarter.", True),
        ("If a filter is found to be bypassed, the affected capability is restricted within 48 hours.", True),
        ("Larger models are generally considered more capable.", False),
        ("No model is deployed until the audit is signed off.", True),
        ("No method is perfect.", False),
        # the lab's measures in force, listed
        ("Our security controls include encryption at rest and logged access.", True),
        ("The safeguards applied to each release include input classifiers.", True),
        ("Possible mitigations include rate limits and output filters.", False),
        # an FAQ's question heading asks and commits to nothing; its answer is read
        ("Does Brackwater test every model before launch?", False),
        ("How often do you test? Our red team spends two weeks on every release candidate.", True),
        ("I found a jailbreak. Where do I send it?", False),
        # a label that names a list by what the lab does with it ("Areas we evaluate:")
        ("Domains we track: cyber offence; autonomous replication.", False),
        ("What we do: we test every model before release.", True),
        ("2.1 We track three risk domains: cyber offence; autonomous replication.", True),
        # "need approval" states a requirement; a level "reached when" is defined, not promised
        ("Exceptions need sign-off from the safety board.", True),
        ("We need better evaluations of persuasion.", False),
        ("The red line is crossed when a model can run a cyberattack end to end.", False),
        # an opening clause without its comma: the lab's "we" after it opens the main clause
        ("Before launch we evaluate every change made to the candidate.", True),
        ("If a model crosses the line we will pause training.", True),
        ("If we find a flaw we may publish it.", False),
        # a slide's shorthand: a schedule, a minimum, a sign-off or a gate states a practice; a bare
        # list of domains, a result, or a table row's label does not
        ("Red-team window: outside testers, 21 days min., tool access included", True),
        ("Tabletop drills twice a year, legal team included", True),
        ("Weight copies: 2-person rule for any export", True),
        ("Tracked areas: cyber offence; bio uplift; autonomy", False),
        ("Our current reading points to at least three threat models of concern.", False),
        ("Review cycle | Quarterly", False),
        # RFC-style keywords: SHOULD recommends, MUST binds; a conventions clause is how the text is read
        ("REQ-EXT-09: Outside testers SHOULD be offered sandbox access through the test API.", False),
        ("REQ-EXT-01: Outside testers MUST be offered sandbox access.", True),
        ("3. Conventions. The key words MUST and SHOULD in this standard are to be interpreted as in RFC 2119.", False),
        # the document presenting itself, disclaiming, or an opinion; an absence "at present"
        ("Acme Ltd. submits this response to Part 2 of the questionnaire.", False),
        ("For the avoidance of doubt, nothing in this response creates legal obligations.", False),
        ("In the Company's view, rules set by a single developer are unlikely to be enough.", False),
        ("Acme does not at present give outside parties access to model weights.", False),
        # someone else's attempt does not soften the lab's own firm clause; the lab's own hedge still does
        ("Outside testers will try to jailbreak the model, and we will publish what they find.", True),
        ("We will try to publish, and we will notify the board.", False),
    ],
)
def test_features_6_and_7_reading_rules(text, committed):
    f = one(text)
    assert f.is_commitment is committed, f.why
