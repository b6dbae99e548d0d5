"""Progress on long work, on stderr so that stdout stays clean for --format json.

A bar (or, for work without a count, a spinner with the elapsed time) appears only on a
terminal and only once the work has taken longer than ``delay`` seconds (2 by default): a quick
command prints nothing extra, a long one shows it is alive. When a bar was shown, the command's
last stderr line says how much was done and how long it took.

``LABWATCH_PROGRESS=lines`` asks instead for one plain line per step on stderr, whatever stderr
is and whatever ``--format``: for logs of scheduled runs (cron, CI) and for scripts that watch a
run ("documents: 4 of 51 done, last aurora-labs/policy-1.txt"). A line is printed after the step
it reports: for a run, once that batch is committed to the warehouse.
"""

from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from labwatch.flows.output import err

DELAY = 2.0  # seconds; LABWATCH_PROGRESS_DELAY overrides it (0: at once)


class _Tracker:
    """The callback handed to the work: ``tracker(done, total, label)``."""

    def __init__(self, description: str, console: Console, delay: float):
        self.description = description
        self.console = console
        self.done, self.total, self.label = 0, None, ""
        self.started = time.monotonic()
        self.shown = False
        self._lock = threading.Lock()
        self._bar: Progress | None = None
        self._task = None
        self._timer = threading.Timer(delay, self._show)
        self._timer.daemon = True
        self._timer.start()

    def __call__(self, done: int, total: int | None = None, label: str = "") -> None:
        with self._lock:
            self.done, self.total, self.label = done, total, label or ""
            if self._bar is not None:
                self._bar.update(self._task, completed=done, total=total, label=self.label[-60:])

    def _show(self) -> None:
        with self._lock:
            if self._bar is not None or self._timer is None:
                return
            self._bar = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.fields[label]}"),
                console=self.console,
                transient=True,
            )
            self._task = self._bar.add_task(
                self.description, total=self.total, completed=self.done, label=self.label[-60:]
            )
            self._bar.start()
            self.shown = True

    def close(self) -> None:
        with self._lock:
            self._timer.cancel()
            self._timer = None
            bar, self._bar = self._bar, None
        if bar is not None:
            bar.stop()
            seconds = time.monotonic() - self.started
            count = f"{self.done} of {self.total}" if self.total else f"{self.done} {self.label}".strip()
            self.console.print(f"{self.description}: {count} in {seconds:.1f} s", highlight=False)


def _lines(description: str, console: Console):
    lock = threading.Lock()

    def step(done: int, total: int | None = None, label: str = "") -> None:
        count = f"{done} of {total}" if total else str(done)
        tail = f", last {label}" if label and total else (f" {label}" if label else "")
        with lock:
            console.file.write(f"{description}: {count} done{tail}\n")
            console.file.flush()

    return step


@contextmanager
def progress_printer(
    enabled: bool = True, *, description: str = "documents", delay: float | None = None, console: Console | None = None
):
    """Yields a callback(done, total, label), or None when disabled or stderr is no terminal
    (unless ``LABWATCH_PROGRESS=lines``, which always gives plain lines).

    Nothing is drawn until ``delay`` seconds have passed; then a transient bar (a spinner when
    ``total`` is unknown) and, at the end, one line with the counts and the time taken.
    """
    console = console or err
    if os.environ.get("LABWATCH_PROGRESS", "").strip().lower() == "lines":
        yield _lines(description, console)
        return
    if delay is None:
        delay = float(os.environ.get("LABWATCH_PROGRESS_DELAY", DELAY))
    if not enabled or not console.is_terminal:
        yield None
        return
    tracker = _Tracker(description, console, delay)
    try:
        yield tracker
    finally:
        tracker.close()
