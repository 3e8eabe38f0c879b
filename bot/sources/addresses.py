"""Which addresses a user-typed link may reach: the server-side request forgery rules.

A link typed in chat is fetched by the bot's own server, inside whatever network it runs
in; without these rules ``http://169.254.169.254/`` would read a cloud's metadata service
and ``http://10.0.0.5/admin`` an internal page. The rules are pure functions so that the
fetcher applies them to the first address and to every redirect alike, after DNS
resolution, and the tests can exercise them without a network.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

SCHEMES = frozenset({"http", "https"})
PORTS = frozenset({80, 443})
DEFAULT_PORTS = {"http": 80, "https": 443}
EXAMPLE = "https://arxiv.org/abs/2307.06942"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class RefusedAddress(ValueError):
    """An address the rules forbid; the message says why, for a moderator."""


@dataclass(frozen=True)
class Target:
    """A link checked for its form: where it points before any name is resolved."""

    url: str
    scheme: str
    host: str
    port: int


def check_link(url: str, *, allow_private: bool = False) -> Target:
    """The scheme, host and port of ``url``, or :class:`RefusedAddress` saying what is wrong.

    ``allow_private`` lifts the port rule (test servers listen on any port), not the
    scheme rule: a ``file:`` or ``gopher:`` link is never fetched.
    """
    text = url.strip()
    try:
        parts: SplitResult = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise RefusedAddress(
            f"{text!r} is not a valid web address ({exc}); example: {EXAMPLE}"
        ) from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        shown = f"{scheme}:" if scheme else "an address without http:// or https://"
        raise RefusedAddress(
            f"only http:// and https:// addresses are fetched, not {shown} (example: {EXAMPLE})"
        )
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise RefusedAddress(f"{text!r} names no host (example: {EXAMPLE})")
    if parts.username is not None or parts.password is not None:
        raise RefusedAddress("addresses with a user name or password in them are not fetched")
    if port is None:
        port = DEFAULT_PORTS[scheme]
    elif port not in PORTS and not allow_private:
        raise RefusedAddress(
            f"port {port} is not fetched: only the web's ports 80 and 443 are (example: {EXAMPLE})"
        )
    return Target(url=text, scheme=scheme, host=host, port=port)


def literal_address(host: str) -> IPAddress | None:
    """``host`` as an IP address when it is one (``127.0.0.1``, ``::1``), else None."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def forbidden_kind(address: IPAddress) -> str | None:
    """What makes ``address`` unfit to fetch ("a loopback address"...), or None when public.

    An IPv6 address that carries an IPv4 one (``::ffff:127.0.0.1``, 6to4's ``2002::/16``)
    is judged by the IPv4 address it leads to, since that is where the packets go.
    """
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            return forbidden_kind(embedded)
    for kind, flag in (
        ("an unspecified", address.is_unspecified),
        ("a loopback", address.is_loopback),
        ("a link-local", address.is_link_local),
        ("a multicast", address.is_multicast),
        ("a private", address.is_private),
        ("a reserved", address.is_reserved),
    ):
        if flag:
            return f"{kind} address"
    if not address.is_global:
        return "a non-public address"
    return None


def check_addresses(host: str, addresses: list[str], *, allow_private: bool = False) -> None:
    """Refuse ``host`` when any address it resolved to is not a public one.

    Every address is checked, not only the first: a name answering both a public and a
    private address would otherwise reach the private one whenever the first fails.
    """
    if not addresses:
        raise RefusedAddress(f"{host} resolves to no address")
    for text in addresses:
        address = literal_address(text.split("%", 1)[0])
        if address is None:
            raise RefusedAddress(f"{host} resolves to {text!r}, which is not an IP address")
        kind = None if allow_private else forbidden_kind(address)
        if kind is not None:
            named = str(address) if host.strip("[]") == str(address) else f"{host} ({address})"
            raise RefusedAddress(f"{named} is {kind}; only public addresses are fetched")
