"""The one review API every surface uses: what each decision records, and what it refuses."""

from __future__ import annotations

import pytest

from labwatch.warehouse import reviews as R
from labwatch.warehouse.exceptions import InvalidDecision

REF = R.ref_from_text("acme", "policy", "We will run evaluations every three months.", "measuring.key_domains")


def test_confirm_reject_withdraw_record_one_event_each_with_their_origin():
    (c,) = R.confirm(REF, reviewer=" ana ", credit=0.5, note="partly", origin="tui")
    assert (c.decision, c.credit, c.note, c.reviewer, c.origin, c.match_id) == (
        "confirmed",
        0.5,
        "partly",
        "ana",
        "tui",
        REF.match_id,
    )
    (r,) = R.reject(REF, reviewer="ana")
    (w,) = R.withdraw(REF, reviewer="ana", note="undo")
    assert (r.decision, w.decision, w.note) == ("rejected", "withdrawn", "undo")


def test_reassign_rejects_the_suggestion_and_confirms_the_same_statement_for_the_other_criterion():
    rejected, confirmed = R.reassign(REF, "accountability.verification", reviewer="bo", credit=1.0)
    assert (rejected.match_id, rejected.decision) == (REF.match_id, "rejected")
    assert "accountability.verification" in rejected.note
    assert confirmed.decision == "confirmed" and confirmed.criterion_id == "accountability.verification"
    assert (
        confirmed.text == REF.text
        and confirmed.match_id == R.other_criterion(REF, "accountability.verification").match_id
    )
    assert confirmed.match_id != REF.match_id


@pytest.mark.parametrize(
    "call",
    [
        lambda: R.confirm(REF, reviewer="  "),
        lambda: R.confirm(REF, reviewer="ana", credit=1.5),
        lambda: R.confirm(REF, reviewer="ana", credit=-0.1),
        lambda: R.reject(REF, reviewer=""),
        lambda: R.reassign(REF, REF.criterion_id, reviewer="ana"),
        lambda: R.reassign(REF, "", reviewer="ana"),
    ],
)
def test_a_decision_that_cannot_stand_is_refused_before_anything_is_written(call):
    with pytest.raises(InvalidDecision):
        call()


def test_an_unknown_criterion_is_named_with_the_known_ones(wh):
    with wh.read() as con:
        with pytest.raises(InvalidDecision, match="not a rubric criterion .*measuring"):
            R.check_criterion(con, "measuring.no_such_thing")
        R.check_criterion(con, "measuring.key_domains")
