"""Feeds and alerts: commitment changes as Atom feeds, and new ones posted to a webhook.

After a run or crawl that added versions, ``publish_changes`` rewrites the feeds from the
warehouse (``<db file>.feeds/<lab>.atom`` and ``all.atom``, RFC 4287, the latest 200 changes
each) and posts the changes first detected by that run to the webhook, if one is configured:
``LABWATCH_WEBHOOK_URL``, else ``webhook_url:`` in ``labwatch.yaml`` beside the database
(``allow_private: true`` there, or ``LABWATCH_WEBHOOK_ALLOW_PRIVATE=1``, lets it reach loopback
and private addresses). The webhook URL passes the crawler's address guard. Nothing here is
fatal: a feed that cannot be written or a webhook that fails is recorded as a failure of the run.

Entry ids are tag URIs built from the change_id, which is stable across recomputation, so a
feed reader never sees a re-derived change as new. Silent changes (no change-log entry names
them) carry ``[silent]`` in the title and a category ``silent``.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from labwatch.errors import LabwatchError
from labwatch.warehouse.db import Warehouse
from labwatch.warehouse.notifications import change_rows
from labwatch.warehouse.queries import lab_ids

ATOM_NS = "http://www.w3.org/2005/Atom"
TAG = "tag:labwatch,2026:"
LW_NS = "tag:labwatch,2026:atom-provenance"  # <lw:old>/<lw:new>: where each side of a change is
FEED_LIMIT = 200
CONFIG_FILE = "labwatch.yaml"
WEBHOOK_TIMEOUT = 10.0
_VERBS = {
    "added": "added",
    "removed": "removed",
    "reworded": "reworded",
    "strengthened": "strengthened",
    "weakened": "weakened",
}
# XML 1.0 forbids most control characters; PDFs carry form feeds and worse.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

ET.register_namespace("", ATOM_NS)
ET.register_namespace("lw", LW_NS)


class NotifyError(LabwatchError):
    """Base class: a feed or webhook could not be delivered (the message names what and why)."""


class WebhookError(NotifyError):
    """The webhook was refused by the address guard, unreachable, or answered an error."""


class NotifyConfigError(NotifyError):
    """``labwatch.yaml`` beside the database is not valid."""


@dataclass(frozen=True)
class NotifyConfig:
    webhook_url: str | None = None
    allow_private: bool = False


def read_config_file(wh: Warehouse) -> tuple[Path, dict]:
    """``labwatch.yaml`` beside the database as a mapping ({} when there is none)."""
    path = wh.path.parent / CONFIG_FILE
    data: dict = {}
    if path.is_file():
        import yaml

        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise NotifyConfigError(f"{path}: not valid YAML: {exc}") from None
        if not isinstance(data, dict):
            raise NotifyConfigError(f"{path}: expected a mapping (webhook_url: ..., allow_private: ...)")
    return path, data


def load_config(wh: Warehouse) -> NotifyConfig:
    """Webhook settings: environment first, then ``labwatch.yaml`` beside the database."""
    path, data = read_config_file(wh)
    url = os.environ.get("LABWATCH_WEBHOOK_URL") or data.get("webhook_url")
    if url is not None and not isinstance(url, str):
        raise NotifyConfigError(f"{path}: webhook_url must be a string URL")
    allow = data.get("allow_private", False)
    if not isinstance(allow, bool):
        raise NotifyConfigError(f"{path}: allow_private must be true or false")
    allow = allow or os.environ.get("LABWATCH_WEBHOOK_ALLOW_PRIVATE", "") in ("1", "true", "yes")
    return NotifyConfig(webhook_url=url or None, allow_private=allow)


def feed_dir(wh: Warehouse) -> Path:
    """Where the feeds of a warehouse are written: ``<db file>.feeds/`` beside it, named after
    its whole file name like its journal, so two warehouses in one folder never overwrite each
    other's feeds (``x.db.feeds/``, ``x.duckdb.feeds/``)."""
    return wh.path.with_name(wh.path.name + ".feeds")


# ------------------------------------------------------------------------------------ feeds


def entry_title(change: dict) -> str:
    """ "aurora-labs weakened a commitment in safety-policy", prefixed "[silent] " when no
    change-log entry announced it."""
    verb = _VERBS.get(change["kind"], "changed")
    title = f"{change['lab']} {verb} a commitment in {change['document_id']}"
    if change.get("silent_reupload"):
        title += " (re-uploaded under the same date)"
    return f"[silent] {title}" if change.get("announced") is False else title


def render_feed(changes: list[dict], *, lab: str | None, updated: datetime | None = None) -> bytes:
    """One Atom feed document (UTF-8 bytes) for ``changes`` (dicts from ``change_rows``)."""
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    name = lab or "all"
    _sub(feed, "id", f"{TAG}feed/{name}")
    _sub(feed, "title", f"labwatch: commitment changes of {lab}" if lab else "labwatch: commitment changes of all labs")
    stamps = [c["detected_at"] for c in changes if c.get("detected_at")]
    _sub(feed, "updated", _rfc3339(max(stamps) if stamps else (updated or datetime.now(UTC))))
    author = _sub(feed, "author")
    _sub(author, "name", "labwatch")
    _sub(feed, "generator", "labwatch")
    _sub(feed, "subtitle", "Commitment-level changes between consecutive versions of AI labs' safety policies.")
    for change in changes:
        _entry(feed, change)
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


def _entry(feed: ET.Element, c: dict) -> None:
    entry = _sub(feed, "entry")
    _sub(entry, "id", f"{TAG}change/{c['change_id']}")
    _sub(entry, "title", entry_title(c))
    _sub(entry, "updated", _rfc3339(c.get("detected_at") or c.get("published") or datetime.now(UTC)))
    if c.get("published"):
        _sub(entry, "published", _rfc3339(c["published"]))
    url = c.get("new_link") or _http(c.get("source_url"))
    if url:
        ET.SubElement(entry, f"{{{ATOM_NS}}}link", {"rel": "alternate", "href": _clean(url)})
    old_url = c.get("old_link")
    if old_url and old_url != url:
        ET.SubElement(entry, f"{{{ATOM_NS}}}link", {"rel": "related", "href": _clean(old_url), "title": "before"})
    ET.SubElement(entry, f"{{{ATOM_NS}}}category", {"term": c["kind"], "scheme": f"{TAG}kind"})
    if c.get("announced") is not None:
        term = "announced" if c["announced"] else "silent"
        ET.SubElement(entry, f"{{{ATOM_NS}}}category", {"term": term, "scheme": f"{TAG}announcement"})
    if c.get("silent_reupload"):
        ET.SubElement(entry, f"{{{ATOM_NS}}}category", {"term": "silent-reupload", "scheme": f"{TAG}announcement"})
    for crit in c.get("criteria") or ():
        ET.SubElement(entry, f"{{{ATOM_NS}}}category", {"term": _clean(crit), "scheme": f"{TAG}criterion"})
    _sub(entry, "content", _content_text(c)).set("type", "text")
    for side in ("old", "new"):
        _provenance(entry, side, c)


def _provenance(entry: ET.Element, side: str, c: dict) -> None:
    """``<lw:old>``/``<lw:new>``: the side's document, version, page, section, snapshot and URL,
    as attributes a script can read (Atom admits foreign elements, RFC 4287 section 6)."""
    doc = (c.get("old_document_id") or c["document_id"]) if side == "old" else c["document_id"]
    attrs = {
        "document": doc,
        "version": c.get(f"{side}_version_id"),
        "page": c.get(f"{side}_page"),
        "section": c.get(f"{side}_section"),
        "sha256": c.get(f"{side}_snapshot_sha256"),
        "url": c.get(f"{side}_url"),
    }
    present = {k: _clean(str(v)) for k, v in attrs.items() if v is not None}
    if c.get(f"{side}_version_id"):
        ET.SubElement(entry, f"{{{LW_NS}}}{side}", present)


def cite(c: dict, side: str) -> str:
    """One side of a change as a citation: "p. 3, Evaluations > Cadence; version v_..,
    snapshot sha256 ..; URL" (the parts that are known)."""
    parts = []
    if c.get(f"{side}_page") is not None:
        parts.append(f"p. {c[f'{side}_page']}")
    if c.get(f"{side}_section"):
        parts.append(c[f"{side}_section"])
    head = ", ".join(parts)
    tail = [f"version {c[f'{side}_version_id']}"] if c.get(f"{side}_version_id") else []
    if c.get(f"{side}_snapshot_sha256"):
        tail.append(f"snapshot sha256 {c[f'{side}_snapshot_sha256']}")
    if c.get(f"{side}_url"):
        tail.append(c[f"{side}_url"])
    return "; ".join(x for x in [head, *tail] if x)


def _http(url: str | None) -> str | None:
    return url if url and urlsplit(url).scheme in ("http", "https") else None


def describe_dimensions(dimensions: list[dict]) -> str:
    """'actor weaker (actor dropped: 'X'); strength stronger (...)': what moved, which way."""
    way = {1: "stronger", -1: "weaker"}
    return "; ".join(
        f"{d['dimension']} {way.get(d.get('direction'), 'changed')} ({d.get('reason')})" for d in dimensions
    )


def _content_text(c: dict) -> str:
    parts = [f"{c['kind']}: {c.get('reason') or ''}".strip()]
    if c.get("dimensions"):
        parts.append("Moved: " + describe_dimensions(c["dimensions"]))
    parts.append(f"Before: {c['old']}" if c.get("old") else "Before: (not in the earlier version)")
    if c.get("old") and cite(c, "old"):
        parts.append(f"Before, cited: {cite(c, 'old')}")
    parts.append(f"After: {c['new']}" if c.get("new") else "After: (no longer in the policy)")
    if c.get("new") and cite(c, "new"):
        parts.append(f"After, cited: {cite(c, 'new')}")
    if c.get("announced") is True:
        parts.append(f"Announced in the change log: {c.get('changelog_entry')}")
    elif c.get("announced") is False:
        parts.append("Silent: no change-log entry mentions it.")
    if c.get("silent_reupload"):
        parts.append("Re-uploaded under the same published date as the version it replaced.")
    if c.get("old_document_id") and c["old_document_id"] != c["document_id"]:
        parts.append(f"{c['document_id']} supersedes {c['old_document_id']}: compared across the succession.")
    parts.append(
        f"Document: {c['lab']}/{c['document_id']} (version {c.get('old_version_id') or '-'} -> "
        f"{c.get('new_version_id')}, published {c.get('published') or 'undated'})"
    )
    return "\n\n".join(parts)


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}")
    if text is not None:
        el.text = _clean(text)
    return el


def _clean(text: str) -> str:
    return _XML_ILLEGAL.sub("", str(text))


def _rfc3339(value: datetime | date) -> str:
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    if value.tzinfo is None:  # the warehouse stores UTC without a zone
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def feed_filename(lab: str | None) -> str:
    """``all.atom`` for the overall feed, ``<lab>.atom`` for one lab (a lab called "all" gets
    ``all-lab.atom``, so it cannot overwrite the overall feed)."""
    if lab is None:
        return "all.atom"
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", lab).strip(".-") or "lab"
    return f"{safe}-lab.atom" if safe == "all" else f"{safe}.atom"


def write_feeds(wh: Warehouse, *, limit: int = FEED_LIMIT) -> list[Path]:
    """Rewrite every feed from the warehouse: one per lab and ``all.atom``, each with the latest
    ``limit`` changes. Files are replaced atomically. Returns the paths written."""
    with wh.read() as con:
        labs = lab_ids(con)
        feeds = {None: change_rows(con, limit=limit)}
        for lab in labs:
            feeds[lab] = change_rows(con, lab=lab, limit=limit)
    folder = feed_dir(wh)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for lab, rows in feeds.items():
        written.append(_write_atomic(folder / feed_filename(lab), render_feed(rows, lab=lab)))
    return written


FEED_MODE = 0o644  # a web server serving the feeds folder runs as another user


def _write_atomic(path: Path, data: bytes) -> Path:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            os.fchmod(fh.fileno(), FEED_MODE)  # mkstemp makes 0600
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# ---------------------------------------------------------------------------------- webhook


def post_webhook(url: str, changes: list[dict], client: httpx.Client, *, allow_private: bool = False) -> None:
    """POST ``{"source": "labwatch", "count": n, "changes": [...]}`` as JSON to ``url``.

    The URL must pass the crawler's address guard (http(s); public addresses unless
    ``allow_private``); redirects are not followed. Raises WebhookError naming the host (never
    the full URL, which often holds a secret token) when refused, unreachable or not 2xx.
    """
    from labwatch.corpus.exceptions import CorpusError
    from labwatch.corpus.netguard import check_url

    where = redact_url(url)
    try:
        check_url(url, allow_private=allow_private)
    except CorpusError as exc:
        raise WebhookError(f"webhook {where}: refused: {str(exc).replace(url, where)}") from None
    payload = {"source": "labwatch", "count": len(changes), "changes": [_jsonable(c) for c in changes]}
    body = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
    try:
        response = client.post(url, content=body, headers={"Content-Type": "application/json"}, follow_redirects=False)
    except httpx.HTTPError as exc:
        raise WebhookError(f"webhook {where}: {type(exc).__name__}: {str(exc).replace(url, where)}") from None
    if not 200 <= response.status_code < 300:
        raise WebhookError(f"webhook {where}: answered HTTP {response.status_code}")


def redact_url(url: str) -> str:
    """``scheme://host[:port]/...``: enough to name a webhook without leaking its path or token."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(malformed URL)"
    return f"{parts.scheme or '?'}://{host}{port}/..."


def _jsonable(change: dict) -> dict:
    out = {k: v for k, v in change.items() if k not in ("source_url", "title")}
    for k in ("published", "detected_at", "old_published", "old_seen_at", "new_seen_at"):
        if isinstance(out.get(k), (date, datetime)):
            out[k] = out[k].isoformat()
    return out


# --------------------------------------------------------------------------- after a run


def publish_changes(wh: Warehouse, run_id: str, *, since: datetime, client: httpx.Client | None = None) -> dict:
    """Rewrite the feeds and post the changes detected since ``since`` to the webhook.

    Never raises for a delivery problem: each is recorded as a failure of ``run_id`` (stage
    ``notify``) and listed under ``failures`` in the returned report, with ``feeds`` (paths
    written) and ``posted`` (changes sent to the webhook). Apprise alerts: flows/notify.py.
    """
    report: dict = {"feeds": [], "posted": 0, "failures": []}
    try:
        report["feeds"] = [str(p) for p in write_feeds(wh)]
    except OSError as exc:
        _fail(wh, run_id, report, str(feed_dir(wh)), f"feeds: cannot write {feed_dir(wh)}: {exc}")
    try:
        config = load_config(wh)
    except NotifyConfigError as exc:
        _fail(wh, run_id, report, str(wh.path.parent / CONFIG_FILE), str(exc))
        return report
    if not config.webhook_url:
        return report
    with wh.read() as con:
        new = list(reversed(change_rows(con, detected_since=since)))  # oldest first
    if not new:
        return report
    own = client is None
    client = client or httpx.Client(timeout=WEBHOOK_TIMEOUT, follow_redirects=False)
    try:
        post_webhook(config.webhook_url, new, client, allow_private=config.allow_private)
        report["posted"] = len(new)
    except WebhookError as exc:
        _fail(wh, run_id, report, redact_url(config.webhook_url), str(exc))
    finally:
        if own:
            client.close()
    return report


def _fail(wh: Warehouse, run_id: str, report: dict, source: str, reason: str) -> None:
    from labwatch.warehouse import store

    report["failures"].append({"source": source, "stage": "notify", "reason": reason})
    with wh.write() as con:
        store.record_failure(con, run_id, "notify", source, reason)
