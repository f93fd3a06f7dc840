"""Secrets a browser carries for us but must not be able to read: an invitation code kept in
the session so the client sees it again, or in the cookie that keeps an invitation waiting.

Flask's session cookie is signed, not encrypted; a sealed value is encrypted and
authenticated (Fernet) with a key only the server holds, derived from ``SECRET_KEY`` for each
``purpose``, so the cookie holds nothing but an opaque reference."""
import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app


def _fernet(purpose: str) -> Fernet:
    secret = str(current_app.secret_key).encode()
    key = hashlib.sha256(b"tend-sealed:" + purpose.encode() + b":" + secret).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(value: str, purpose: str) -> str:
    return _fernet(purpose).encrypt(value.encode()).decode()


def unseal(token: str | None, purpose: str, max_age_seconds: int | None = None) -> str | None:
    """The sealed value, or None when it is missing, forged, for another purpose or too old."""
    if not token:
        return None
    try:
        return _fernet(purpose).decrypt(token.encode(), ttl=max_age_seconds).decode()
    except (InvalidToken, ValueError):
        return None
