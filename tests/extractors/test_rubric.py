"""The rubric is data: the packaged file matches the contract, and bad files are refused clearly."""

from __future__ import annotations

import re
import textwrap

import pytest
import yaml

from labwatch.extractors.matching.rubric import RUBRIC_DIR, RubricError, list_rubrics, load_rubric, parse_rubric

CONTRACT_WEIGHTS = {
    "measuring.pretraining_assessment": 0 / 26,
    "measuring.names_capabilities": 1 / 26,
    "measuring.key_domains": 6 / 26,
    "measuring.task_details": 3 / 26,
    "measuring.elicitation_details": 6 / 26,
    "measuring.control_arguments": 4 / 26,
    "measuring.third_party_access": 6 / 26,
    "commitments.assessment_frequency": 1.0,
    "accountability.verification": 7 / 16,
    "accountability.change_control": 4 / 16,
    "accountability.concern_reporting": 3 / 16,
    "accountability.external_review": 2 / 16,
    "context.thresholds_and_responses": 0.0,
}


@pytest.fixture(scope="module")
def rubric():
    return load_rubric()


def test_packaged_rubric_has_the_contract_ids_and_weights(rubric):
    assert (rubric.id, rubric.version) == ("risk-assessment", "2026.12.1")
    assert {c.id: c.weight for c in rubric.criteria} == pytest.approx(CONTRACT_WEIGHTS)
    cats = {c.id: c for c in rubric.categories}
    assert cats["measuring"].weight == pytest.approx(0.60)
    assert cats["commitments"].weight == pytest.approx(0.15)
    assert cats["accountability"].weight == pytest.approx(0.25)
    assert cats["context"].scored is False
    assert rubric.criterion("context.thresholds_and_responses").scored is False


def test_nested_criteria_name_their_parent(rubric):
    parents = {c.id: c.parent for c in rubric.criteria if c.parent}
    assert parents == {
        "measuring.key_domains": "measuring.names_capabilities",
        "measuring.task_details": "measuring.names_capabilities",
    }


def test_every_criterion_is_described_with_exemplars_and_working_cues(rubric):
    for c in rubric.criteria:
        assert len(c.description) > 60, c.id
        assert 6 <= len(c.exemplars) <= 12, c.id
        assert len(set(c.exemplars)) == len(c.exemplars), c.id
        assert c.cues, c.id
        for cue in c.cues:
            re.compile(cue)


def test_cues_fire_on_the_signals_they_stand_for(rubric):
    def fires(cid, text):
        return any(re.search(cue, text, re.IGNORECASE) for cue in rubric.criterion(cid).cues)

    assert fires("commitments.assessment_frequency", "after each 4x step in effective compute")
    assert fires("commitments.assessment_frequency", "at least every 6 months")
    assert fires("accountability.concern_reporting", "reported anonymously")
    assert fires("accountability.concern_reporting", "our whistleblower policy")
    assert fires("measuring.elicitation_details", "with scaffolding and fine-tuning")
    assert fires("measuring.third_party_access", "independent third parties")
    assert not fires("accountability.concern_reporting", "we evaluate every 4x in compute")
    # how frameworks say their own revision is controlled, not only "changes to the policy"
    assert fires("accountability.change_control", "This policy will be reviewed and updated periodically.")
    assert fires("accountability.change_control", "We will revisit this framework as the science matures.")
    assert fires("accountability.change_control", "The framework is a living document.")
    assert not fires("accountability.change_control", "Each model is reviewed and updated before release.")


def test_to_rows_gives_one_table_row_per_criterion(rubric):
    rows = rubric.to_rows()
    assert len(rows) == 13
    row = next(r for r in rows if r["criterion_id"] == "measuring.key_domains")
    assert row["rubric"] == "risk-assessment"
    assert row["category"] == "measuring"
    assert row["category_weight"] == pytest.approx(0.6)
    assert row["weight"] == pytest.approx(6 / 26)
    assert row["parent"] == "measuring.names_capabilities"
    assert row["scored"] is True
    assert {
        "rubric",
        "criterion_id",
        "category",
        "category_weight",
        "weight",
        "parent",
        "scored",
        "description",
    } <= set(row)


SMALL = """
rubric: tiny
version: "1"
categories:
  - {id: a, weight: 0.5}
  - {id: b, weight: 0.5}
criteria:
  - {id: a.one, weight: 1/3, description: First thing, exemplars: [x], cues: ["x"]}
  - {id: a.two, weight: 2/3, parent: a.one, description: Second thing}
  - {id: b.one, weight: 1, description: Third thing}
"""


def write(tmp_path, text, name="tiny.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_a_second_rubric_loads_from_a_path_without_code_changes(tmp_path):
    r = load_rubric(write(tmp_path, SMALL))
    assert r.id == "tiny"
    assert [c.id for c in r.criteria] == ["a.one", "a.two", "b.one"]
    assert r.criterion("a.two").weight == pytest.approx(2 / 3)
    assert r.criterion("a.two").parent == "a.one"


def test_packaged_rubrics_are_listed():
    assert "risk-assessment" in list_rubrics()
    assert (RUBRIC_DIR / "risk-assessment.yaml").is_file()


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda d: d["criteria"][1].update(parent="a.zero"), "tiny.yaml: criterion a.two names unknown parent a.zero"),
        (lambda d: d["categories"][1].update(weight=0.4), "tiny.yaml: category weights add up to 0.9, expected 1"),
        (
            lambda d: d["criteria"][1].update(weight="1/3"),
            "criterion weights in category a add up to 0.666667, expected 1",
        ),
        (lambda d: d["criteria"][2].update(id="a.one"), "duplicate criterion id a.one"),
        (lambda d: d["criteria"][0].update(cues=["(unclosed"]), "criterion a.one has an invalid cue regex"),
        (lambda d: d["criteria"][0].update(weight="six"), "criterion a.one has weight 'six'"),
        (lambda d: d["criteria"][0].update(id="z.one"), "criterion z.one names unknown category z"),
        (lambda d: d.pop("version"), "tiny.yaml: missing key 'version'"),
    ],
)
def test_invalid_rubrics_are_refused_with_a_message_naming_file_and_fault(tmp_path, edit, message):
    data = yaml.safe_load(SMALL)
    edit(data)
    path = write(tmp_path, yaml.safe_dump(data))
    with pytest.raises(RubricError) as info:
        load_rubric(path)
    assert message in str(info.value)
    assert str(info.value).startswith("tiny.yaml:")


def test_unscored_category_needs_no_weights():
    data = yaml.safe_load(SMALL)
    data["categories"].append({"id": "ctx", "scored": False})
    data["criteria"].append({"id": "ctx.note", "description": "Background only"})
    r = parse_rubric(data, "tiny.yaml")
    assert r.criterion("ctx.note").scored is False


def test_missing_rubric_and_broken_yaml_are_named(tmp_path):
    with pytest.raises(RubricError, match="no-such-rubric: no such rubric file"):
        load_rubric("no-such-rubric")
    with pytest.raises(RubricError, match="broken.yaml: not valid YAML"):
        load_rubric(write(tmp_path, "rubric: [unclosed", name="broken.yaml"))
