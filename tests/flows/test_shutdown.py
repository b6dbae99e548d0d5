"""A command ends without the interpreter's teardown, but never before its work is done."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest


def _run(code: str, tmp_path, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={**__import__("os").environ, **env},
    )


def test_leave_flushes_output_and_keeps_the_exit_code(tmp_path):
    done = _run(
        """
        import sys
        from labwatch.flows.shutdown import leave
        print("the last line of a report", end="")  # unflushed: no newline, stdout a pipe
        sys.stderr.write("a warning")
        leave(3)
        """,
        tmp_path,
    )
    assert done.returncode == 3
    assert done.stdout == "the last line of a report" and done.stderr == "a warning"


def test_leave_waits_for_a_thread_that_is_still_writing(tmp_path):
    done = _run(
        """
        import threading, time
        from pathlib import Path
        from labwatch.flows.shutdown import leave
        def write():
            time.sleep(0.5)
            Path("written").write_text("done")
        threading.Thread(target=write).start()
        leave(0)
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "written").read_text() == "done"


@pytest.mark.parametrize("env", [{"LABWATCH_FULL_EXIT": "1"}, {}])
def test_atexit_work_runs_when_asked_for_or_when_prefect_is_loaded(tmp_path, env):
    # Prefect's client sends its logs and events at exit: with Prefect loaded, exit normally
    done = _run(
        f"""
        import atexit
        from pathlib import Path
        {"" if env else "import prefect"}
        from labwatch.flows.shutdown import leave
        atexit.register(lambda: Path("flushed").write_text("yes"))
        leave(0)
        """,
        tmp_path,
        **env,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "flushed").exists()


def test_with_nothing_left_to_do_the_teardown_is_skipped(tmp_path):
    # the point of leave(): no module teardown, so no atexit work either (0.5-1 s after a run)
    done = _run(
        """
        import atexit
        from pathlib import Path
        from labwatch.flows.shutdown import leave
        atexit.register(lambda: Path("teardown-ran").write_text("yes"))
        leave(0)
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "teardown-ran").exists()
