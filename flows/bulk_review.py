"""`labwatch review confirm --above P` and `review undo --batch B`: bulk decisions at the terminal.

What would be confirmed is shown first (how many, their estimated precision, the best and the
weakest of them), then asked about; the decisions themselves are made by
``warehouse.bulk`` through the one review API.
"""

from __future__ import annotations

import typer

from labwatch.flows.output import err, print_json, print_table, shorten


def _plan_json(plan, lab: str | None) -> dict:
    return {
        "target": plan.target,
        "lab": lab,
        "n": plan.n,
        "estimated_precision": plan.estimated_precision,
        "expected_wrong": plan.expected_wrong,
        "without_probability": plan.without_probability,
        "items": [
            {
                "id": i["match_id"],
                "lab": i["lab"],
                "criterion_id": i["criterion_id"],
                "probability": i["probability"],
                "text": i["text"],
            }
            for i in plan.items
        ],
    }


def _show_plan(plan, shown: int = 15) -> None:
    if plan.n:
        rows = [
            [i["match_id"], i["lab"], i["criterion_id"], f"{i['probability']:.3f}", shorten(i["text"], 110)]
            for i in plan.items[:shown]
        ]
        if plan.n > shown:
            weakest = plan.items[-1]
            rows.append(["…", f"{plan.n - shown} more", "", "", ""])
            rows.append([weakest["match_id"], weakest["lab"], weakest["criterion_id"], f"{weakest['probability']:.3f}"])
            rows[-1].append(shorten(weakest["text"], 110))
        print_table(f"would confirm (probability >= {plan.target:g})", ["id", "lab", "criterion", "p", "text"], rows)
    err.print(
        f"{plan.n} undecided suggestions at probability >= {plan.target:g}"
        + (
            f"; estimated precision {plan.estimated_precision:.3f} (about {plan.expected_wrong:g} of them wrong)"
            if plan.n
            else ""
        )
        + (f"; {plan.without_probability} without a probability left out" if plan.without_probability else ""),
        markup=False,
        soft_wrap=True,
    )


def bulk_confirm(wh, target: float, reviewer: str, *, lab=None, document=None, yes=False, as_json=False) -> None:
    """Show the plan, ask (unless ``yes``), then confirm every suggestion of it."""
    from labwatch.warehouse.bulk import plan_bulk_confirm, record_bulk_confirm

    with wh.read() as con:
        plan = plan_bulk_confirm(con, target, lab=lab, document=document)
    if not as_json:
        _show_plan(plan)
    if not plan.n:
        if as_json:
            print_json({**_plan_json(plan, lab), "confirmed": 0, "batch": None})
        return
    if not yes and not typer.confirm(f"Confirm these {plan.n} suggestions as {reviewer}?", default=False, err=True):
        err.print("nothing confirmed")
        raise SystemExit(1)
    batch, n, loaded = record_bulk_confirm(wh, plan, reviewer)
    if as_json:
        print_json({**_plan_json(plan, lab), "confirmed": n, "batch": batch, "loaded": loaded})
    where = "" if loaded else " (journaled; the warehouse is busy and will load them on its next write)"
    err.print(
        f"confirmed {n} suggestions by {reviewer} (origin bulk, batch {batch}){where}; "
        f"undo one with `labwatch review undo ID --reviewer {reviewer}`, all with "
        f"`labwatch review undo --batch {batch} --reviewer {reviewer}`",
        markup=False,
        soft_wrap=True,
    )


def undo_batch(wh, batch: str, reviewer: str) -> None:
    """Withdraw every standing decision of a bulk batch."""
    from labwatch.warehouse.bulk import withdraw_batch

    n, loaded = withdraw_batch(wh, batch, reviewer)
    where = "" if loaded else " (journaled; the warehouse is busy and will load them on its next write)"
    err.print(f"withdrawn {n} decisions of bulk batch {batch} by {reviewer}{where}", markup=False)
