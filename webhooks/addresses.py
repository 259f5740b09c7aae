"""Which URLs a webhook may be sent to: http(s) only, and not to private addresses (SSRF).

Without the check, an admin (or someone who took over an admin's session) could make the
server POST to the cloud metadata service, the database or anything else on the internal
network. The host is resolved and every address it resolves to must be public: at
registration, and again right before each delivery, because DNS answers change.
`WEBHOOKS_ALLOW_PRIVATE_URLS` lifts the address rule for tests and on-premise receivers.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def is_refused_address(address: IPAddress) -> bool:
    """Private, loopback, link-local (169.254.169.254, the metadata service), multicast,
    reserved, unspecified, or otherwise not globally reachable."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise ValidationError(
            {"url": f"The host {host} could not be found ({error})."}, code="unresolved"
        ) from error
    # An IPv6 answer may carry a zone ("fe80::1%eth0"); the address is what precedes it.
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def check_url(url: str) -> None:
    """Raise a ValidationError (on the field "url") unless `url` may receive webhooks."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise ValidationError({"url": "This is not a valid URL."}, code="invalid") from error
    if parts.scheme not in ("http", "https"):
        raise ValidationError(
            {"url": "Only http:// and https:// URLs can receive webhooks."}, code="scheme"
        )
    host = parts.hostname
    if not host:
        raise ValidationError({"url": "The URL needs a host name."}, code="invalid")
    if settings.WEBHOOKS_ALLOW_PRIVATE_URLS:
        return
    addresses = _resolve(host, port or (443 if parts.scheme == "https" else 80))
    refused = sorted({str(address) for address in addresses if is_refused_address(address)})
    if refused or not addresses:
        raise ValidationError(
            {
                "url": f"{host} leads to a private or internal address ({', '.join(refused)}): "
                "webhooks go to public addresses only."
            },
            code="private",
        )
