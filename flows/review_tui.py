"""`labwatch review`: the interactive terminal queue (the dashboard is the main surface)."""

from __future__ import annotations

from rich.markup import escape
from rich.prompt import Prompt

from labwatch.flows.output import err, out, shorten


def interactive_review(wh, reviewer: str | None) -> None:
    from labwatch.warehouse import reviews as R
    from labwatch.warehouse.exceptions import InvalidDecision
    from labwatch.warehouse.queries import review_queue

    reviewer = reviewer or Prompt.ask("Your name (recorded with each decision)", console=err)
    if not reviewer.strip():
        err.print("a reviewer name is required")
        raise SystemExit(1)
    skipped: set[str] = set()
    last: str | None = None
    while True:
        with wh.read() as con:
            items = [
                i for i in review_queue(con, limit=len(skipped) + 1, order="useful") if i["match_id"] not in skipped
            ]
        if not items:
            out.print("Queue empty: every suggestion is decided.")
            return
        it = items[0]
        out.rule(f"{it['lab']} / {it['document_id']}  p.{it['page'] or '-'}  {it['section'] or ''}")
        if it.get("context"):
            out.print(f"[dim]{escape(shorten(it['context'], 300))}[/dim]", markup=True)
        out.print(f"[bold]{escape(it['text'])}[/bold]", markup=True, highlight=False)
        out.print(
            f"criterion: [cyan]{escape(it['criterion_id'])}[/cyan]  score {it['score']:.2f}"
            + ("" if it.get("probability") is None else f"  p(right) {it['probability']:.2f}")
            + f"\nwhy: {escape(it['why'])}",
            markup=True,
        )
        choice = Prompt.ask(  # the prompt is read as markup: its own [c] keys are escaped
            escape("[c]onfirm [r]eject [p]artial [o]ther criterion [s]kip [u]ndo last [q]uit"),
            choices=list("crposuq"),
            default="s",
            console=err,
        )
        if choice == "q":
            return
        if choice == "s":
            skipped.add(it["match_id"])
            continue
        if choice == "u":
            if last:
                with wh.read() as con:
                    ref = R.resolve_match(con, last)
                R.record_events(wh, R.withdraw(ref, reviewer=reviewer, origin="tui"))
                out.print(f"withdrew the decision on {last}")
                last = None
            continue
        with wh.read() as con:
            ref = R.resolve_match(con, it["match_id"])
        if choice == "c":
            events = R.confirm(ref, reviewer=reviewer, origin="tui")
        elif choice == "r":
            events = R.reject(ref, reviewer=reviewer, origin="tui")
        elif choice == "p":
            try:
                credit = float(Prompt.ask("credit 0..1", default="0.5", console=err))
            except ValueError:
                err.print("credit must be a number from 0 to 1; nothing recorded")
                continue
            events = R.confirm(ref, reviewer=reviewer, credit=max(0.0, min(1.0, credit)), origin="tui")
        else:  # "o": confirm for another criterion
            other = Prompt.ask("criterion id", console=err).strip()
            try:
                with wh.read() as con:
                    R.check_criterion(con, other)
                events = R.reassign(ref, other, reviewer=reviewer, origin="tui")
            except InvalidDecision as exc:
                out.print(f"not recorded: {exc}", markup=False)
                continue
            ref = R.other_criterion(ref, other)
        R.record_events(wh, events)
        last = ref.match_id
