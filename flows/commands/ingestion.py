"""`labwatch run` and `labwatch ingest`: documents into the warehouse, and the summary they print."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.markup import escape

from labwatch.flows.commands.base import DB_OPT, Fmt, domain_errors, parse_date, resolve_db
from labwatch.flows.output import err, fail, print_json, print_table, shown_db


# --------------------------------------------------------------------------------------- run
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

    pub = parse_date(published, "--published")
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
