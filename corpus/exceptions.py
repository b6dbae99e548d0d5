"""Errors of the crawl stage.

CorpusError
├── RegistryError          a source registry file is invalid (message names file and key)
├── FetchError             one URL could not be fetched (``url`` attribute)
│   ├── UnsafeURL          refused before any request is made
│   │   ├── BlockedScheme  not http or https
│   │   └── BlockedAddress host resolves to a loopback/private/reserved address
│   ├── HostLookupError    DNS gave no answer
│   ├── RobotsDisallowed   robots.txt forbids the URL for our user agent
│   ├── RedirectError      redirect loop, too many hops, or a redirect without Location
│   ├── SizeLimitExceeded  body larger than the policy's cap
│   └── FetchTimeout       timeouts or connection errors on every attempt
├── SnapshotError          a snapshot id is malformed, missing or corrupt
└── BackfillError          the web archive's capture index could not be read
"""

from __future__ import annotations

from labwatch.errors import LabwatchError


class CorpusError(LabwatchError):
    """Base class of every error raised by labwatch.corpus."""


class RegistryError(CorpusError):
    """A registry file is invalid, e.g. ``openai.yaml: sources[3].url: scheme 'ftp' not allowed``."""


class FetchError(CorpusError):
    """A URL could not be fetched. ``str(err)`` is the reason recorded on a failed FetchResult."""

    def __init__(self, url: str, reason: str):
        super().__init__(reason)
        self.url = url
        self.reason = reason


class UnsafeURL(FetchError):
    """The URL was refused before any request: see BlockedScheme and BlockedAddress."""


class BlockedScheme(UnsafeURL):
    """Only http and https URLs are fetched."""


class BlockedAddress(UnsafeURL):
    """The host resolves to an address that is not publicly routable (SSRF guard)."""


class HostLookupError(FetchError):
    """The host name did not resolve."""


class RobotsDisallowed(FetchError):
    """robots.txt of the host disallows the URL for our user agent."""


class RedirectError(FetchError):
    """A redirect loop, too many redirects, or a redirect without a Location header."""


class SizeLimitExceeded(FetchError):
    """The response body is larger than the configured cap."""


class FetchTimeout(FetchError):
    """Every attempt timed out or lost its connection."""


class SnapshotError(CorpusError):
    """A snapshot id is malformed, missing from the store, or its bytes do not match their hash."""


class BackfillError(CorpusError):
    """The web archive's capture index could not be queried or parsed."""
