"""`labwatch diff`: the commitment-level diff of two files, without the warehouse."""

from __future__ import annotations

from pathlib import Path

import typer

from labwatch.flows.commands.base import CHANGE_KINDS, KIND_OPT, Fmt, domain_errors, parse_kinds
from labwatch.flows.output import fail, kind_counts, print_json, print_table, shorten


@domain_errors
def diff(
    old: Path = typer.Argument(..., help="The older file."),
    new: Path = typer.Argument(..., help="The newer file."),
    model: str | None = typer.Option(
        None, "--model", help="Embedding model: minilm-onnx (default, or $LABWATCH_MODEL) or minilm (torch)."
    ),
    criteria: bool = typer.Option(True, "--criteria/--no-criteria", help="Match the changed statements to the rubric."),
    kind: str | None = KIND_OPT,
    fmt: Fmt = typer.Option(Fmt.table, "--format"),
):
    """Commitment-level diff of two files, without the warehouse.

    \b
    Example: labwatch diff policy-2024.pdf policy-2025.pdf --format json
    Example: labwatch diff policy-2024.pdf policy-2025.pdf --kind weakened,removed
    """
    kinds = parse_kinds(kind)
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
    if kinds is not None:
        rows = [r for r in rows if r["kind"] in kinds]
    if fmt == Fmt.json:
        print_json({"changes": rows})
        return
    print_table(
        f"{len(rows)} {'/'.join(k for k in CHANGE_KINDS if k in kinds) + ' ' if kinds else ''}commitment changes"
        + kind_counts(rows),
        ["kind", "reason", "old", "new", "criteria"],
        [
            [r["kind"], r["reason"], shorten(r["old"], 100), shorten(r["new"], 100), ", ".join(r["criteria"])]
            for r in rows
        ],
        wrap=("old", "new", "reason"),
    )
