"""Alerts through Apprise to a loopback endpoint started by the test: routing per lab, retries
with backoff, a record of every attempt, `labwatch notify --test`, and nothing ever raised."""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from labwatch.flows.notify import load_alert_config, publish

from .conftest import invoke
from .test_feeds import seeded

SINCE = datetime(2000, 1, 1)


class Endpoint:
    """An HTTP receiver on 127.0.0.1 answering the next status of ``statuses`` (then the last)."""

    def __init__(self, *statuses: int):
        self.statuses = list(statuses or (200,))
        self.received: list[dict] = []
        self.times: list[float] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                owner.times.append(time.monotonic())
                owner.received.append({"path": self.path, "json": json.loads(body)})
                status = owner.statuses.pop(0) if len(owner.statuses) > 1 else owner.statuses[0]
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"json://127.0.0.1:{self.port}/{path}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture()
def endpoint():
    e = Endpoint()
    yield e
    e.close()


@pytest.fixture(autouse=True)
def no_env(monkeypatch):
    for name in ("LABWATCH_WEBHOOK_URL", "LABWATCH_WEBHOOK_ALLOW_PRIVATE", "LABWATCH_NOTIFY_URLS"):
        monkeypatch.delenv(name, raising=False)


def configure(tmp_path, text: str) -> None:
    (tmp_path / "labwatch.yaml").write_text(text)


def attempts(wh) -> list[dict]:
    with wh.read() as con:
        cur = con.execute("SELECT * FROM notification_attempts ORDER BY attempted_at, attempt")
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]


def test_changes_reach_every_target_that_wants_them_and_each_attempt_is_recorded(tmp_path, endpoint):
    wh = seeded(tmp_path, {"aurora-labs": 3, "brackenridge": 2})
    configure(
        tmp_path,
        f"""allow_private: true
notify:
  - url: {endpoint.url("everything/tok-111")}
  - url: {endpoint.url("aurora-only/tok-222")}
    labs: [aurora-labs]
  - url: {endpoint.url("weakenings/tok-333")}
    kinds: [weakened]
  - url: {endpoint.url("nobody/tok-444")}
    labs: [some-other-lab]
""",
    )
    report = publish(wh, "r_alerts", since=SINCE)
    assert report["failures"] == []
    got = {m["path"].split("/")[1]: m["json"] for m in endpoint.received}
    assert set(got) == {"everything", "aurora-only", "weakenings"}  # no message without changes for it
    assert got["everything"]["title"] == "labwatch: 5 commitment changes in 2 labs (2 silent)"
    assert "brackenridge" in got["everything"]["message"] and "aurora-labs" in got["everything"]["message"]
    assert got["aurora-only"]["title"].startswith("labwatch: 3 commitment changes in aurora-labs")
    assert "brackenridge" not in got["aurora-only"]["message"]
    assert "weakened a commitment" in got["weakenings"]["message"] and "added a" not in got["weakenings"]["message"]
    assert (
        "Before" not in got["aurora-only"]["message"] and "before: We will do thing 1." in got["aurora-only"]["message"]
    )
    rows = attempts(wh)
    assert [(r["scope"], r["ok"], r["attempt"], r["n_changes"]) for r in rows] == [
        ("all", True, 1, 5),
        ("aurora-labs", True, 1, 3),
        ("all", True, 1, 2),
    ]
    assert all(r["run_id"] == "r_alerts" and not r["is_test"] for r in rows)
    assert sorted(rows[1]["change_ids"]) == ["c_aurora-labs_0000", "c_aurora-labs_0001", "c_aurora-labs_0002"]
    assert not any("tok-" in r["target"] for r in rows)  # tokens never reach the warehouse
    assert [d["ok"] for d in report["alerts"]] == [True, True, True]


def test_a_failing_target_is_retried_with_backoff_until_it_answers(tmp_path):
    flaky = Endpoint(500, 503, 200)
    try:
        wh = seeded(tmp_path, {"aurora-labs": 1})
        configure(tmp_path, f"allow_private: true\nnotify_backoff: 0.2\nnotify: [{flaky.url('x')}]\n")
        report = publish(wh, "r_retry", since=SINCE)
    finally:
        flaky.close()
    assert report["failures"] == [] and report["alerts"][0]["attempts"] == 3
    assert [r["ok"] for r in attempts(wh)] == [False, False, True]
    assert "500" in attempts(wh)[0]["error"]
    gaps = [b - a for a, b in zip(flaky.times, flaky.times[1:])]
    assert gaps[0] >= 0.2 * 0.9 and gaps[1] >= 0.4 * 0.9  # exponential backoff between attempts


def test_a_target_that_never_answers_is_a_recorded_failure_not_an_exception(tmp_path):
    down = Endpoint(500)
    try:
        wh = seeded(tmp_path, {"aurora-labs": 2})
        configure(
            tmp_path, f"allow_private: true\nnotify_attempts: 2\nnotify_backoff: 0\nnotify: [{down.url('t/s3cret')}]\n"
        )
        report = publish(wh, "r_down", since=SINCE)
    finally:
        down.close()
    assert len(down.received) == 2 and [r["ok"] for r in attempts(wh)] == [False, False]
    assert "2 attempt(s) failed" in report["failures"][0]["reason"]
    with wh.read() as con:
        stage, reason = con.execute("SELECT stage, reason FROM failures WHERE run_id = 'r_down'").fetchone()
    assert stage == "notify" and "s3cret" not in reason and (tmp_path / "w.duckdb.feeds" / "all.atom").exists()


def test_loopback_targets_are_refused_unless_allowed(tmp_path, endpoint):
    wh = seeded(tmp_path, {"aurora-labs": 1})
    configure(tmp_path, f"notify: [{endpoint.url('x')}]\n")
    report = publish(wh, "r_guard", since=SINCE)
    assert endpoint.received == []
    assert "refused" in report["failures"][0]["reason"] and "allow_private" in report["failures"][0]["reason"]
    assert [(r["attempt"], r["ok"]) for r in attempts(wh)] == [(1, False)]  # a refusal is not retried


def test_notify_test_sends_to_each_target_and_fails_when_one_is_down(tmp_path, endpoint, monkeypatch):
    db = tmp_path / "w.duckdb"
    configure(tmp_path, f"allow_private: true\nnotify:\n  - url: {endpoint.url('ok')}\n    labs: [aurora-labs]\n")
    listed = invoke("notify", "--db", db)
    assert "json://127.0.0.1" in listed.stdout and "aurora-labs" in listed.stdout
    sent = invoke("notify", "--test", "--db", db, "--format", "json")
    [target] = json.loads(sent.stdout)["targets"]
    assert target["ok"] and target["scope"] == "aurora-labs"
    assert endpoint.received[0]["json"]["title"] == "labwatch: test alert"
    assert "aurora-labs" in endpoint.received[0]["json"]["message"]
    closed = Endpoint()
    closed.close()  # nothing listens on this port any more
    monkeypatch.setenv("LABWATCH_NOTIFY_URLS", closed.url("gone"))
    configure(tmp_path, "allow_private: true\nnotify_attempts: 2\nnotify_backoff: 0\n")
    failed = invoke("notify", "--test", "--db", db, "--format", "json", check=False)
    [down] = json.loads(failed.stdout)["targets"]
    assert failed.exit_code == 1 and not down["ok"] and down["attempts"] == 2 and "gone" not in down["target"]
    from labwatch.warehouse.db import Warehouse

    rows = attempts(Warehouse(db))
    assert [(r["is_test"], r["ok"]) for r in rows] == [(True, True), (True, False), (True, False)]


@pytest.mark.parametrize(
    "text, message",
    [
        ("notify: json://x\n", "notify: expected a list"),
        ("notify: [{labs: [a]}]\n", "notify[0]: expected {url"),
        ("notify: [{url: 'json://x', kinds: [softened]}]\n", "unknown kind 'softened'"),
        ("notify: []\nnotify_attempts: 0\n", "notify_attempts"),
    ],
)
def test_a_bad_alert_config_is_one_line_naming_the_key(tmp_path, text, message):
    configure(tmp_path, text)
    result = invoke("notify", "--db", tmp_path / "w.duckdb", check=False)
    assert result.exit_code == 1 and message in result.stderr and "Traceback" not in result.stderr


def test_environment_targets_are_for_every_lab(tmp_path, monkeypatch):
    monkeypatch.setenv("LABWATCH_NOTIFY_URLS", "json://127.0.0.1:1/a  ntfy://127.0.0.1:2/b")
    wh = seeded(tmp_path, {"aurora-labs": 1})
    config = load_alert_config(wh)
    assert [(t.url, t.scope) for t in config.targets] == [
        ("json://127.0.0.1:1/a", "all"),
        ("ntfy://127.0.0.1:2/b", "all"),
    ]
