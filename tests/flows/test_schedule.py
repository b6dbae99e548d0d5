"""`labwatch schedule` serves the crawl flow on a cron schedule against a real Prefect server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

pytestmark = [pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {seconds} s")


def test_schedule_registers_a_cron_deployment(tmp_path):
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_API_URL": api,
        "PREFECT_SERVER_API_HOST": "127.0.0.1",
        "PREFECT_SERVER_API_PORT": str(port),
        "PREFECT_UI_ENABLED": "false",
    }
    prefect = os.path.join(os.path.dirname(sys.executable), "prefect")
    server = subprocess.Popen(
        [prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    serve = None
    try:
        _wait(f"{api}/health", 120)
        sources = tmp_path / "sources"
        sources.mkdir()
        (sources / "harbor-light.yaml").write_text(
            "lab: harbor-light\nname: Harbor Light\nsources:\n  - url: https://example.org/policy.pdf\n"
        )
        serve = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "labwatch.flows.cli",
                "schedule",
                "--cron",
                "15 4 * * *",
                "--sources",
                str(sources),
                "--allow-private",  # a local test site can be scheduled
                "--db",
                str(tmp_path / "w.duckdb"),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 120
        found = []
        while time.monotonic() < deadline and not found:
            assert serve.poll() is None, serve.stderr.read().decode()[-2000:]
            try:  # a busy server may be slow to answer one poll; the deadline bounds the wait
                r = httpx.post(f"{api}/deployments/filter", json={}, timeout=10)
            except httpx.TimeoutException:
                continue
            found = [d for d in r.json() if d["name"] == "labwatch-crawl"]
            time.sleep(1)
        assert found, "the crawl deployment was not registered"
        schedules = found[0].get("schedules") or []
        crons = [s["schedule"].get("cron") for s in schedules]
        assert "15 4 * * *" in crons, schedules
        assert found[0]["parameters"]["sources"] == str(sources)
        assert found[0]["parameters"]["allow_private"] is True
    finally:
        for proc in (serve, server):
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
