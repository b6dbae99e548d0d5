"""One real-browser check: `streamlit run` on loopback, headless Chromium driven over the Chrome
DevTools Protocol (a tiny client below; no selenium), a reviewer confirms a suggestion, and the
decision lands in the warehouse."""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from labwatch.warehouse import queries

from .conftest import APP

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1800",
]

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 2.0) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as resp:  # loopback only
        return resp.read().decode()


def _wait(check, what: str, timeout: float = 60.0, every: float = 0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except (OSError, ValueError):
            pass
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class DevTools:
    """Just enough of the Chrome DevTools Protocol: send a command, wait for its answer."""

    def __init__(self, ws_url: str):
        from websockets.sync.client import connect

        self._ws = connect(ws_url, max_size=None, open_timeout=10)
        self._ids = itertools.count(1)

    def send(self, method: str, params: dict | None = None, timeout: float = 30.0) -> dict:
        msg_id = next(self._ids)
        self._ws.send(json.dumps({"id": msg_id, "method": method, "params": params or {}}))
        deadline = time.monotonic() + timeout
        while True:
            reply = json.loads(self._ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            if reply.get("id") == msg_id:  # events and other replies are ignored
                if "error" in reply:
                    raise AssertionError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def js(self, expression: str):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        return result.get("result", {}).get("value")

    def key(self, name: str, code: int) -> None:
        for kind in ("keyDown", "keyUp"):
            self.send(
                "Input.dispatchKeyEvent",
                {"type": kind, "key": name, "code": name, "windowsVirtualKeyCode": code, "nativeVirtualKeyCode": code},
            )

    def close(self) -> None:
        self._ws.close()


@pytest.fixture
def server(warehouse, tmp_path):
    """`streamlit run` of the dashboard on a free loopback port, until the health check answers."""
    port = _free_port()
    env = {**os.environ, "LABWATCH_DB": str(warehouse.path), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    log = (tmp_path / "streamlit.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(APP),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--server.fileWatcherType",
            "none",
            "--browser.gatherUsageStats",
            "false",
            "--client.toolbarMode",
            "minimal",  # as `labwatch dashboard` starts it
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: _get(base + "/_stcore/health") == "ok", "the Streamlit health check", timeout=90)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture
def browser(tmp_path):
    """Headless Chromium with a fresh profile, reached over DevTools on a loopback port."""
    if not CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is None:
        pytest.skip("/usr/bin/chromium is absent: `apt-get install -y chromium chromium-driver` to run this test")
    profile = tmp_path / "chromium-profile"
    profile.mkdir()
    proc = subprocess.Popen(
        [
            str(CHROMIUM),
            *FLAGS,
            f"--user-data-dir={profile}",
            "--remote-debugging-port=0",
            "--remote-debugging-address=127.0.0.1",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        port = int(_wait(lambda: port_file.exists() and port_file.read_text().split()[0], "DevToolsActivePort"))
        pages = _wait(
            lambda: [t for t in json.loads(_get(f"http://127.0.0.1:{port}/json/list")) if t.get("type") == "page"],
            "a Chromium page",
        )
        tools = DevTools(pages[0]["webSocketDebuggerUrl"])
        yield tools
        tools.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _settled(browser: DevTools, *texts: str) -> bool:
    """The script run finished (no running indicator) and the page shows every text."""
    running = browser.js("!!document.querySelector('[data-testid^=\"stStatusWidgetRunning\"]')")
    body = browser.js("document.body.innerText") or ""
    return not running and all(t in body for t in texts)


def _screenshot(browser: DevTools, path: Path) -> Path:
    shot = browser.send("Page.captureScreenshot", {"format": "png"})
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


BUTTON = "[...document.querySelectorAll('button')].find(b => b.innerText.trim().startsWith({label!r}))"
LABEL = "[...document.querySelectorAll('label')].find(l => l.innerText.trim() === {label!r})"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}  # a laptop screen: what is "above the fold"


def _press(browser: DevTools, char: str) -> None:
    """A real key press on the page (not in a text box), as a reviewer's keyboard sends it."""
    browser.js("document.activeElement && document.activeElement.blur()")
    code = ord(char.upper())
    for kind in ("keyDown", "keyUp"):
        browser.send(
            "Input.dispatchKeyEvent",
            {
                "type": kind,
                "key": char,
                "code": f"Key{char.upper()}",
                "windowsVirtualKeyCode": code,
                "nativeVirtualKeyCode": code,
                **({"text": char} if kind == "keyDown" else {}),
            },
        )


def _open_page(browser: DevTools, label: str, *texts: str, timeout: float = 60.0) -> None:
    """Click a page in the sidebar once the page is idle, as a reviewer would; a click that lands
    while a script run is still drawing can be dropped by Streamlit, so an idle page that still
    does not show the target is clicked again."""
    deadline = time.monotonic() + timeout
    last_click = 0.0
    while time.monotonic() < deadline:
        if _settled(browser, *texts):
            return
        idle = not browser.js("!!document.querySelector('[data-testid^=\"stStatusWidgetRunning\"]')")
        if idle and time.monotonic() - last_click > 3.0:
            browser.js(f"{LABEL.format(label=label)}.click()")
            last_click = time.monotonic()
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for the {label} page")


def _keep(png: Path, name: str) -> None:
    """With LABWATCH_UPDATE_SCREENSHOTS=1, the screenshot replaces docs/screenshots/<name>."""
    if os.environ.get("LABWATCH_UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(png, SCREENSHOTS / name)


def test_reviewer_confirms_a_suggestion_in_a_real_browser(server, browser, warehouse, tmp_path):
    with warehouse.read() as con:
        best = queries.review_queue(con, order="score", limit=1)[0]
        informative = queries.review_queue(con, order="useful", limit=1)[0]
    browser.send("Page.enable")
    browser.send("Emulation.setDeviceMetricsOverride", {**VIEWPORT, "deviceScaleFactor": 1, "mobile": False})
    browser.send("Page.navigate", {"url": server})
    _wait(
        lambda: browser.js("!!document.querySelector('input[aria-label=\"Reviewer name\"]')"),
        "the reviewer name box",
        timeout=60,
    )
    assert not browser.js(BUTTON.format(label="Confirm")), "Confirm is offered before a name is given"
    browser.js("document.querySelector('input[aria-label=\"Reviewer name\"]').focus()")
    browser.send("Input.insertText", {"text": "browser-reviewer"})
    browser.key("Enter", 13)
    _wait(lambda: browser.js(f"!!{BUTTON.format(label='Confirm')}"), "the Confirm button", timeout=30)
    # best first by default, as `labwatch review list`, and the page says so
    _wait(lambda: _settled(browser, "best first", best["text"]), "the best suggestion first", timeout=30)
    time.sleep(0.5)
    for label in ("Confirm", "Reject", "Skip", "Undo", "Confirm for"):
        bottom = browser.js(f"{BUTTON.format(label=label)}.getBoundingClientRect().bottom")
        assert bottom is not None and bottom < VIEWPORT["height"], f"{label} is below the fold ({bottom} px)"
    _keep(_screenshot(browser, tmp_path / "review-card.png"), "review-card.png")

    browser.js(f"{LABEL.format(label='Most informative first')}.click()")
    _wait(lambda: _settled(browser, "<script>alert(1)</script>"), "the most informative suggestion", timeout=30)
    assert informative["text"].startswith("<script>")
    assert browser.js("document.querySelectorAll('img[src=\"x\"]').length") == 0  # the payload is text
    _press(browser, "y")  # Confirm

    def decided(match_id):
        with warehouse.read() as con:
            return con.execute("SELECT decision, reviewer FROM decisions WHERE match_id = ?", [match_id]).fetchone()

    assert _wait(lambda: decided(informative["match_id"]), "the decision in the warehouse", timeout=30) == (
        "confirmed",
        "browser-reviewer",
    )
    with warehouse.read() as con:
        left = len(queries.review_queue(con, limit=None))
    _wait(
        lambda: _settled(browser, "Confirmed", f"{left} undecided suggestions", "Suggested criterion"),
        "the next suggestion",
        timeout=30,
    )
    # an unscored suggestion: the card says its decision moves no score; confirm it by keyboard too
    browser.js(f"{LABEL.format(label='Unscored or weight 0 (context)')}.click()")
    _wait(lambda: _settled(browser, "Does not move a score", "context.thresholds"), "the unscored card", timeout=30)
    with warehouse.read() as con:
        unscored = queries.review_queue(con, criterion="context.thresholds", limit=1)[0]
    _press(browser, "y")
    assert _wait(lambda: decided(unscored["match_id"]), "the unscored decision", timeout=30)[0] == "confirmed"

    _open_page(browser, "Scores", "Confirmed credit that does not count")
    time.sleep(1.0)  # the chart draws after the text
    png = _screenshot(browser, tmp_path / "scores.png")
    assert png.stat().st_size > 10_000
    _keep(png, "scores.png")
