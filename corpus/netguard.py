"""The address guard: only http(s) URLs whose host resolves to public addresses are fetched.

Every DNS answer is checked (an attacker controlling DNS could return one public and one
private address). IPv4-mapped, NAT64, 6to4 and Teredo IPv6 addresses are checked by the IPv4
address they embed. The guard runs before each request, redirects included.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from labwatch.corpus.exceptions import BlockedAddress, BlockedScheme, HostLookupError
from labwatch.corpus.records import Resolver

ALLOWED_SCHEMES = ("http", "https")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def resolve_host(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (IPv4 and IPv6), via socket.getaddrinfo."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({info[4][0] for info in infos})


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


def blocked_reason(address: str) -> str | None:
    """Why ``address`` must not be contacted (e.g. "loopback"), or None if it is public."""
    ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            reason = blocked_reason(str(inner))
            return f"{reason} (embedded in {ip})" if reason else None
    checks = (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
        ("not globally routable", not ip.is_global),
    )
    for name, hit in checks:
        if hit:
            return name
    return None


def check_url(url: str, *, allow_private: bool = False, resolve: Resolver | None = None) -> None:
    """Return if ``url`` may be fetched; raise BlockedScheme, BlockedAddress or HostLookupError.

    With ``allow_private`` only the scheme is checked (tests, intranet mirrors).
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise BlockedScheme(url, f"{url}: scheme '{scheme or '(none)'}' not allowed (http or https only)")
    host = parts.hostname
    if not host:
        raise BlockedScheme(url, f"{url}: no host in URL")
    if allow_private:
        return
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise BlockedScheme(url, f"{url}: invalid port") from None
    try:
        addresses = (resolve or resolve_host)(host, port)
    except (OSError, UnicodeError) as err:
        raise HostLookupError(url, f"{url}: cannot resolve host '{host}': {err}") from None
    if not addresses:
        raise HostLookupError(url, f"{url}: host '{host}' has no addresses")
    for address in addresses:
        reason = blocked_reason(address)
        if reason:
            raise BlockedAddress(url, f"{url}: host '{host}' resolves to {address} ({reason}); refused")
