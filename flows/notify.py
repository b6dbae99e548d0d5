"""Alerts that reach people: new commitment changes sent through Apprise, per lab or for all.

Apprise speaks to email, Slack, Matrix, Discord, ntfy, Telegram, generic JSON endpoints and
about a hundred other services, each from one URL (https://github.com/caronc/apprise/wiki). The
targets are listed in ``labwatch.yaml`` beside the database::

    notify:
      - url: ntfys://ntfy.example.org/labwatch          # every lab
      - url: mailto://alerts:app-password@example.org
        labs: [aurora-labs, brackenridge-labs]          # only these labs' changes
        kinds: [weakened, removed]                      # optional: only these kinds
    notify_attempts: 3        # per delivery (default 3)
    notify_backoff: 2.0       # seconds before the 2nd attempt, doubled after (default 2)
    allow_private: false      # also lets targets reach loopback and private addresses

and ``LABWATCH_NOTIFY_URLS`` (URLs separated by spaces) adds targets for every lab. The existing
``webhook_url`` (flows/feeds.py) stays as it was.

Each delivery is tried up to ``notify_attempts`` times with exponential backoff, and every
attempt is a row of ``notification_attempts`` (migration 0008) with the target's redacted URL,
whether it got through and, if not, why. Nothing here raises for a failed delivery: a run never
loses its results to an alert.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from datetime import datetime

from labwatch.flows.feeds import NotifyConfigError, entry_title, publish_changes, read_config_file
from labwatch.warehouse import notifications, store
from labwatch.warehouse.db import Warehouse
from labwatch.warehouse.notifications import change_rows

DEFAULT_ATTEMPTS = 3
DEFAULT_BACKOFF = 2.0
MAX_LISTED = 20  # changes spelled out in one message; the rest are counted
KINDS = ("added", "removed", "reworded", "strengthened", "weakened")
# Services a user may host anywhere: their host passes the crawler's address guard, so a
# registry or config mistake cannot turn alerts into requests to internal addresses.
SELF_HOSTED = {
    "json", "jsons", "xml", "xmls", "form", "forms", "ntfy", "ntfys", "gotify", "gotifys",
    "matrix", "matrixs", "apprise", "apprises", "mmost", "mmosts", "rocket", "rockets",
    "ncloud", "nclouds", "mqtt", "mqtts",
}  # fmt: skip


@dataclass(frozen=True)
class Target:
    """One Apprise URL and the changes it wants (``labs`` empty: every lab)."""

    url: str
    labs: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()

    @property
    def scope(self) -> str:
        return ",".join(self.labs) if self.labs else "all"

    def wants(self, change: dict) -> bool:
        return (not self.labs or change["lab"] in self.labs) and (not self.kinds or change["kind"] in self.kinds)


@dataclass(frozen=True)
class AlertConfig:
    targets: tuple[Target, ...] = ()
    attempts: int = DEFAULT_ATTEMPTS
    backoff: float = DEFAULT_BACKOFF
    allow_private: bool = False


def load_alert_config(wh: Warehouse) -> AlertConfig:
    """Targets from ``labwatch.yaml``'s ``notify:`` and ``LABWATCH_NOTIFY_URLS``; NotifyConfigError
    names the file and the key when something is not as documented above."""
    path, data = read_config_file(wh)
    raw = data.get("notify") or []
    if not isinstance(raw, list):
        raise NotifyConfigError(f"{path}: notify: expected a list of {{url: ..., labs: [...]}}")
    targets = [_target(item, f"{path}: notify[{i}]") for i, item in enumerate(raw)]
    targets += [Target(u) for u in os.environ.get("LABWATCH_NOTIFY_URLS", "").split()]
    attempts = data.get("notify_attempts", DEFAULT_ATTEMPTS)
    backoff = data.get("notify_backoff", DEFAULT_BACKOFF)
    if not isinstance(attempts, int) or isinstance(attempts, bool) or not 1 <= attempts <= 10:
        raise NotifyConfigError(f"{path}: notify_attempts: expected a whole number 1..10, got {attempts!r}")
    if not isinstance(backoff, (int, float)) or isinstance(backoff, bool) or not 0 <= backoff <= 300:
        raise NotifyConfigError(f"{path}: notify_backoff: expected seconds 0..300, got {backoff!r}")
    allow = data.get("allow_private", False) is True or os.environ.get("LABWATCH_WEBHOOK_ALLOW_PRIVATE", "") in (
        "1",
        "true",
        "yes",
    )
    return AlertConfig(tuple(targets), attempts, float(backoff), allow)


def _target(item, where: str) -> Target:
    if isinstance(item, str):
        item = {"url": item}
    if not isinstance(item, dict) or not isinstance(item.get("url"), str) or not item["url"].strip():
        raise NotifyConfigError(f"{where}: expected {{url: <an Apprise URL>, labs: [...]}}")
    lists = {}
    for key in ("labs", "kinds"):
        value = item.get(key) or []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise NotifyConfigError(f"{where}.{key}: expected a list of names")
        lists[key] = tuple(value)
    unknown = [k for k in lists["kinds"] if k not in KINDS]
    if unknown:
        raise NotifyConfigError(f"{where}.kinds: unknown kind {unknown[0]!r} (one of {', '.join(KINDS)})")
    return Target(item["url"].strip(), lists["labs"], lists["kinds"])


# ------------------------------------------------------------------------------ messages


def compose(changes: list[dict]) -> tuple[str, str]:
    """Title and body of one alert about ``changes`` (oldest first)."""
    labs = sorted({c["lab"] for c in changes})
    silent = sum(1 for c in changes if c.get("announced") is False)
    noun = "change" if len(changes) == 1 else "changes"
    where = labs[0] if len(labs) == 1 else f"{len(labs)} labs"
    title = f"labwatch: {len(changes)} commitment {noun} in {where}" + (f" ({silent} silent)" if silent else "")
    lines = []
    for c in changes[:MAX_LISTED]:
        lines.append(f"- {entry_title(c)}: {c.get('reason') or c['kind']}")
        if c.get("old"):
            lines.append(f"  before: {_clip(c['old'])}")
        if c.get("new"):
            lines.append(f"  after: {_clip(c['new'])}")
    if len(changes) > MAX_LISTED:
        lines.append(f"... and {len(changes) - MAX_LISTED} more (labwatch changes --since ...)")
    return title, "\n".join(lines)


def _clip(text: str, n: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


# ------------------------------------------------------------------------------ delivery


def redact(url: str) -> str:
    """``scheme://host/...`` with Apprise's own masking of tokens; never the whole secret URL."""
    plugin = _instantiate(url)
    if plugin is None:
        return url.split("://", 1)[0] + "://(unrecognised URL)"
    shown = plugin.url(privacy=True)
    scheme, _, rest = shown.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0].split('?', 1)[0]}/..."


def _instantiate(url: str):
    import apprise

    return apprise.Apprise.instantiate(url, asset=apprise.AppriseAsset(storage_mode="memory"))


def _refusal(url: str, allow_private: bool) -> str | None:
    """Why this target may not be contacted, or None."""
    from labwatch.corpus.exceptions import CorpusError
    from labwatch.corpus.netguard import check_url

    plugin = _instantiate(url)
    if plugin is None:
        return "not an Apprise URL this version knows (see the Apprise wiki for the services)"
    scheme = url.split("://", 1)[0].lower()
    host = getattr(plugin, "host", None)
    if scheme in SELF_HOSTED and host:
        port = getattr(plugin, "port", None)
        probe = f"http://{host}:{port}/" if port else f"http://{host}/"
        try:
            check_url(probe, allow_private=allow_private)
        except CorpusError as exc:
            return str(exc).replace(probe, host) + " (allow_private: true in labwatch.yaml permits it)"
    return None


def deliver(target: Target, title: str, body: str, *, attempts: int, backoff: float, allow_private: bool) -> list[dict]:
    """Send one message to one target, retrying with exponential backoff.

    Returns one dict per attempt: ``attempt``, ``ok``, ``error`` (Apprise's own warning when it
    has one), ``attempted_at``. A refused target is one failed attempt, never retried.
    """
    import apprise

    refused = _refusal(target.url, allow_private)
    if refused:
        return [{"attempt": 1, "ok": False, "error": f"refused: {refused}", "attempted_at": store.now()}]
    log = []
    for n in range(1, attempts + 1):
        sender = apprise.Apprise(asset=apprise.AppriseAsset(storage_mode="memory"))
        sender.add(_instantiate(target.url))
        at = store.now()
        with apprise.LogCapture(level=logging.WARNING) as captured:
            ok = bool(sender.notify(title=title, body=body))
        error = None if ok else (_last_line(captured.getvalue()) or "Apprise reported a failure")
        log.append({"attempt": n, "ok": ok, "error": error, "attempted_at": at})
        if ok:
            break
        if n < attempts:
            time.sleep(backoff * 2 ** (n - 1))
    return log


def _last_line(text: str) -> str | None:
    lines = [ln.split(" - ", 2)[-1].strip() for ln in text.splitlines() if ln.strip()]
    return lines[-1] if lines else None


def _record(wh: Warehouse, target: Target, log: list[dict], changes: list[dict], *, run_id, is_test) -> None:
    ids = [c["change_id"] for c in changes if c.get("change_id")]
    with wh.write() as con:
        notifications.record_attempts(
            con,
            run_id=run_id,
            target=redact(target.url),
            scope=target.scope,
            attempts=log,
            change_ids=ids,
            n_changes=len(changes),
            is_test=is_test,
        )


def _summary(target: Target, log: list[dict], n_changes: int) -> dict:
    return {
        "target": redact(target.url),
        "scope": target.scope,
        "changes": n_changes,
        "attempts": len(log),
        "ok": log[-1]["ok"],
        "error": log[-1]["error"],
    }


def publish(wh: Warehouse, run_id: str, *, since: datetime, client=None) -> dict:
    """After a run that added versions: feeds and webhook (flows/feeds.py), then the Apprise
    alerts of the changes detected since ``since``. The report of ``publish_changes`` plus
    ``alerts`` (one entry per target reached for); failures are recorded, never raised."""
    report = publish_changes(wh, run_id, since=since, client=client)
    with wh.read() as con:
        new = list(reversed(change_rows(con, detected_since=since)))  # oldest first
    if not new:
        return report
    alerts = send_alerts(wh, new, run_id=run_id)
    report["alerts"] = alerts["deliveries"]
    for problem in alerts["failures"]:
        report["failures"].append({"source": problem["source"], "stage": "notify", "reason": problem["reason"]})
        with wh.write() as con:
            store.record_failure(con, run_id, "notify", problem["source"], problem["reason"])
    return report


def send_alerts(wh: Warehouse, changes: list[dict], *, run_id: str | None, config: AlertConfig | None = None) -> dict:
    """Send ``changes`` (dicts from warehouse.notifications.change_rows, oldest first) to every
    target that wants some of them. Returns ``{"deliveries": [...], "failures": [{"source", "reason"}]}``."""
    report: dict = {"deliveries": [], "failures": []}
    try:
        config = config or load_alert_config(wh)
    except NotifyConfigError as exc:
        report["failures"].append({"source": "labwatch.yaml", "reason": str(exc)})
        return report
    for target in config.targets:
        wanted = [c for c in changes if target.wants(c)]
        if not wanted:
            continue
        title, body = compose(wanted)
        log = deliver(
            target, title, body, attempts=config.attempts, backoff=config.backoff, allow_private=config.allow_private
        )
        _record(wh, target, log, wanted, run_id=run_id, is_test=False)
        summary = _summary(target, log, len(wanted))
        report["deliveries"].append(summary)
        if not summary["ok"]:
            reason = f"alert {summary['target']}: {len(log)} attempt(s) failed: {summary['error']}"
            report["failures"].append({"source": summary["target"], "reason": reason})
    return report


def send_test(wh: Warehouse, *, lab: str | None = None) -> list[dict]:
    """`labwatch notify --test`: one test message to every target (for ``lab``: those that get
    its changes), recorded like real deliveries with ``is_test``. Raises NotifyConfigError."""
    config = load_alert_config(wh)
    results = []
    for target in config.targets:
        if lab and target.labs and lab not in target.labs:
            continue
        scope = lab or (", ".join(target.labs) if target.labs else "every lab")
        title = "labwatch: test alert"
        body = f"This target will receive labwatch's commitment changes for {scope} ({datetime.now():%Y-%m-%d %H:%M})."
        log = deliver(
            target, title, body, attempts=config.attempts, backoff=config.backoff, allow_private=config.allow_private
        )
        _record(wh, target, log, [], run_id=None, is_test=True)
        results.append(_summary(target, log, 0))
    return results


def list_targets(wh: Warehouse) -> list[dict]:
    """The configured targets, redacted, with what each receives (for `labwatch notify`)."""
    config = load_alert_config(wh)
    return [{"target": redact(t.url), "scope": t.scope, "kinds": ",".join(t.kinds) or "all"} for t in config.targets]
