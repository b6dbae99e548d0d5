"""Progress on long work, on stderr so that stdout stays clean for --format json."""

from __future__ import annotations

from contextlib import contextmanager

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from labwatch.flows.output import err


@contextmanager
def progress_printer(enabled: bool = True):
    """Yields a callback(done, total, label); a no-op when disabled."""
    if not enabled:
        yield None
        return
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[label]}"),
        console=err,
        transient=True,
    )
    task_id = None
    with bar:

        def update(done: int, total: int, label: str) -> None:
            nonlocal task_id
            if task_id is None:
                task_id = bar.add_task("documents", total=total, label="")
            bar.update(task_id, completed=done, total=total, label=label[-60:])

        yield update
