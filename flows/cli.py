"""The `labwatch` command: a thin layer over the library. Domain errors become one line."""

from __future__ import annotations

import functools
import json
import os
import sys
from datetime import date
from enum import Enum
from importlib import resources
from pathlib import Path

import typer
from rich.markup import escape

from labwatch.flows.output import err, fail, out, print_csv, print_json, print_table, shorten, shown_db

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_show_locals=False,
    help="labwatch: track what frontier AI labs commit to about safety.",
)
review_app = typer.Typer(
    add_completion=False,
    rich_markup_mode=None,
    help="Review suggested matches (list, confirm, reject, undo); without a sub-command, an interactive queue.\n\n\b\nExample: labwatch review --db data/demo.duckdb --reviewer ana",
)
sources_app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_show_locals=False,
    help="The source registry of the crawler.\n\n\b\nExample: labwatch sources check --online",
)


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        out.print(f"labwatch {version('labwatch')}")
        raise typer.Exit()


@app.callback()
def _main_options(
    version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """labwatch: track what frontier AI labs commit to about safety."""


app.add_typer(review_app, name="review")
app.add_typer(sources_app, name="sources")

DEMO_DB = Path("data/demo.duckdb")
REAL_DB = Path("data/labwatch.duckdb")


class Fmt(str, Enum):
    table = "table"
    json = "json"


class ScoreFmt(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    md = "md"


def resolve_db(db: Path | None, *, demo: bool = False) -> Path:
    """--db, else $LABWATCH_DB, else data/demo.duckdb for the bundled corpus, else data/labwatch.duckdb."""
    if db:
        return db
    if os.environ.get("LABWATCH_DB"):
        return Path(os.environ["LABWATCH_DB"])
    return DEMO_DB if demo else REAL_DB


def domain_errors(fn):
    """Turn labwatch's own errors (any ``LabwatchError``: bad input, busy warehouse) and file
    errors into one-line messages; anything else is a bug and keeps its traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from labwatch.errors import LabwatchError

        try:
            return fn(*args, **kwargs)
        except LabwatchError as exc:
            fail(str(exc))
        except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
            fail(f"{exc.filename}: {exc.strerror}")

    return wrapper


def _warehouse(db: Path, *, must_exist: bool = True):
    from labwatch.warehouse.db import Warehouse

    wh = Warehouse(db)
    if must_exist and not wh.exists:
        fail(missing_warehouse_message(db))
    return wh


def missing_warehouse_message(db: Path) -> str:
    """Why there is no warehouse at ``db``, and the --db to use when the demo warehouse (the one
    `labwatch run` writes from the bundled corpus) exists and is not the one asked for."""
    if str(db).startswith("ducklake:"):
        return f"{shown_db(db)}: no labwatch warehouse in this DuckLake yet (run `labwatch run --db ...` to create it)"
    if DEMO_DB.exists() and db.resolve() != DEMO_DB.resolve():
        return (
            f"{db}: no warehouse here yet; `labwatch run` on the bundled corpus wrote {DEMO_DB}: "
            f"add --db {DEMO_DB} (or export LABWATCH_DB={DEMO_DB})"
        )
    return f"{db}: no warehouse here yet (run `labwatch run` or `labwatch ingest` first, or pass --db)"


def known_lab(con, lab: str | None) -> None:
    """Fail with the warehouse's lab ids when ``lab`` is given and not one of them (an unknown
    lab would otherwise give an empty table and exit 0)."""
    if lab is None:
        return
    from labwatch.warehouse.queries import lab_ids

    labs = lab_ids(con)
    if lab not in labs:
        fail(f"--lab {lab!r}: no such lab in this warehouse (labs: {', '.join(labs) or 'none yet'})")


DB_OPT = typer.Option(
    None,
    "--db",
    help="Warehouse file, or a DuckLake warehouse 'ducklake:postgres:<conninfo> [data_path=DIR]' "
    "(docs/scale-out.md); default: $LABWATCH_DB, else data/labwatch.duckdb.",
)
# DuckLake (warehouse/lake.py, docs/scale-out.md): a catalog address and where its Parquet lives.
TO_LAKE_OPT = typer.Option(
    None, "--to-ducklake", metavar="URL", help="Copy the warehouse into DuckLake (ducklake:postgres:dbname=...)."
)
LAKE_DATA_OPT = typer.Option(
    None, "--lake-data", metavar="DIR", help="Where a new DuckLake keeps its Parquet files (a folder or URL)."
)


# --------------------------------------------------------------------------------------- run
@app.command()
@domain_errors
def run(
    corpus: Path | None = typer.Option(
        None,
        "--corpus",
        help="Corpus folder: DIR/<lab>/<file> or DIR/<lab>/<document>/<versions>. Default: the bundled sample corpus.",
    ),
    db: Path | None = DB_OPT,
    model: str | None = typer.Option(
        None,
        "--model",
        help="Encoder: minilm-onnx (int8 ONNX) or minilm (torch). Default: $LABWATCH_MODEL, else minilm-onnx.",
    ),
    prefect: bool | None = typer.Option(
        None,
        "--prefect/--no-prefect",
        show_default=False,
        help="Run as a Prefect flow. Default: when PREFECT_API_URL names a Prefect server; --prefect without one starts a temporary API (seconds).",
    ),
    fmt: Fmt = typer.Option(Fmt.table, "--format"),
    labs: list[str] | None = typer.Option(
        None,
        "--lab",
        help="Only this lab's documents (repeat for more): a corpus split by lab over workers sharing a DuckLake warehouse.",
    ),
):
    """The main job, offline: every document under the corpus -> extract -> match -> warehouse.

    \b
    Example: labwatch run                      (bundled sample corpus into data/demo.duckdb)
    Example: labwatch run --corpus ~/policies --db data/labwatch.duckdb
    Example: labwatch run --lab brackenridge-labs --lab corvid-ridge --db "ducklake:postgres:dbname=lake host=127.0.0.1"
    """
    from labwatch.corpus.local import bundled_corpus, discover_corpus, unplaced_files

    demo = corpus is None
    corpus = corpus or bundled_corpus()
    db = resolve_db(db, demo=demo)
    found = discover_corpus(corpus)
    if not found:  # fail fast on a missing, malformed or empty corpus
        fail(
            f"{corpus}: no documents found (expected DIR/<lab>/<file>, DIR/<lab>/<document>/<versions> "
            "or DIR/<lab>__<document>[__<version>].<ext>)"
        )
    unknown = sorted(set(labs or ()) - {d.lab for d in found})
    if unknown:
        fail(f"--lab {', '.join(unknown)}: no such lab in {corpus} (labs: {', '.join(sorted({d.lab for d in found}))})")
    stray = unplaced_files(corpus)
    if stray:
        names = ", ".join(p.name for p in stray[:5]) + (" ..." if len(stray) > 5 else "")
        err.print(
            f"[yellow]skipped[/yellow] {len(stray)} file(s) directly in {escape(str(corpus))}, not in a lab "
            f"folder (move them to {escape(str(corpus))}/<lab>/ or name them <lab>__<document>.<ext>): "
            f"{escape(names)}",
            markup=True,
            soft_wrap=True,
        )
    from labwatch.flows import models
    from labwatch.flows.progress import progress_printer

    model = model or models.DEFAULT_MODEL
    if prefect is None:  # a Prefect server records the run; a temporary one would only cost time
        prefect = bool(os.environ.get("PREFECT_API_URL"))
    with progress_printer(enabled=fmt == Fmt.table) as progress:
        if prefect:
            from labwatch.flows.prefect_flows import run_with_prefect

            summary = run_with_prefect(corpus, db, model=model, progress=progress, labs=labs or None)
        else:
            from labwatch.flows.run import run_corpus
            from labwatch.warehouse.db import Warehouse

            summary = run_corpus(corpus, Warehouse(db), model=model, progress=progress, labs=labs or None).as_dict()
    summary.setdefault("prefect_flow_run", None)  # set when the run was a Prefect flow
    _print_run_summary(summary, db, fmt)


def _print_run_summary(summary: dict, db: Path, fmt: Fmt, *, command: str = "run") -> None:
    from labwatch.warehouse.db import Warehouse
    from labwatch.warehouse.queries import view_counts

    with Warehouse(db).read() as con:
        counts = view_counts(con)
    summary = {**summary, "db": shown_db(db), "views": counts}
    if fmt == Fmt.json:
        print_json(summary)
    else:
        print_table(
            f"labwatch {command} -> {shown_db(db)}",
            ["docs", "unchanged", "new versions", "re-derived", "failed", "passages", "encoded", "s"],
            [
                [
                    summary["documents"],
                    summary["skipped"],
                    summary["new_versions"],
                    summary["rederived"],
                    summary["failed"],
                    summary["passages"],
                    summary["encoded"],
                    summary["seconds"],
                ]
            ],
        )
        print_table("warehouse", list(counts), [list(counts.values())])
        for f in summary["failures"]:
            label = "warning" if f.get("severity") == "warning" else "skipped"
            err.print(f"[yellow]{label}[/yellow] {escape(f['reason'])}", markup=True, soft_wrap=True)
    if summary["failed"]:
        raise SystemExit(0 if summary["new_versions"] + summary["skipped"] + summary["unchanged"] else 1)


# ------------------------------------------------------------------------------------ ingest
@app.command()
@domain_errors
def ingest(
    path_or_url: str = typer.Argument(..., help="A PDF, HTML or text file, or an http(s) URL."),
    lab: str = typer.Option(..., "--lab", help="Lab id (a new id creates the lab)."),
    document: str | None = typer.Option(
        None, "--document", help="Document id (default: the file or URL's last path segment without extension)."
    ),
    title: str | None = typer.Option(None, "--title"),
    published: str | None = typer.Option(None, "--published", help="Publication date YYYY-MM-DD."),
    supersedes: str | None = typer.Option(
        None, "--supersedes", help="The lab's document this one succeeds (changes compare across them)."
    ),
    db: Path | None = DB_OPT,
    allow_private: bool = typer.Option(False, "--allow-private", help="Allow loopback/private addresses for URLs."),
    fmt: Fmt = typer.Option(Fmt.table, "--format"),
):
    """Add a version of a document, only if its text changed.

    \b
    Example: labwatch ingest policy-v2.pdf --lab example-lab --document safety-framework --published 2025-06-01
    """
    from labwatch.corpus.local import slugify

    pub = _parse_date(published, "--published")
    lab_id = slugify(lab)
    if path_or_url.startswith(("http://", "https://")):
        from labwatch.flows.crawling import fetch_one

        data, url = fetch_one(path_or_url, allow_private=allow_private), path_or_url
        stem = Path(url.split("?")[0].rstrip("/")).stem
    else:
        p = Path(path_or_url)
        if not p.is_file():
            fail(f"{p}: no such file")
        data, url, stem = p.read_bytes(), None, p.stem
    db = resolve_db(db)
    from labwatch.flows.run import ingest_bytes
    from labwatch.warehouse.db import Warehouse

    summary = ingest_bytes(
        Warehouse(db),
        data,
        lab=lab_id,
        document_id=slugify(document or stem),
        source=path_or_url,
        title=title,
        published=pub,
        url=url,
        supersedes=slugify(supersedes) if supersedes else None,
    ).as_dict()
    if summary["failed"]:
        fail(summary["failures"][0]["reason"])
    _print_run_summary(summary, db, fmt, command="ingest")


def _parse_date(value: str | None, flag: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{flag} {value!r} is not a date (YYYY-MM-DD)")


# ------------------------------------------------------------------------------------ status
@app.command()
@domain_errors
def status(
    db: Path | None = DB_OPT,
    fmt: Fmt = typer.Option(Fmt.table, "--format"),
    check_models: bool = typer.Option(
        False, "--models/--no-models", help="Also check that spaCy and the embedding model load offline (seconds)."
    ),
):
    """Warehouse path, counts per view, the last run and its failures; with --models, whether models load offline.

    \b
    Example: labwatch status --db data/demo.duckdb
    """
    from labwatch.flows.status import collect_status

    info = collect_status(resolve_db(db), check_models=check_models)
    if fmt == Fmt.json:
        print_json(info)
        return
    print_table(
        "labwatch status", ["warehouse", "exists", "schema"], [[info["db"], info["exists"], info.get("schema_version")]]
    )
    if info.get("views"):
        print_table("rows per view", list(info["views"]), [list(info["views"].values())])
    run_ = info.get("last_run")
    if run_:
        print_table(
            "last run",
            ["run", "kind", "started", "status", "failures"],
            [[run_["run_id"], run_["kind"], run_["started_at"], run_["status"], run_["n_failures"]]],
        )
        for f in run_["failures"][:20]:
            label = "warning" if f.get("severity") == "warning" else "failed"
            err.print(f"  {label}: {shorten(f['reason'], 200)}", soft_wrap=True)
    for q in info.get("journal_quarantined", []):
        err.print(f"  quarantined journal file: {q['file']}: {q['reason']}", soft_wrap=True)
    if info.get("models"):
        print_table("models (offline)", ["model", "load"], list(info["models"].items()))


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

    domain_errors(interactive_review)(_warehouse(resolve_db(db)), reviewer)


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
    wh = _warehouse(resolve_db(_group_db(ctx, db)))
    _sync(wh)
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


def _sync(wh) -> None:
    """Load waiting journal events if the warehouse is free within a second; never blocks long."""
    from labwatch.warehouse.exceptions import WarehouseBusy

    try:
        with wh.with_timeout(1.0).write():
            pass
    except WarehouseBusy:
        err.print("note: warehouse busy; decisions made in the last moments may not show yet")


def _decide(
    match_id: str, reviewer: str, decision: str, db: Path | None, *, credit=None, criterion=None, note=None
) -> None:
    from labwatch.warehouse import reviews as R

    if not reviewer.strip():
        fail("--reviewer must not be empty")
    if credit is not None and not 0 <= credit <= 1:
        fail(f"--credit {credit} is outside 0..1")
    wh = _warehouse(resolve_db(db))
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
    wh = _warehouse(resolve_db(_group_db(ctx, db)))
    _sync(wh)
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
    undo_batch(_warehouse(resolve_db(_group_db(ctx, db))), batch, reviewer.strip())


# ------------------------------------------------------------------------------------- score
@app.command()
@domain_errors
def score(
    lab: str | None = typer.Option(None, "--lab"),
    as_of: str | None = typer.Option(None, "--as-of", help="YYYY-MM-DD"),
    since: str | None = typer.Option(None, "--since", help="YYYY-MM-DD: also explain how each score moved since then."),
    db: Path | None = DB_OPT,
    fmt: ScoreFmt = typer.Option(ScoreFmt.table, "--format"),
):
    """Per-lab scores (0-100) from confirmed evidence, as of a date.

    \b
    Example: labwatch score --db data/demo.duckdb --as-of 2025-06-30 --format md > scorecard.md
    Example: labwatch score --db data/demo.duckdb --lab brackenridge-labs --since 2025-06-01   (why it moved)
    """
    from labwatch.flows.scorecard import render_markdown
    from labwatch.warehouse.queries import explain_score_change, score_changes, scores

    wh = _warehouse(resolve_db(db))
    _sync(wh)
    as_of_d = _parse_date(as_of, "--as-of")
    with wh.read() as con:
        known_lab(con, lab)
        doc = scores(con, as_of=as_of_d, lab=lab)
        if since:
            doc["changes"] = score_changes(con, since=_parse_date(since, "--since"), as_of=as_of_d, lab=lab)
            for move in doc["changes"]:
                move["explanation"] = explain_score_change(move)
    if fmt == ScoreFmt.json:
        print_json(doc)
    elif fmt == ScoreFmt.md:
        sys.stdout.write(render_markdown(doc))
    elif fmt == ScoreFmt.csv:
        from labwatch.warehouse.queries import explain_uncounted

        print_csv(
            ["lab", "score", "criterion_id", "credit", "raw_credit", "points", "counts", "not_counted"],
            [
                [l["lab"], l["score"], c["criterion_id"], c["credit"], c["raw_credit"], c["points"], c["counts"]]
                + [explain_uncounted(c)]
                for l in doc["labs"]
                for c in l["criteria"]
            ],
        )
    else:
        _print_score_table(doc)


def _print_score_table(doc: dict) -> None:
    """Scores per lab, then every confirmed credit that adds nothing, and why (unscored, zero
    weight, parent without credit), then the explanations of `--since`."""
    from labwatch.warehouse.queries import explain_uncounted

    print_table(
        f"scores as of {doc['as_of']} ({doc['rubric'] or 'no rubric yet: `labwatch run` stores it'})",
        ["lab", "score", "measuring", "commitments", "accountability", "counted criteria", "not counted"],
        [
            [
                l["lab"],
                l["score"],
                l["categories"].get("measuring", 0),
                l["categories"].get("commitments", 0),
                l["categories"].get("accountability", 0),
                sum(1 for c in l["criteria"] if c["counts"]),
                sum(1 for c in l["criteria"] if c["not_counted"]) or "",
            ]
            for l in doc["labs"]
        ],
    )
    uncounted = [(l["lab"], c) for l in doc["labs"] for c in l["criteria"] if c["not_counted"]]
    if uncounted:
        print_table(
            "confirmed credit that does not count",
            ["lab", "criterion", "credit", "why it does not count"],
            [[lab, c["criterion_id"], f"{c['raw_credit']:g}", explain_uncounted(c)] for lab, c in uncounted],
        )
    _print_bulk_credit(doc)
    for move in doc.get("changes", []):
        out.print(move["explanation"], soft_wrap=True)


def _print_bulk_credit(doc: dict) -> None:
    """Credit that stands on bulk decisions only (`review confirm --above`), so a reader knows
    which points no reviewer looked at one by one."""
    rows = [
        [l["lab"], c["criterion_id"], f"{c['raw_credit']:g}", f"{c['points']:g}", sum(1 for e in c["evidence"])]
        for l in doc["labs"]
        for c in l["criteria"]
        if c.get("from_bulk")
    ]
    if rows:
        print_table(
            "credit from bulk decisions only (review confirm --above; undo with review undo)",
            ["lab", "criterion", "credit", "points", "evidence"],
            rows,
        )


# ----------------------------------------------------------------------------------- changes
@app.command()
@domain_errors
def changes(
    lab: str | None = typer.Option(None, "--lab"),
    since: str | None = typer.Option(None, "--since", help="YYYY-MM-DD"),
    silent: bool = typer.Option(False, "--silent", help="Only changes that no change-log entry of the lab announces."),
    db: Path | None = DB_OPT,
    fmt: Fmt = typer.Option(Fmt.table, "--format"),
):
    """What changed in labs' commitments between consecutive versions.

    \b
    Example: labwatch changes --db data/demo.duckdb --lab brackenridge-labs --since 2025-01-01 --format json
    Example: labwatch changes --db data/demo.duckdb --silent   (revisions the lab did not announce)
    """
    from labwatch.flows.succession import proposals
    from labwatch.warehouse.queries import changes as q_changes

    wh = _warehouse(resolve_db(db))
    with wh.read() as con:
        known_lab(con, lab)
        rows = q_changes(con, lab=lab, since=_parse_date(since, "--since"), silent=silent)
        proposed = proposals(con, lab=lab)
    if fmt == Fmt.json:
        print_json({"changes": rows, "proposed_successions": proposed})
        return
    title = f"{len(rows)} {'silent ' if silent else ''}commitment changes (--format json: whole statements)"
    _print_changes(title, rows)
    for p in proposed:  # a new document that looks like the next version of another
        out.print(
            f"proposed: {p['lab']}/{p['document_id']} may supersede {p['supersedes']} "
            f"({p['similarity']:.0%} of the text shared); declare '{p['declare']}' for "
            f"{p['document_id']} (registry, versions.yaml or ingest --supersedes) to compare them",
            soft_wrap=True,
        )


def _print_changes(title: str, rows: list[dict]) -> None:
    """The changes as a table that stays readable from 100 columns up: ids never wrap, each
    statement is cut with an ellipsis (``--format json`` has it whole), and below 140 columns
    the published date and place go under the document and the reason under the kind."""
    wide = out.width >= 140
    quote = 100 if out.width >= 150 else 80 if wide else 64  # characters of each statement shown
    if wide:
        columns, keep = ["lab / document", "published", "change", "reason", "old", "new", "where"], 3
        cells = [
            [
                f"{r['lab']}\n{r['document_id']}",
                r["published"],
                f"{r['kind']}\n{_announced_label(r)}",
                r["reason"],
                shorten(r["old"], quote),
                shorten(r["new"], quote),
                _where(r, short=True),
            ]
            for r in rows
        ]
    else:
        columns, keep = ["document", "change", "old", "new"], 1
        cells = [
            [
                f"{r['lab']}\n{r['document_id']}\n{r['published'] or ''}\n{_where(r, short=True)}",
                f"{r['kind']}, {_announced_label(r)}: {r['reason']}",
                shorten(r["old"], quote),
                shorten(r["new"], quote),
            ]
            for r in rows
        ]
    print_table(
        title,
        columns,
        cells,
        wrap=("old", "new"),
        keep=columns[:keep],
        max_widths={"reason": 28, "where": 24, "change": 22, "document": 24},
    )


def _announced_label(row: dict) -> str:
    if row.get("announced") is None:
        return "?"
    if row.get("silent_reupload"):
        return "silent re-upload"
    return "yes" if row["announced"] else "silent"


def _where(row: dict, *, short: bool = False) -> str:
    """Page and section of each side that has a statement ("old p.3 Scope -> new p.4 Scope");
    the old side names its document when it is another one (a predecessor). ``short``: each
    section by its last heading only, and one section named once when both sides share it
    ("p.3 -> p.4 4. Scope"), at most 60 characters."""
    parts, sections = [], []
    for side in ("old", "new"):
        if row.get(f"{side}_seq") is None:
            continue
        doc = row.get("old_document_id") if side == "old" and row.get("old_document_id") != row["document_id"] else None
        page = f"p.{row[f'{side}_page']}" if row.get(f"{side}_page") is not None else None
        section = row.get(f"{side}_section")
        if short:
            section = section.split(" > ")[-1] if section else None
            sections.append(section)
            parts.append(" ".join(x for x in (doc, page or side) if x))
        else:
            parts.append(" ".join(x for x in (side, doc, page, section) if x))
    if not short:
        return " -> ".join(parts)
    named = [sections[0]] if len(set(sections)) == 1 else sections
    return shorten(" -> ".join(parts) + " " + " / ".join(x for x in named if x), 60)


@app.command()
@domain_errors
def diff(
    old: Path = typer.Argument(..., help="The older file."),
    new: Path = typer.Argument(..., help="The newer file."),
    model: str | None = typer.Option(
        None, "--model", help="Embedding model: minilm-onnx (default, or $LABWATCH_MODEL) or minilm (torch)."
    ),
    criteria: bool = typer.Option(True, "--criteria/--no-criteria", help="Match the changed statements to the rubric."),
    fmt: Fmt = typer.Option(Fmt.table, "--format"),
):
    """Commitment-level diff of two files, without the warehouse.

    \b
    Example: labwatch diff policy-2024.pdf policy-2025.pdf --format json
    """
    for path in (old, new):  # before any parser or model loads: a typo answers at once
        if not path.is_file():
            fail(f"{path}: no such file")
    from labwatch.flows.diffing import diff_files
    from labwatch.flows.models import DEFAULT_MODEL
    from labwatch.flows.progress import progress_printer

    with progress_printer(enabled=fmt == Fmt.table, description="diff") as progress:
        rows = diff_files(old, new, with_criteria=criteria, model=model or DEFAULT_MODEL)
        if progress:
            progress(len(rows), None, "commitment changes")
    if fmt == Fmt.json:
        print_json({"changes": rows})
        return
    print_table(
        f"{len(rows)} commitment changes",
        ["kind", "reason", "old", "new", "criteria"],
        [
            [r["kind"], r["reason"], shorten(r["old"], 100), shorten(r["new"], 100), ", ".join(r["criteria"])]
            for r in rows
        ],
        wrap=("old", "new", "reason"),
    )


@app.command("eval-changes")
@domain_errors
def eval_changes(
    traces: Path = typer.Argument(..., help="Traced commitments, JSONL (the changes-dev traces.jsonl format)."),
    docs: Path = typer.Option(..., "--docs", help="Folder of the versions: <provider>_<document>_<version>_<date>.txt"),
    pair: list[str] = typer.Option([], "--pair", help="Only this pair_id (repeatable)."),
    misses: bool = typer.Option(True, "--misses/--no-misses", help="Print each miss with both texts (table only)."),
    calibrate: bool = typer.Option(
        False,
        "--calibrate",
        help="Choose the alignment threshold leave-one-pair-out (each pair scored at the one best on the others).",
    ),
    threshold: float | None = typer.Option(
        None, "--threshold", help="Alignment threshold (default: the built-in one)."
    ),
    model: str | None = typer.Option(
        None, "--model", help="Embedding model: minilm-onnx (default, or $LABWATCH_MODEL) or minilm (torch)."
    ),
    fmt: Fmt = typer.Option(Fmt.table, "--format"),
):
    """How well `labwatch diff` finds the commitment changes human coders traced.

    Material found, direction right and retained alarmed, per pair and pooled with bootstrap
    95% intervals, by outcome and category (docs/accuracy.md, "Changes").

    Example: labwatch eval-changes ../shared/eval/changes-dev/traces.jsonl --docs ../shared/eval/changes-dev/docs --calibrate
    """
    from labwatch.extractors.changes.evaluation import TraceError
    from labwatch.flows.change_evaluation import run_eval_changes
    from labwatch.flows.models import DEFAULT_MODEL
    from labwatch.flows.reports import print_eval_changes

    try:
        result = run_eval_changes(
            traces, docs, pairs=pair or None, model=model or DEFAULT_MODEL, threshold=threshold, calibrate=calibrate
        )
    except TraceError as exc:
        fail(str(exc))
    if fmt == Fmt.json:
        print_json(result["summary"])
    else:
        print_eval_changes(result, misses=misses)


# -------------------------------------------------------------------------------------- eval
@app.command("eval")
@domain_errors
def eval_(
    gold: Path = typer.Argument(..., help="Labeled JSONL: {id, text, is_commitment, criteria}."),
    learn_from: Path | None = typer.Option(
        None, "--learn-from", help="Labeled JSONL recorded as reviewer decisions first."
    ),
    cv: str | None = typer.Option(None, "--cv", help="'lab': score each lab after learning from the others."),
    model: str | None = typer.Option(
        None, "--model", help="Encoder: minilm-onnx or minilm (torch). Default: as `labwatch run`."
    ),
    fmt: Fmt = typer.Option(Fmt.table, "--format"),
):
    """Accuracy of commitment detection and criterion matching on labeled passages.

    \b
    Example: labwatch eval gold.jsonl --cv lab --format json
    """
    if learn_from and cv:
        fail("--learn-from and --cv are exclusive")
    if cv not in (None, "lab"):
        fail(f"--cv {cv!r}: only 'lab' is supported")
    for path in (gold, learn_from):  # before the model loads
        if path is not None and not path.is_file():
            fail(f"{path}: no such file")
    from labwatch.flows import models
    from labwatch.flows.evaluating import run_eval
    from labwatch.flows.progress import progress_printer
    from labwatch.flows.reports import print_eval_table

    with progress_printer(enabled=fmt == Fmt.table, description="eval") as progress:
        result = run_eval(gold, learn_from=learn_from, cv=cv, model=model or models.DEFAULT_MODEL)
        if progress:
            progress(result["n"], None, "passages")
    if fmt == Fmt.json:
        print_json(result)
    else:
        print_eval_table(result)


# --------------------------------------------------------------------------------------- sql
class SqlFmt(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


@app.command()
@domain_errors
def sql(
    query: str = typer.Argument(..., help="SQL over the tables, the contract views and the as-of macros ('-': stdin)."),
    db: Path | None = DB_OPT,
    fmt: SqlFmt = typer.Option(SqlFmt.table, "--format"),
):
    """Run a read-only SQL query on the warehouse (no file access; waits while a writer works).

    \b
    Example: labwatch sql "select lab, score from lab_scores order by score desc"
    Example: labwatch sql "select * from lab_scores_as_of(DATE '2025-06-01')" --format csv
    """
    from labwatch.flows.reports import print_query

    print_query(resolve_db(db), sys.stdin.read() if query == "-" else query, fmt.value)


# ------------------------------------------------------------------------------------ notify
@app.command()
@domain_errors
def notify(
    test: bool = typer.Option(False, "--test", help="Send a test message to every configured target."),
    lab: str | None = typer.Option(None, "--lab", help="With --test: only the targets that get this lab's changes."),
    db: Path | None = DB_OPT,
    fmt: Fmt = typer.Option(Fmt.table, "--format"),
):
    """Alert targets (Apprise URLs in labwatch.yaml beside the database, or LABWATCH_NOTIFY_URLS).

    \b
    Example: labwatch notify                     (which targets get which labs' changes)
    Example: labwatch notify --test --db data/labwatch.duckdb
    """
    from labwatch.flows.notify import list_targets, send_test

    wh = _warehouse(resolve_db(db), must_exist=False)
    rows = send_test(wh, lab=lab) if test else list_targets(wh)
    if fmt == Fmt.json:
        print_json({"targets": rows})
    elif test:
        print_table(
            "test alerts",
            ["target", "scope", "ok", "attempts", "error"],
            [
                [r["target"], r["scope"], "yes" if r["ok"] else "no", r["attempts"], shorten(r["error"], 120)]
                for r in rows
            ],
        )
    else:
        print_table(
            "alert targets", ["target", "scope", "kinds"], [[r["target"], r["scope"], r["kinds"]] for r in rows]
        )
    if not rows:
        err.print(
            "no alert targets: add notify: [{url: ...}] to labwatch.yaml beside the database (docs: flows/notify.py)"
        )
    if test and not all(r["ok"] for r in rows):
        raise SystemExit(1)


# ---------------------------------------------------------------------------- crawl & co
@app.command()
@domain_errors
def crawl(
    lab: str | None = typer.Option(None, "--lab"),
    sources: Path | None = typer.Option(
        None, "--sources", help="Registry folder (default: the bundled corpus/sources)."
    ),
    allow_private: bool = typer.Option(False, "--allow-private", help="Allow loopback and private addresses."),
    backfill: bool = typer.Option(
        False, "--backfill", help="Also ingest earlier web-archive captures as dated versions."
    ),
    force: bool = typer.Option(False, "--force", help="Also fetch sources whose check_every has not passed yet."),
    db: Path | None = DB_OPT,
    fmt: Fmt = typer.Option(Fmt.table, "--format"),
):
    """Fetch the registry's sources; new versions flow on through extract and match.

    \b
    Example: labwatch crawl --lab anthropic
    """
    from labwatch.corpus.records import FetchPolicy
    from labwatch.flows.crawling import crawl_sources
    from labwatch.flows.progress import progress_printer
    from labwatch.warehouse.db import Warehouse

    db = resolve_db(db)
    with progress_printer(enabled=fmt == Fmt.table, description="sources") as progress:
        summary = crawl_sources(
            Warehouse(db),
            lab=lab,
            sources_dir=sources,
            policy=FetchPolicy(allow_private=allow_private),
            backfill=backfill,
            progress=progress,
            force=force,
        )
    if fmt == Fmt.json:
        print_json(summary.as_dict())
    else:
        print_table(
            f"labwatch crawl -> {shown_db(db)}",
            ["sources", "fetched", "unchanged", "new versions", "archived", "failed", "seconds"],
            [
                [
                    summary.sources,
                    summary.fetched,
                    summary.unchanged_fetches,
                    summary.new_versions,
                    summary.archived_captures,
                    summary.failed,
                    summary.seconds,
                ]
            ],
        )
        for f in summary.failures:
            err.print(f"failed: {shorten(f['reason'], 240)}", soft_wrap=True)
    if summary.failed:
        raise SystemExit(1)


@sources_app.command("check")
@domain_errors
def sources_check(
    sources: Path | None = typer.Option(None, "--sources"),
    online: bool = typer.Option(False, "--online", help="Also ask each URL (needs internet)."),
    allow_private: bool = typer.Option(
        False, "--allow-private", help="With --online, also ask loopback and private addresses (a local test site)."
    ),
    fmt: Fmt = typer.Option(Fmt.table, "--format"),
):
    """Validate the registry; with --online, report which URLs answer.

    \b
    Example: labwatch sources check --online
    """
    from labwatch.flows.crawling import check_sources

    doc = check_sources(sources, online=online, allow_private=allow_private)
    if fmt == Fmt.json:
        print_json(doc)
    else:
        print_table(
            "registry",
            ["labs", "sources", "discover entries", "with selectors", "with check_every", "valid"],
            [[doc["labs"], doc["sources"], doc["discover"], doc["with_selectors"], doc["with_interval"], "yes"]],
        )
        if online:
            print_table(
                "online check",
                ["lab", "url", "ok", "status", "error"],
                [
                    [c["lab"], shorten(c["url"], 80), c["ok"], c["status"], shorten(c["error"], 200)]
                    for c in doc["checks"]
                ],
                wrap=("error",),
            )
    if online and not all(c["ok"] for c in doc.get("checks", [])):
        raise SystemExit(1)


@app.command()
@domain_errors
def schedule(
    cron: str = typer.Option("0 6 * * *", "--cron", help="Cron expression (default daily 06:00)."),
    sources: Path | None = typer.Option(None, "--sources"),
    allow_private: bool = typer.Option(
        False, "--allow-private", help="Let the scheduled crawls fetch loopback and private addresses."
    ),
    db: Path | None = DB_OPT,
):
    """Serve the crawl flow on a schedule (needs a Prefect server: `prefect server start`).

    \b
    Example: PREFECT_API_URL=http://127.0.0.1:4200/api labwatch schedule --cron "0 6 * * *"
    """
    from labwatch.flows.prefect_flows import serve_crawl

    serve_crawl(cron=cron, sources=sources, db=resolve_db(db), allow_private=allow_private)


@app.command()
def dashboard(
    port: int = typer.Option(8501, "--port"), host: str = typer.Option("127.0.0.1", "--host"), db: Path | None = DB_OPT
):
    """Start the Streamlit review dashboard (127.0.0.1 by default).

    \b
    Example: labwatch dashboard --db data/demo.duckdb --port 8501
    """
    app_path = Path(str(resources.files("labwatch.dashboards") / "app.py"))
    where = resolve_db(db)
    env = {**os.environ, "LABWATCH_DB": str(where if str(where).startswith("ducklake:") else where.resolve())}
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app_path),
        "--server.port",
        str(port),
        "--server.address",
        host,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "minimal",
    ]
    # replace this process: a supervisor's SIGTERM then reaches streamlit itself, and no orphan
    # keeps the port when the command is stopped
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, cmd, env)


@app.command("export")
@domain_errors
def export_(
    directory: Path | None = typer.Argument(None, help="Folder to write (omit with --to-ducklake)."),
    fmt: str = typer.Option("parquet", "--format", help="parquet or csv"),
    db: Path | None = DB_OPT,
    to_ducklake: str | None = TO_LAKE_OPT,
    lake_data: str | None = LAKE_DATA_OPT,
    replace: bool = typer.Option(False, "--replace", help="With --to-ducklake: overwrite a lake's derived rows."),
):
    """Write every contract view and the review events to a folder, or copy the warehouse into DuckLake.

    \b
    Example: labwatch export backup/ --format parquet
    Example: labwatch export --to-ducklake "ducklake:postgres:dbname=lake host=127.0.0.1" --lake-data /srv/lake/
    """
    if to_ducklake is not None:
        from labwatch.warehouse.lake import Lake, export_to_lake

        if directory is not None:
            fail("pass either a folder or --to-ducklake, not both")
        counts = export_to_lake(_warehouse(resolve_db(db)), Lake(to_ducklake, lake_data), replace=replace)
        print_table("copied to DuckLake", list(counts), [list(counts.values())])
        return
    from labwatch.warehouse.backup import export_warehouse

    if directory is None:
        fail("labwatch export: name a folder (or pass --to-ducklake URL)")
    if fmt not in ("parquet", "csv"):
        fail(f"--format {fmt!r}: use parquet or csv")
    counts = export_warehouse(_warehouse(resolve_db(db)), directory, fmt)
    print_table(f"exported to {directory}", list(counts), [list(counts.values())])


@app.command("import")
@domain_errors
def import_(
    directory: Path | None = typer.Argument(None, help="An export folder (omit with --from-ducklake)."),
    db: Path | None = DB_OPT,
    create: bool = typer.Option(
        False, "--create", help="Create the warehouse if it does not exist (else a mistyped --db is an error)."
    ),
    from_ducklake: str | None = typer.Option(
        None, "--from-ducklake", metavar="URL", help="Copy a DuckLake warehouse into a new --db file."
    ),
    lake_data: str | None = LAKE_DATA_OPT,
):
    """Restore review events from an export folder into a warehouse (duplicates are ignored),
    or copy a whole DuckLake warehouse into a new file.

    \b
    Example: labwatch import backup/ --db data/labwatch.duckdb
    Example: labwatch import backup/ --db data/fresh.duckdb --create   (then `labwatch run --db data/fresh.duckdb`)
    Example: labwatch import --from-ducklake "ducklake:postgres:dbname=lake host=127.0.0.1" --db data/copy.duckdb
    """
    target = resolve_db(db)
    if from_ducklake is not None:
        from labwatch.warehouse.lake import Lake, import_from_lake

        if directory is not None:
            fail("pass either a folder or --from-ducklake, not both")
        counts = import_from_lake(Lake(from_ducklake, lake_data), _warehouse(target, must_exist=False))
        print_table(f"copied from DuckLake to {target}", list(counts), [list(counts.values())])
        return
    from labwatch.warehouse.backup import import_events

    if directory is None:
        fail("labwatch import: name an export folder (or pass --from-ducklake URL)")
    if not create and not target.exists():
        fail(f"{target}: no warehouse here (check --db, or pass --create to start a new one from the export)")
    n = import_events(_warehouse(target, must_exist=False), directory)
    err.print(f"imported {n} review events")


@app.command()
@domain_errors
def bench(
    docs: int = typer.Option(40, "--docs", help="Synthetic documents to generate (about 120 passages each)."),
    model: str | None = typer.Option(None, "--model", help="Encoder of the timed runs (default: as `labwatch run`)."),
    out: Path = typer.Option(Path("bench-out"), "--out"),
    sentences: int = typer.Option(120, "--sentences", help="Sentences per generated document."),
    prefect: bool | None = typer.Option(
        None,
        "--prefect/--no-prefect",
        show_default=False,
        help="Time the runs as Prefect flows, or not (default: as `labwatch run` would run).",
    ),
    corpus: Path | None = typer.Option(
        None, "--corpus", help="Time an existing corpus folder (left unchanged) instead of generating one."
    ),
    texts: list[Path] = typer.Option(
        [],
        "--texts",
        help="A folder of real policy .txt files (repeatable): a corpus of them, every second rendered as a PDF.",
    ),
    repeat: int = typer.Option(1, "--repeat", help="Time the cold run and the encode-only processes N times."),
    encoders: str = typer.Option(
        "minilm,minilm-onnx", "--encode-only", help="Encode-only baselines to time (comma-separated, or none)."
    ),
    short: bool = typer.Option(True, "--short/--no-short", help="Also time the short commands on a demo warehouse."),
    record: bool = typer.Option(False, "--record", help="Keep the figures as this machine's record (--records)."),
    records: Path = typer.Option(Path("docs/benchmarks.json"), "--records", help="Recorded figures to compare with."),
    fmt: Fmt = typer.Option(Fmt.table, "--format"),
):
    """Benchmark: cold and unchanged runs vs encode-only (torch and ONNX), short commands, memory, rates.

    Writes OUT/bench.json; a figure more than 20% worse than the record of this machine and
    scenario is called out.

    \b
    Example: labwatch bench --docs 44            (about 5,000 passages)
    Example: labwatch bench --texts ../shared/corpus-dev --texts ../shared/eval/changes-dev/docs --repeat 3
    Example: labwatch bench --docs 10000 --sentences 10 --encode-only none   (scale: 100,000 passages)
    Example: labwatch bench --corpus ~/policies  (your own documents)
    """
    from labwatch.corpus.local import discover_corpus

    if corpus is not None and not discover_corpus(corpus):
        fail(f"{corpus}: no documents found (expected DIR/<lab>/<file>)")
    for folder in texts:
        if not folder.is_dir() or not any(folder.glob("*.txt")):
            fail(f"{folder}: no .txt files (--texts takes a folder of policy texts)")
    if repeat < 1:
        fail(f"--repeat {repeat}: must be at least 1")
    chosen = [] if encoders.strip() == "none" else [e.strip() for e in encoders.split(",") if e.strip()]
    from labwatch.flows import benchrecord
    from labwatch.flows.bench import run_bench

    result = run_bench(
        n_docs=docs,
        model=model,
        out=out,
        prefect=prefect,
        sentences_per_doc=sentences,
        corpus=corpus,
        texts=texts,
        repeat=repeat,
        encoders=chosen,
        short=short,
    )
    result["command"] = " ".join(["labwatch", *sys.argv[1:]]) if sys.argv[1:2] == ["bench"] else "labwatch bench"
    previous = benchrecord.recorded(benchrecord.load_records(records), result)
    result["regressions"] = benchrecord.regressions(result, previous)
    result["compared_with"] = previous.get("date") if previous else None
    (out / "bench.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if record:
        benchrecord.save_record(records, result)
    if fmt == Fmt.json:
        print_json(result)
    else:
        rows = [[k, v] for k, v in result.items() if k not in ("regressions", "short_commands_s")]
        rows += [[f"short: {k}", v] for k, v in (result.get("short_commands_s") or {}).items()]
        print_table("labwatch bench", ["figure", "value"], rows)
    for line in result["regressions"]:
        err.print(f"[red]regression[/red] {line}", markup=True, soft_wrap=True)


def main() -> None:
    from labwatch.errors import LabwatchError
    from labwatch.flows.prefect_env import configure_prefect_env

    configure_prefect_env()
    try:
        app()
    except LabwatchError as exc:  # an error raised outside a command body (a callback, a typer hook)
        fail(str(exc))


if __name__ == "__main__":
    main()
