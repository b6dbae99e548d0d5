"""`labwatch review`: the queue, and decisions one by one or in bulk."""

from __future__ import annotations

from pathlib import Path

import typer

from labwatch.flows.commands.base import DB_OPT, Fmt, domain_errors, known_lab, open_warehouse, resolve_db, sync_journal
from labwatch.flows.output import err, fail, print_json, print_table, shorten

review_app = typer.Typer(
    add_completion=False,
    rich_markup_mode=None,
    help="Review suggested matches (list, confirm, reject, undo); without a sub-command, an interactive queue.\n\n\b\nExample: labwatch review --db data/demo.duckdb --reviewer ana",
)


# ------------------------------------------------------------------------------------ review
@review_app.callback(invoke_without_command=True)
def review_main(
    ctx: typer.Context,
    db: Path | None = DB_OPT,
    reviewer: str | None = typer.Option(None, "--reviewer", help="Your name (asked once if missing)."),
):
    """Interactive terminal queue when called without a sub-command.

    \b
    Example: labwatch review --db data/demo.duckdb --reviewer ana
    """
    if ctx.invoked_subcommand is not None:
        return
    from labwatch.flows.review_tui import interactive_review

    domain_errors(interactive_review)(open_warehouse(resolve_db(db)), reviewer)


@review_app.command("list")
@domain_errors
def review_list(
    ctx: typer.Context,
    lab: str | None = typer.Option(None, "--lab"),
    criterion: str | None = typer.Option(None, "--criterion"),
    document: str | None = typer.Option(None, "--document"),
    limit: int = typer.Option(50, "--limit", help="At most this many (0: all)."),
    db: Path | None = DB_OPT,
    fmt: Fmt = typer.Option(Fmt.table, "--format"),
):
    """Undecided suggestions, best first.

    \b
    Example: labwatch review list --db data/demo.duckdb --lab brackenridge-labs --format json
    """
    from labwatch.warehouse.queries import review_queue

    if limit < 0:
        fail(f"--limit {limit}: must be 0 (all) or more")
    wh = open_warehouse(resolve_db(_group_db(ctx, db)))
    sync_journal(wh)
    with wh.read() as con:
        known_lab(con, lab)
        items = review_queue(con, lab=lab, criterion=criterion, document=document, limit=limit or None)
    if fmt == Fmt.json:
        print_json(
            {
                "items": [
                    {
                        "id": i["match_id"],
                        "lab": i["lab"],
                        "document_id": i["document_id"],
                        "criterion_id": i["criterion_id"],
                        "score": round(i["score"], 4),
                        "probability": i["probability"],  # chance it is right (None: no map yet)
                        "text": i["text"],
                        "why": i["why"],
                        "version_id": i["version_id"],
                        "statement_id": i["statement_id"],
                        "page": i["page"],
                        "section": i["section"],
                        "next_best": [
                            {"criterion_id": o["criterion_id"], "score": round(o["score"], 4)} for o in i["next_best"]
                        ],
                        "previous": i.get("previous"),  # the old decision, when the lab changed this text
                    }
                    for i in items
                ]
            }
        )
        return
    print_table(
        f"{len(items)} suggestions",
        ["id", "lab", "criterion", "score", "p", "text", "why"],
        [
            [
                i["match_id"],
                i["lab"],
                i["criterion_id"],
                f"{i['score']:.2f}",
                "" if i["probability"] is None else f"{i['probability']:.2f}",
                shorten(i["text"], 160),
                shorten(i["why"], 80),
            ]
            for i in items
        ],
        wrap=("text",),
    )


def _group_db(ctx: typer.Context, db: Path | None) -> Path | None:
    """A review sub-command's --db, else the one given to the group (`labwatch review --db X list`)."""
    if db is not None or ctx.parent is None:
        return db
    return ctx.parent.params.get("db")


def _decide(
    match_id: str, reviewer: str, decision: str, db: Path | None, *, credit=None, criterion=None, note=None
) -> None:
    from labwatch.warehouse import reviews as R

    if not reviewer.strip():
        fail("--reviewer must not be empty")
    if credit is not None and not 0 <= credit <= 1:
        fail(f"--credit {credit} is outside 0..1")
    wh = open_warehouse(resolve_db(db))
    with wh.read() as con:
        ref = R.resolve_match(con, match_id)
        if criterion:
            R.check_criterion(con, criterion)
        if decision == "withdrawn" and R.standing_decision(con, match_id) is None:
            fail(f"{match_id}: no decision to undo")
    if criterion and criterion != ref.criterion_id:
        events = R.reassign(ref, criterion, reviewer=reviewer, credit=credit, note=note)
        ref = R.other_criterion(ref, criterion)
    elif decision == "confirmed":
        events = R.confirm(ref, reviewer=reviewer, credit=credit, note=note)
    elif decision == "rejected":
        events = R.reject(ref, reviewer=reviewer, note=note)
    else:
        events = R.withdraw(ref, reviewer=reviewer)
    loaded = R.record_events(wh, events)
    where = "" if loaded else " (journaled; the warehouse is busy and will load it on its next write)"
    err.print(f"{decision} {ref.match_id} [{ref.criterion_id}] by {reviewer}{where}", markup=False)


@review_app.command("confirm")
@domain_errors
def review_confirm(
    ctx: typer.Context,
    match_id: str | None = typer.Argument(None, help="A match id from `labwatch review list`."),
    reviewer: str = typer.Option(..., "--reviewer"),
    credit: float | None = typer.Option(None, "--credit", help="Partial credit 0..1 (default 1)."),
    criterion: str | None = typer.Option(None, "--criterion", help="Confirm for another criterion instead."),
    note: str | None = typer.Option(None, "--note"),
    above: float | None = typer.Option(
        None, "--above", help="Bulk: every undecided suggestion whose probability is at least P (target precision)."
    ),
    bulk: bool = typer.Option(
        False, "--bulk", help="Bulk at the default target precision, 0.95 (same as --above 0.95)."
    ),
    lab: str | None = typer.Option(None, "--lab", help="Bulk: only this lab's suggestions."),
    document: str | None = typer.Option(None, "--document", help="Bulk: only this document's suggestions."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Bulk: do not ask before confirming."),
    db: Path | None = DB_OPT,
    fmt: Fmt = typer.Option(Fmt.table, "--format", help="Bulk: json prints what was (or would be) confirmed."),
):
    """Confirm a suggestion (optionally for another criterion, or with partial credit), or in bulk
    every undecided suggestion whose probability is at least a target precision.

    \b
    Example: labwatch review confirm m_1a2b3c --reviewer ana --credit 0.5 --note "quarterly, internal only"
    Example: labwatch review confirm --above 0.95 --reviewer ana --db data/demo.duckdb   (shows how many, asks)
    """
    if above is None and not bulk:
        if match_id is None:
            fail("give a match id (see `labwatch review list`), or --above P / --bulk to confirm in bulk")
        _decide(match_id, reviewer, "confirmed", _group_db(ctx, db), credit=credit, criterion=criterion, note=note)
        return
    from labwatch.flows.bulk_review import bulk_confirm
    from labwatch.warehouse.bulk import DEFAULT_TARGET

    if match_id is not None or credit is not None or criterion or note:
        fail("--above/--bulk confirm every suggestion at the target; drop the match id, --credit, --criterion, --note")
    if not reviewer.strip():
        fail("--reviewer must not be empty")
    target = DEFAULT_TARGET if above is None else above
    if not 0 < target <= 1:
        fail(f"--above {target}: a target precision must be above 0 and at most 1")
    wh = open_warehouse(resolve_db(_group_db(ctx, db)))
    sync_journal(wh)
    with wh.read() as con:
        known_lab(con, lab)
    bulk_confirm(wh, target, reviewer.strip(), lab=lab, document=document, yes=yes, as_json=fmt == Fmt.json)


@review_app.command("reject")
@domain_errors
def review_reject(
    ctx: typer.Context,
    match_id: str = typer.Argument(...),
    reviewer: str = typer.Option(..., "--reviewer"),
    note: str | None = typer.Option(None, "--note"),
    db: Path | None = DB_OPT,
):
    """Reject a suggestion.

    \b
    Example: labwatch review reject m_1a2b3c --reviewer ana --note "describes risks, no practice"
    """
    _decide(match_id, reviewer, "rejected", _group_db(ctx, db), note=note)


@review_app.command("undo")
@domain_errors
def review_undo(
    ctx: typer.Context,
    match_id: str | None = typer.Argument(None),
    reviewer: str = typer.Option(..., "--reviewer"),
    batch: str | None = typer.Option(None, "--batch", help="Withdraw every standing decision of a bulk batch."),
    db: Path | None = DB_OPT,
):
    """Withdraw the latest decision on a match (recorded as an event too), or a whole bulk batch.

    \b
    Example: labwatch review undo m_1a2b3c --reviewer ana
    Example: labwatch review undo --batch b_0123456789ab --reviewer ana   (a `review confirm --above` batch)
    """
    if batch is None:
        if match_id is None:
            fail("give a match id, or --batch B to undo a bulk confirmation")
        _decide(match_id, reviewer, "withdrawn", _group_db(ctx, db))
        return
    from labwatch.flows.bulk_review import undo_batch

    if match_id is not None:
        fail("give a match id or --batch, not both")
    if not reviewer.strip():
        fail("--reviewer must not be empty")
    undo_batch(open_warehouse(resolve_db(_group_db(ctx, db))), batch, reviewer.strip())
