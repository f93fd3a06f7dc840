"""The invitation a signed-out visitor opened, kept while they sign in or create an account
(which starts a new session), so that it waits for them afterwards.

The cookie holds the code sealed (tend/sealing.py), never readable, for an hour."""
from flask import request

from tend.sealing import seal, unseal

NAME = "tend_invite"
MAX_AGE = 3600


def keep(response, code: str) -> None:
    response.set_cookie(NAME, seal(code, NAME), max_age=MAX_AGE, path="/", httponly=True,
                        samesite="Lax", secure=request.is_secure)


def waiting_code() -> str | None:
    return unseal(request.cookies.get(NAME), NAME, MAX_AGE)


def forget(response) -> None:
    response.delete_cookie(NAME, path="/")
