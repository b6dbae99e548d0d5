"""Watching the labs: `crawl`, `sources check`, `schedule` and alert targets (`notify`)."""

from __future__ import annotations

from pathlib import Path

import typer

from labwatch.flows.commands.base import DB_OPT, Fmt, domain_errors, open_warehouse, resolve_db
from labwatch.flows.output import err, print_json, print_table, shorten, shown_db

sources_app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_show_locals=False,
    help="The source registry of the crawler.\n\n\b\nExample: labwatch sources check --online",
)


# ---------------------------------------------------------------------------- crawl & co
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


# ------------------------------------------------------------------------------------ notify
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

    wh = open_warehouse(resolve_db(db), must_exist=False)
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
