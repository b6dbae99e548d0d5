"""The crawler's proxies: ``HTTP_PROXY`` / ``HTTPS_PROXY`` / ``ALL_PROXY`` and ``NO_PROXY`` from
the environment, as curl and Python's urllib read them (lower- or upper-case names).

A request through a proxy goes to the proxy, which the operator configured and labwatch trusts
(it may well sit on a private address). The target is still checked before anything is sent:
``fetcher.request`` resolves and checks every hop's host (``netguard.check_url``) first, with
``--allow-private`` meaning what it means without a proxy. What a proxy cannot keep is the
pinning of ``netguard.PinnedBackend``: the proxy resolves the name again itself.
"""

from __future__ import annotations

import urllib.request
from urllib.parse import urlsplit

import httpx

from labwatch.corpus.exceptions import CorpusError

PROXIED = "labwatch_proxy"  # the response extension naming the proxy a request went through


class ProxyConfigError(CorpusError):
    """A proxy variable labwatch cannot use (the message names it and why)."""


def environment_proxies() -> dict[str, str]:
    """``{"http": URL, "https": URL}`` of the proxies the environment names (``ALL_PROXY``
    for a scheme without its own), each checked to be an ``http://`` or ``https://`` URL."""
    found = urllib.request.getproxies_environment()
    out = {}
    for scheme in ("http", "https"):
        url = found.get(scheme) or found.get("all")
        if not url:
            continue
        if "://" not in url:
            url = "http://" + url  # curl's reading of a bare host:port
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
            raise ProxyConfigError(f"{scheme.upper()}_PROXY={url}: only http:// and https:// proxies are supported")
        out[scheme] = url
    return out


def bypassed(host: str) -> bool:
    """True when ``NO_PROXY`` names ``host`` (exactly, as a domain suffix, or ``*``)."""
    return bool(urllib.request.proxy_bypass_environment(host))


class ProxyRouting(httpx.BaseTransport):
    """Sends each request through the proxy of its scheme unless ``NO_PROXY`` names its host,
    else through ``direct`` (the pinned, checked transport). A proxied response carries the
    proxy's URL in ``response.extensions[PROXIED]``, so the peer check knows whom it talked to."""

    def __init__(self, direct: httpx.BaseTransport, proxies: dict[str, str], **transport_options):
        self.direct = direct
        self.proxies = {s: (url, httpx.HTTPTransport(proxy=url, **transport_options)) for s, url in proxies.items()}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        via = self.proxies.get(request.url.scheme)
        if via is None or bypassed(request.url.host):
            return self.direct.handle_request(request)
        response = via[1].handle_request(request)
        response.extensions = {**response.extensions, PROXIED: via[0]}
        return response

    def close(self) -> None:
        self.direct.close()
        for _, transport in self.proxies.values():
            transport.close()
