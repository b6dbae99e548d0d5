"""`labwatch diff`: the commitment-level diff of two files, without the warehouse."""

from __future__ import annotations

from pathlib import Path

import typer

from labwatch.flows.commands.base import Fmt, domain_errors
from labwatch.flows.output import fail, print_json, print_table, shorten


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
