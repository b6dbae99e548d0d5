"""Being a good guest: robots.txt per host and a minimum delay between requests to one host.

Both are shared by every thread of a crawl (one CrawlContext per crawl).
robots.txt follows RFC 9309's availability rules: a 4xx answer means no restrictions, a 5xx
answer or no answer means everything is disallowed until the next crawl.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

# (status, body) of GET <origin>/robots.txt; status None when the host did not answer
RobotsLoader = Callable[[str], tuple[int | None, bytes]]


class HostThrottle:
    """Spaces requests to one host at least ``delay`` seconds apart, across threads."""

    def __init__(self, delay: float):
        self.delay = max(0.0, delay)
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, host: str) -> float:
        """Block until a request to ``host`` is allowed; return the seconds waited."""
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next.get(host, 0.0))
            self._next[host] = start + self.delay
        pause = start - now
        if pause > 0:
            time.sleep(pause)
        return pause


class RobotsCache:
    """robots.txt rules per origin (scheme://host:port), fetched once per crawl."""

    def __init__(self, user_agent: str):
        self.user_agent = user_agent
        self._rules: dict[str, RobotFileParser] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    @staticmethod
    def origin(url: str) -> str:
        """scheme://netloc of ``url``: the scope of one robots.txt."""
        parts = urlsplit(url)
        return f"{parts.scheme.lower()}://{parts.netloc.lower()}"

    def allows(self, url: str, load: RobotsLoader) -> bool:
        """True if robots.txt of ``url``'s origin lets our user agent fetch it."""
        origin = self.origin(url)
        with self._lock:
            origin_lock = self._locks.setdefault(origin, threading.Lock())
        with origin_lock:  # one fetch of robots.txt per origin; other hosts are not held up
            rules = self._rules.get(origin)
            if rules is None:
                rules = self._rules[origin] = self._read(origin, load)
        return rules.can_fetch(self.user_agent, url)

    def _read(self, origin: str, load: RobotsLoader) -> RobotFileParser:
        rules = RobotFileParser(origin + "/robots.txt")
        status, body = load(origin + "/robots.txt")
        if status is None or status >= 500 or status == 429:
            rules.disallow_all = True
        elif status >= 400:
            rules.allow_all = True
        elif 200 <= status < 300:
            rules.parse(body.decode("utf-8", errors="replace").splitlines())
        else:
            rules.allow_all = True
        rules.modified()  # RobotFileParser answers False until it believes it was read
        return rules
