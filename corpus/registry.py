"""The source registry: one YAML file per lab, validated into LabSources records.

Every problem is reported as a RegistryError naming the file and the key path, e.g.
``openai.yaml: sources[3].url: scheme 'ftp' not allowed``. Unknown keys are kept out of the
records but allowed (the registry is documentation too).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx

from labwatch.corpus.exceptions import FetchError, RegistryError
from labwatch.corpus.fetcher import CrawlContext, request
from labwatch.corpus.records import (
    DISCOVER_KINDS,
    SOURCE_KINDS,
    CheckResult,
    DiscoverEntry,
    FetchPolicy,
    LabSources,
    Source,
)
from labwatch.corpus.untrusted_yaml import iso_date, load_untrusted_yaml

DEFAULT_SOURCES_DIR = Path(str(resources.files("labwatch.corpus") / "sources"))
_LAB_ID = re.compile(r"[a-z0-9][a-z0-9._-]*")
_HEAD_UNSUPPORTED = {403, 404, 405, 501}


def default_document(url: str) -> str:
    """Document id from a URL: its last path segment without extension, as a lowercase slug."""
    parts = urlsplit(url)
    segments = [s for s in unquote(parts.path).split("/") if s]
    if segments:
        stem = segments[-1].rsplit(".", 1)[0] if "." in segments[-1].strip(".") else segments[-1]
    else:
        stem = parts.hostname or "document"
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")
    return slug or "document"


def _check_http_url(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RegistryError(f"{where}: expected a URL string, got {value!r}")
    url = value.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise RegistryError(f"{where}: scheme '{parts.scheme or '(none)'}' not allowed (http or https only)")
    if not parts.hostname:
        raise RegistryError(f"{where}: no host in {url!r}")
    return url


def _check_str(value: Any, where: str, *, required: bool = False) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise RegistryError(f"{where}: expected a non-empty string, got {value!r}")
    return value.strip()


def _check_date(value: Any, where: str) -> dt.date | None:
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, dt.datetime):
        return value.date()
    try:
        return iso_date(str(value))
    except ValueError:
        raise RegistryError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None


def _check_choice(value: Any, choices: tuple[str, ...], where: str) -> str:
    if value is None:
        return choices[0]
    if value not in choices:
        raise RegistryError(f"{where}: unknown kind {value!r} (one of {', '.join(choices)})")
    return value


def _parse_source(lab: str, item: Any, where: str) -> Source:
    if not isinstance(item, dict):
        raise RegistryError(f"{where}: expected a mapping with a 'url', got {type(item).__name__}")
    url = _check_http_url(item.get("url"), f"{where}.url")
    document = _check_str(item.get("document"), f"{where}.document") or default_document(url)
    archived = item.get("archived") or []
    if isinstance(archived, str):
        archived = [archived]
    if not isinstance(archived, list):
        raise RegistryError(f"{where}.archived: expected a list of URLs")
    return Source(
        lab=lab,
        url=url,
        document=document,
        title=_check_str(item.get("title"), f"{where}.title"),
        kind=_check_choice(item.get("kind"), SOURCE_KINDS, f"{where}.kind"),
        published=_check_date(item.get("published"), f"{where}.published"),
        archived=tuple(_check_http_url(a, f"{where}.archived[{i}]") for i, a in enumerate(archived)),
        changelog=_check_http_url(item["changelog"], f"{where}.changelog") if item.get("changelog") else None,
        supersedes=_check_supersedes(item.get("supersedes"), document, f"{where}.supersedes"),
        check_every=_check_interval(item.get("check_every"), f"{where}.check_every"),
        select=_check_selectors(item, ("select", "include"), where),
        remove=_check_selectors(item, ("remove", "exclude"), where),
    )


_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d|w)\s*$", re.I)
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def _check_interval(value: Any, where: str) -> dt.timedelta | None:
    """``check_every: 12h`` (m, h, d or w); None when absent."""
    if value is None:
        return None
    m = _INTERVAL.match(str(value)) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else None
    if not m or float(m.group(1)) <= 0:
        raise RegistryError(f"{where}: {value!r} is not an interval (a number and a unit: 30m, 12h, 7d, 2w)")
    return dt.timedelta(**{_UNITS[m.group(2).lower()]: float(m.group(1))})


def _check_selectors(item: dict, keys: tuple[str, str], where: str) -> tuple[str, ...]:
    """CSS selectors under ``keys[0]`` (or its alias ``keys[1]``), each one checked to compile."""
    from cssselect import GenericTranslator, SelectorError

    if keys[0] in item and keys[1] in item:
        raise RegistryError(f"{where}: {keys[0]} and {keys[1]} are the same rule; give one")
    key = keys[0] if keys[0] in item else keys[1]
    value = item.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise RegistryError(f"{where}.{key}: expected a CSS selector or a list of them")
    for i, selector in enumerate(value):
        if not isinstance(selector, str) or not selector.strip():
            raise RegistryError(f"{where}.{key}[{i}]: expected a CSS selector string, got {selector!r}")
        try:
            GenericTranslator().css_to_xpath(selector)
        except SelectorError as err:
            raise RegistryError(f"{where}.{key}[{i}]: {selector!r} is not a valid CSS selector ({err})") from None
    return tuple(s.strip() for s in value)


def _check_supersedes(value: Any, document: str, where: str) -> str | None:
    """The predecessor's document id (as its ``document`` key spells it), never the document itself."""
    name = _check_str(value, where)
    if name == document:
        raise RegistryError(f"{where}: document {document!r} cannot supersede itself")
    return name


def _check_succession(sources: Iterable[Source], name: str) -> None:
    """One predecessor per document (its PDF and HTML sources must agree), and no cycle."""
    declared: dict[str, tuple[int, str]] = {}
    for i, s in enumerate(sources):
        if s.supersedes is None:
            continue
        first = declared.setdefault(s.document, (i, s.supersedes))
        if first[1] != s.supersedes:
            raise RegistryError(
                f"{name}: sources[{i}].supersedes: {s.document!r} supersedes {s.supersedes!r} here but "
                f"{first[1]!r} in sources[{first[0]}]"
            )
    for start in declared:
        seen, doc = [start], declared[start][1]
        while doc in declared:
            if doc in seen:
                raise RegistryError(f"{name}: supersedes: a cycle ({' -> '.join([*seen, doc])})")
            seen.append(doc)
            doc = declared[doc][1]


def _parse_discover(lab: str, item: Any, where: str) -> DiscoverEntry:
    if not isinstance(item, dict):
        raise RegistryError(f"{where}: expected a mapping with 'url' and 'follow'")
    url = _check_http_url(item.get("url"), f"{where}.url")
    follow = _check_str(item.get("follow"), f"{where}.follow", required=True)
    try:
        re.compile(follow)
    except re.error as err:
        raise RegistryError(f"{where}.follow: bad regex {follow!r}: {err}") from None
    hosts = item.get("hosts") or []
    if not isinstance(hosts, list) or not all(isinstance(h, str) and h for h in hosts):
        raise RegistryError(f"{where}.hosts: expected a list of host names")
    return DiscoverEntry(
        lab=lab,
        url=url,
        follow=follow,
        kind=_check_choice(item.get("kind"), DISCOVER_KINDS, f"{where}.kind"),
        hosts=tuple(h.lower() for h in hosts),
    )


def _check_duplicates(sources: Iterable[Source], name: str) -> None:
    """The same URL twice is an error (a conflict when the two entries disagree)."""
    first: dict[str, tuple[int, Source]] = {}
    for i, source in enumerate(sources):
        if source.url in first:
            j, other = first[source.url]
            if (other.document, other.published) != (source.document, source.published):
                raise RegistryError(
                    f"{name}: sources[{i}].url: {source.url} is already sources[{j}] with a conflicting "
                    f"document/published ({other.document!r}, {other.published} vs "
                    f"{source.document!r}, {source.published})"
                )
            raise RegistryError(f"{name}: sources[{i}].url: duplicate of sources[{j}] ({source.url})")
        first[source.url] = (i, source)


def parse_lab(data: Any, name: str) -> LabSources:
    """Validate one registry document (already parsed YAML); ``name`` prefixes error messages."""
    if not isinstance(data, dict):
        raise RegistryError(f"{name}: expected a mapping with 'lab', 'name', 'sources'")
    if "lab" not in data:
        raise RegistryError(f"{name}: lab: missing (the lab id, e.g. 'example-lab')")
    lab = data["lab"]
    if not isinstance(lab, str) or not _LAB_ID.fullmatch(lab):
        raise RegistryError(f"{name}: lab: {lab!r} is not a lab id (lowercase letters, digits, '.', '-', '_')")
    raw_sources = data.get("sources") or []
    raw_discover = data.get("discover") or []
    for key, value in (("sources", raw_sources), ("discover", raw_discover)):
        if not isinstance(value, list):
            raise RegistryError(f"{name}: {key}: expected a list")
    if not raw_sources and not raw_discover:
        raise RegistryError(f"{name}: sources: no sources and nothing to discover")
    sources = tuple(_parse_source(lab, s, f"{name}: sources[{i}]") for i, s in enumerate(raw_sources))
    _check_duplicates(sources, name)
    _check_succession(sources, name)
    discover = tuple(_parse_discover(lab, d, f"{name}: discover[{i}]") for i, d in enumerate(raw_discover))
    display = _check_str(data.get("name"), f"{name}: name") or lab
    return LabSources(lab=lab, name=display, sources=sources, discover=discover)


def load_lab_file(path: Path | str) -> LabSources:
    """Read and validate one registry YAML file."""
    path = Path(path)
    try:
        data = load_untrusted_yaml(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise RegistryError(f"{path.name}: cannot read: {err.strerror or err}") from None
    except (ValueError, UnicodeDecodeError) as err:
        raise RegistryError(f"{path.name}: invalid YAML: {str(err).splitlines()[0]}") from None
    lab = parse_lab(data, path.name)
    return LabSources(lab.lab, lab.name, lab.sources, lab.discover, path=str(path))


def load_registry(directory: Path | str = DEFAULT_SOURCES_DIR) -> list[LabSources]:
    """Every ``*.yaml``/``*.yml`` file of ``directory``, validated, sorted by lab id.

    Raises RegistryError on the first invalid file, or if two files declare the same lab.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise RegistryError(f"{directory}: not a directory of registry files")
    files = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    if not files:
        raise RegistryError(f"{directory}: no registry files (*.yaml)")
    labs: dict[str, LabSources] = {}
    for path in files:
        lab = load_lab_file(path)
        if lab.lab in labs:
            raise RegistryError(
                f"{path.name}: lab: '{lab.lab}' is already declared in {Path(labs[lab.lab].path or '?').name}"
            )
        labs[lab.lab] = lab
    return [labs[k] for k in sorted(labs)]


def check_registry_online(
    sources: Iterable[Source],
    client: httpx.Client,
    policy: FetchPolicy | None = None,
) -> list[CheckResult]:
    """Ask each source URL whether it answers: HEAD first, GET when HEAD is refused or fails.

    Redirects are followed under the same guards as a crawl; the body of the GET is not
    downloaded. One CheckResult per source, in order; nothing raises for a dead URL.
    """
    policy = policy or FetchPolicy(retries=1)
    context = CrawlContext(policy)
    results = []
    for source in sources:
        method, status, final, error = None, None, None, None
        for method in ("HEAD", "GET"):
            try:
                got = request(client, source.url, policy=policy, context=context, method=method, read_body=False)
            except FetchError as err:
                status, final, error = None, None, str(err)
                continue
            status, final, error = got.status, got.url, None
            if not (method == "HEAD" and (status in _HEAD_UNSUPPORTED or status >= 500)):
                break
        ok = status is not None and 200 <= status < 300
        if not ok and error is None:
            error = f"HTTP {status}"
        results.append(CheckResult(source.lab, source.document, source.url, ok, status, final, method, error))
    return results
