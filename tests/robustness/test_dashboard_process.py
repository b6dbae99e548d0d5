"""`labwatch dashboard` stopped by SIGTERM (a supervisor, a test harness) leaves nothing behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time

import pytest

from .conftest import cli_command, subprocess_env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.slow
def test_sigterm_stops_the_dashboard_and_frees_its_port(tmp_path):
    port = _free_port()
    proc = subprocess.Popen(
        cli_command("dashboard", "--port", port, "--db", tmp_path / "w.duckdb"),
        env=subprocess_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # so the cleanup below can reach an orphan, if one is left
    )
    try:
        deadline = time.monotonic() + 90
        while not _listening(port):
            assert proc.poll() is None, "the dashboard exited before listening"
            assert time.monotonic() < deadline, "the dashboard never listened"
            time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        deadline = time.monotonic() + 15
        while _listening(port) and time.monotonic() < deadline:
            time.sleep(0.3)
        assert not _listening(port), "a process still holds the dashboard's port after SIGTERM"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # only the group this test started
        except ProcessLookupError:
            pass
