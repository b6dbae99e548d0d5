"""The address guard: only http(s) URLs whose host resolves to public addresses are fetched.

Every DNS answer is checked (an attacker controlling DNS could return one public and one
private address). IPv4-mapped, NAT64, 6to4 and Teredo IPv6 addresses are checked by the IPv4
address they embed. The guard runs before each request, redirects included, and again inside the connection:
``PinnedBackend`` (the network backend of ``fetcher.make_client``) resolves and checks the host
itself and connects to the address it checked, then checks the socket's peer, all before a byte
of the request is sent, so a name that answers "public" to the first lookup and "private" to
the next (DNS rebinding) never reaches the private address.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import httpcore

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
    checked_addresses(host, port, resolve=resolve, url=url)


def checked_addresses(
    host: str, port: int, *, allow_private: bool = False, resolve: Resolver | None = None, url: str | None = None
) -> list[str]:
    """Resolve ``host`` and return its addresses, every one checked; raise HostLookupError or
    BlockedAddress (``url`` names the request in the message, else ``host:port``)."""
    where = url or f"{host}:{port}"
    try:
        addresses = (resolve or resolve_host)(host, port)
    except (OSError, UnicodeError) as err:
        raise HostLookupError(where, f"{where}: cannot resolve host '{host}': {err}") from None
    if not addresses:
        raise HostLookupError(where, f"{where}: host '{host}' has no addresses")
    if not allow_private:
        for address in addresses:
            reason = blocked_reason(address)
            if reason:
                raise BlockedAddress(where, f"{where}: host '{host}' resolves to {address} ({reason}); refused")
    return list(addresses)


class PinnedBackend(httpcore.NetworkBackend):
    """The network backend of labwatch's HTTP client: the socket goes to an address that was
    checked in the same step, never to a second lookup of the name.

    ``connect_tcp`` resolves the host (with the policy's resolver), checks every answer, connects
    to a checked address by number, and checks the connected socket's peer before returning it,
    so before the first byte of the request is sent. TLS still verifies the certificate against
    the host name (httpcore passes the name for SNI and verification, not the address).
    """

    def __init__(self, *, allow_private: bool = False, resolve: Resolver | None = None):
        self.allow_private = allow_private
        self.resolve = resolve
        self._inner = httpcore.SyncBackend()

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        addresses = checked_addresses(host, port, allow_private=self.allow_private, resolve=self.resolve)
        last: Exception | None = None
        for address in addresses:
            try:
                stream = self._inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:  # try the next checked address, as a resolver would
                last = exc
                continue
            self._check_peer(stream, host, port)
            return stream
        raise last or httpcore.ConnectError(f"{host}: no address to connect to")

    def _check_peer(self, stream, host: str, port: int) -> None:
        sock = stream.get_extra_info("socket")
        peer = sock.getpeername()[0] if sock is not None else None
        reason = blocked_reason(str(peer)) if peer and not self.allow_private else None
        if reason:
            stream.close()
            raise BlockedAddress(f"{host}:{port}", f"{host}:{port}: connection reached {peer} ({reason}); refused")

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise BlockedAddress(path, f"{path}: unix sockets are never used for fetching")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)
