"""Return addresses taken from a request (``next``): the one place that decides which to follow.

Only a path on this site passes: it starts with one "/", names no scheme or host, and holds no
backslash or control character (browsers read "/\\evil.example" and "/\\t/evil.example" as
another site). Anything else falls back to the page's own default."""
from datetime import date
from typing import Callable
from urllib.parse import urlsplit

from flask import request, url_for


def same_site_path(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def requested_next() -> str | None:
    """The request's ``next`` (form field first, then query string), if it stays on this site."""
    return same_site_path(request.form.get("next") or request.args.get("next"))


def back_to(default_endpoint: str, **values) -> str:
    """The page a form came from, or ``default_endpoint``."""
    return requested_next() or url_for(default_endpoint, **values)


_MARKER = 918273645  # stands for the value while the address is built once


def url_pattern(endpoint: str, key: str, **values) -> Callable[[object], str]:
    """``url_for(endpoint, **{key: value}, **values)`` for many values of ``key``: the router
    builds the address once and each id, or day (written as ISO 8601, which needs no quoting),
    goes into its place (History links a hundred entries a page). Any other value goes
    through ``url_for`` as usual."""
    url = url_for(endpoint, **{key: _MARKER}, **values)

    def built(value) -> str:
        return url_for(endpoint, **{key: value}, **values)
    if url.count(str(_MARKER)) != 1:  # the marker's digits are in ``values`` too
        return built
    head, _, tail = url.partition(str(_MARKER))
    return lambda value: f"{head}{value}{tail}" if type(value) in (int, date) else built(value)
