"""Signed, single-use, short-lived tokens for a notification's action buttons.

The service worker posts one back when "Taken" or "Snooze" is tapped, possibly long after the
session cookie expired or with the app closed, so the token itself is the authority: it names
one action on one planned dose, expires, and (with its sibling for the other button, which
shares its nonce) works once."""
import binascii
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from itsdangerous import BadSignature, Serializer, Signer, URLSafeSerializer
from itsdangerous.encoding import base64_encode, want_bytes
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import ActionTokenUse

ACTIONS = ("taken", "snooze")
LIFETIME = timedelta(hours=8)  # the dose is "missed" after six hours; a little slack
SALT = "tend.reminder-action"


@dataclass(frozen=True)
class ActionClaim:
    action: str
    planned_dose_id: int
    reminder_id: int
    nonce: str


_URL_SAFE = bytes.maketrans(b"+/", b"-_")


def _base64(data: bytes) -> bytes:
    """itsdangerous' ``base64_encode`` (URL-safe, unpadded) in two C calls."""
    return binascii.b2a_base64(data, newline=False).translate(_URL_SAFE).rstrip(b"=")


class _KeyedSigner(Signer):
    """itsdangerous' signer (the same signatures), with its key derived once; each
    signature is one call of OpenSSL's HMAC (by the digest's name: the lazy sha1
    itsdangerous passes would be the pure-Python one)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._key = super().derive_key()
        self._digest = self.digest_method().name

    def derive_key(self, secret_key=None) -> bytes:
        return self._key if secret_key is None else super().derive_key(secret_key)

    def get_signature(self, value) -> bytes:
        return _base64(hmac.digest(self._key, want_bytes(value), self._digest))


class _TokenSerializer(URLSafeSerializer):
    """URL-safe tokens written without trying zlib first: a token is too short to gain
    from it, and the try was a fifth of a reminder's payload. ``loads`` reads both forms, so
    tokens issued before still work. One signer for the serializer's life (itsdangerous
    makes one, deriving its key, per call)."""

    default_signer = _KeyedSigner

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._signer = super().make_signer()

    def make_signer(self, salt=None) -> Signer:
        return self._signer if salt is None else super().make_signer(salt)

    def dump_payload(self, obj) -> bytes:
        return base64_encode(Serializer.dump_payload(self, obj))

    def signed(self, claim_json: str) -> str:
        """The token of a claim already written as compact JSON."""
        value = _base64(claim_json.encode())
        return (value + self._signer.sep + self._signer.get_signature(value)).decode()


@lru_cache(maxsize=4)
def _serializer(secret_key: str) -> URLSafeSerializer:
    return _TokenSerializer(secret_key, salt=SALT)


def issue(secret_key: str, reminder_id: int, planned_dose_id: int, now: datetime) -> dict:
    """One token per action for a notification; they share a nonce, so using one uses both.
    The claim is written as the compact JSON of ``[action, dose, reminder, nonce, expires]``
    (ids and the time as integers, the action and the hex nonce need no escaping): the same
    bytes ``dumps`` makes of that list, without the encoder (two tokens every dose reminder)."""
    claim = f'",{int(planned_dose_id)},{int(reminder_id)},"{secrets.token_hex(8)}",' \
        f'{int((now + LIFETIME).timestamp())}]'
    signer = _serializer(secret_key)
    return {action: signer.signed(f'["{action}{claim}') for action in ACTIONS}


class InvalidToken(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "invalid", "expired" or "used"


def read(secret_key: str, token: str, now: datetime) -> ActionClaim:
    try:
        action, dose_id, reminder_id, nonce, expires = _serializer(secret_key).loads(token)
    except (BadSignature, ValueError, TypeError) as error:
        raise InvalidToken("invalid") from error
    if action not in ACTIONS:
        raise InvalidToken("invalid")
    if now.timestamp() > expires:
        raise InvalidToken("expired")
    return ActionClaim(action, int(dose_id), int(reminder_id), str(nonce))


def spend(db: Session, claim: ActionClaim, now: datetime) -> None:
    """Record the use; a second use of the same notification's tokens raises ``used``.

    The insert is the check (primary key on the nonce), so two taps racing each other cannot
    both pass."""
    try:
        with db.begin_nested():
            db.add(ActionTokenUse(nonce=claim.nonce, reminder_id=claim.reminder_id,
                                  action=claim.action, used_at=now))
    except IntegrityError as error:
        raise InvalidToken("used") from error
