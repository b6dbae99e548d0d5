"""Progress on long work: nothing for quick work or scripts, a bar on a terminal after the delay,
and a last line with the counts."""

from __future__ import annotations

import io
import os
import pty
import re
import subprocess
import sys
import time

import pytest
from rich.console import Console

from labwatch.flows.progress import progress_printer


def last_line(text: str) -> str:
    """The last line a person sees (terminal control sequences removed)."""
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text).rstrip().splitlines()[-1]


def terminal() -> tuple[Console, io.StringIO]:
    buf = io.StringIO()
    return Console(file=buf, force_terminal=True, width=100), buf


def test_quick_work_prints_nothing():
    console, buf = terminal()
    with progress_printer(description="documents", delay=1.0, console=console) as progress:
        for i in range(3):
            progress(i + 1, 3, f"doc {i}")
    assert buf.getvalue() == ""


def test_long_work_shows_a_bar_and_ends_with_the_counts():
    console, buf = terminal()
    with progress_printer(description="documents", delay=0.2, console=console) as progress:
        for i in range(3):
            time.sleep(0.2)
            progress(i + 1, 3, f"doc-{i}.pdf")
    text = buf.getvalue()
    assert "documents" in text and "doc-" in text  # the live bar was drawn
    assert last_line(text).startswith("documents: 3 of 3 in ")


def test_work_without_a_count_gets_a_spinner_and_a_closing_line():
    console, buf = terminal()
    with progress_printer(description="eval", delay=0.1, console=console) as progress:
        time.sleep(0.4)
        progress(120, None, "passages")
    assert last_line(buf.getvalue()).startswith("eval: 120 passages in ")


def test_no_progress_for_scripts_or_when_disabled():
    with progress_printer(console=Console(file=io.StringIO())) as progress:  # not a terminal
        assert progress is None
    console, buf = terminal()
    with progress_printer(enabled=False, console=console) as progress:
        assert progress is None
    assert buf.getvalue() == ""


def _on_a_terminal(*args: str, env: dict) -> tuple[int, str, str]:
    """Run ``labwatch ARGS`` with stderr on a pseudo-terminal; returns (exit, stdout, stderr)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "labwatch.flows.cli", *args], stdout=subprocess.PIPE, stderr=slave, env=env
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    out, _ = proc.communicate(timeout=120)
    os.close(master)
    return proc.returncode, out.decode(), b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.slow
def test_a_crawl_on_a_terminal_shows_progress_and_json_stays_clean(tmp_path):
    from tests.corpus.conftest import LoopbackServer

    site = LoopbackServer()
    site.thread.start()
    try:
        site.static("/robots.txt", b"User-agent: *\n", "text/plain")
        for name in ("a", "b"):
            site.static(f"/{name}.pdf", b"gone", "text/plain", status=404)
        (tmp_path / "src").mkdir()
        (tmp_path / "src" / "quillon.yaml").write_text(
            f"lab: quillon\nsources:\n  - url: {site.url('/a.pdf')}\n  - url: {site.url('/b.pdf')}\n"
        )
        env = {**os.environ, "LABWATCH_PROGRESS_DELAY": "0", "COLUMNS": "120"}
        args = ("crawl", "--sources", str(tmp_path / "src"), "--allow-private", "--db", str(tmp_path / "w.duckdb"))
        code, out, err = _on_a_terminal(*args, env=env)
        assert code == 1 and "404" in err  # both sources failed, and say so
        assert "sources: 2 of 2 in " in err
        code, out, err = _on_a_terminal(*args, "--format", "json", env=env)
        assert code == 1 and out.lstrip().startswith("{") and "sources: 2 of 2" not in err
    finally:
        site.httpd.shutdown()
        site.httpd.server_close()


def test_lines_mode_prints_one_plain_line_per_step_even_for_scripts(monkeypatch):
    monkeypatch.setenv("LABWATCH_PROGRESS", "lines")
    buf = io.StringIO()
    with progress_printer(enabled=False, console=Console(file=buf)) as progress:  # --format json, no terminal
        progress(2, 5, "aurora-labs/a.txt")
        progress(5, 5, "aurora-labs/e.txt")
        progress(7, None, "passages")
    assert buf.getvalue().splitlines() == [
        "documents: 2 of 5 done, last aurora-labs/a.txt",
        "documents: 5 of 5 done, last aurora-labs/e.txt",
        "documents: 7 done passages",
    ]
