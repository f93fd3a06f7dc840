"""Which URLs may be push endpoints: only the push services browsers use.

The server posts to whatever endpoint a browser hands it, so an endpoint is a way to make the
server connect somewhere. Only https on the default port to a host of a known push service is
accepted (Chrome/Edge/Android: FCM; Firefox: Mozilla autopush; Safari: Apple web push; Edge on
Windows: WNS), never an IP literal, ``localhost`` or a private name. ``TEND_PUSH_HOSTS``
(comma-separated host names; a subscription may use the host or any name under it) replaces
the list; ``TEND_PUSH_ANY_ENDPOINT`` lets tests post to a local receiver."""
import ipaddress
import os
from urllib.parse import urlsplit

from flask import current_app

PUSH_SERVICE_HOSTS = ("fcm.googleapis.com", "push.services.mozilla.com", "push.apple.com",
                      "notify.windows.com")


def allowed_hosts() -> tuple[str, ...]:
    configured = current_app.config.get("TEND_PUSH_HOSTS", os.environ.get("TEND_PUSH_HOSTS"))
    if not configured:
        return PUSH_SERVICE_HOSTS
    if isinstance(configured, str):
        configured = configured.split(",")
    return tuple(host.strip().lower().rstrip(".") for host in configured if host.strip())


def any_endpoint_allowed() -> bool:
    return bool(current_app.config.get("TEND_PUSH_ANY_ENDPOINT", False))


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def is_push_service(url: str, hosts: tuple[str, ...] = PUSH_SERVICE_HOSTS) -> bool:
    """True for an https URL on the default port to one of ``hosts`` (or a name under one)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    host = (parts.hostname or "").lower().rstrip(".")
    if parts.scheme != "https" or port not in (None, 443) or parts.username is not None \
            or parts.password is not None or not host or _is_ip_literal(host):
        return False
    return any(host == allowed or host.endswith("." + allowed) for allowed in hosts)


def endpoint_accepted(url: str) -> bool:
    return any_endpoint_allowed() or is_push_service(url, allowed_hosts())
