"""The read-only report commands: `status`, `score`, `changes` and `sql`."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path

import typer

from labwatch.flows.commands.base import (
    CHANGE_KINDS,
    DB_OPT,
    KIND_OPT,
    Fmt,
    domain_errors,
    known_lab,
    open_warehouse,
    parse_date,
    parse_kinds,
    resolve_db,
    sync_journal,
)
from labwatch.flows.output import err, kind_counts, out, print_csv, print_json, print_table, shorten


class ScoreFmt(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    md = "md"


class SqlFmt(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


# ------------------------------------------------------------------------------------ status
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


# ------------------------------------------------------------------------------------- score
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
    from labwatch.warehouse.scoring import explain_score_change, score_changes, scores

    wh = open_warehouse(resolve_db(db))
    sync_journal(wh)
    as_of_d = parse_date(as_of, "--as-of")
    with wh.read() as con:
        known_lab(con, lab)
        doc = scores(con, as_of=as_of_d, lab=lab)
        if since:
            doc["changes"] = score_changes(con, since=parse_date(since, "--since"), as_of=as_of_d, lab=lab)
            for move in doc["changes"]:
                move["explanation"] = explain_score_change(move)
    if fmt == ScoreFmt.json:
        print_json(doc)
    elif fmt == ScoreFmt.md:
        sys.stdout.write(render_markdown(doc))
    elif fmt == ScoreFmt.csv:
        from labwatch.warehouse.scoring import explain_uncounted

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
    from labwatch.warehouse.scoring import explain_uncounted

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
@domain_errors
def changes(
    lab: str | None = typer.Option(None, "--lab"),
    since: str | None = typer.Option(None, "--since", help="YYYY-MM-DD"),
    silent: bool = typer.Option(False, "--silent", help="Only changes that no change-log entry of the lab announces."),
    kind: str | None = KIND_OPT,
    db: Path | None = DB_OPT,
    fmt: Fmt = typer.Option(Fmt.table, "--format"),
):
    """What changed in labs' commitments between consecutive versions.

    \b
    Example: labwatch changes --db data/demo.duckdb --lab brackenridge-labs --since 2025-01-01 --format json
    Example: labwatch changes --db data/demo.duckdb --silent   (revisions the lab did not announce)
    Example: labwatch changes --db data/demo.duckdb --kind weakened,removed
    """
    kinds = parse_kinds(kind)
    day = parse_date(since, "--since")
    from labwatch.flows.succession import proposals
    from labwatch.warehouse.queries import changes as q_changes

    wh = open_warehouse(resolve_db(db))
    with wh.read() as con:
        known_lab(con, lab)
        rows = q_changes(con, lab=lab, since=day, silent=silent)
        proposed = proposals(con, lab=lab)
    if kinds is not None:
        rows = [r for r in rows if r["kind"] in kinds]
    if fmt == Fmt.json:
        print_json({"changes": rows, "proposed_successions": proposed})
        return
    which = f"{'silent ' if silent else ''}{'/'.join(k for k in CHANGE_KINDS if k in kinds) + ' ' if kinds else ''}"
    title = f"{len(rows)} {which}commitment changes{kind_counts(rows)} (--format json: whole statements)"
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


# --------------------------------------------------------------------------------------- sql
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
