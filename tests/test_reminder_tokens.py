"""A notification's action tokens keep itsdangerous' format: tokens issued before a change to
how they are signed still work, and those issued now read with a stock serializer."""
import json
from datetime import timedelta

import pytest
from itsdangerous import BadSignature, Signer, URLSafeSerializer
from itsdangerous.encoding import base64_encode

from tend.reminders import tokens
from tests.reminder_helpers import at

KEY = "a test secret key"
NOW = at(8, 0)


def stock() -> URLSafeSerializer:
    """itsdangerous' own serializer with the tokens' salt (what read() used to be)."""
    return URLSafeSerializer(KEY, salt=tokens.SALT)


def test_a_token_issued_now_reads_with_itsdangerous_own_serializer():
    issued = tokens.issue(KEY, reminder_id=7, planned_dose_id=42, now=NOW)
    expires = int((NOW + tokens.LIFETIME).timestamp())
    taken, snooze = stock().loads(issued["taken"]), stock().loads(issued["snooze"])
    assert taken[:3] == ["taken", 42, 7] and snooze[:3] == ["snooze", 42, 7]
    assert taken[3] == snooze[3] and taken[4] == snooze[4] == expires  # one nonce: used once
    # Byte for byte what itsdangerous' own signer makes of the same content.
    content = base64_encode(json.dumps(taken, separators=(",", ":")).encode())
    assert issued["taken"] == Signer(KEY, salt=tokens.SALT).sign(content).decode()


@pytest.mark.parametrize("write", [
    lambda claim: stock().dumps(claim),  # the zlib-trying form issued before
    lambda claim: Signer(KEY, salt=tokens.SALT).sign(
        base64_encode(json.dumps(claim, separators=(",", ":")).encode())).decode(),
])
def test_tokens_issued_before_still_read(write):
    expires = int((NOW + tokens.LIFETIME).timestamp())
    claim = tokens.read(KEY, write(["snooze", 42, 7, "0123456789abcdef", expires]), NOW)
    assert claim == tokens.ActionClaim("snooze", 42, 7, "0123456789abcdef")


def test_a_token_signed_with_another_key_or_salt_or_tampered_with_is_refused():
    expires = int((NOW + tokens.LIFETIME).timestamp())
    claim = ["taken", 42, 7, "0123456789abcdef", expires]
    other_key = URLSafeSerializer("another key", salt=tokens.SALT).dumps(claim)
    other_salt = URLSafeSerializer(KEY, salt="another salt").dumps(claim)
    issued = tokens.issue(KEY, 7, 42, NOW)["taken"]
    tampered = issued[:-2] + ("AA" if not issued.endswith("AA") else "BB")
    for token in (other_key, other_salt, tampered):
        with pytest.raises(tokens.InvalidToken) as refused:
            tokens.read(KEY, token, NOW)
        assert refused.value.reason == "invalid"
    with pytest.raises(BadSignature):
        stock().loads(tokens.issue("another key", 7, 42, NOW)["taken"])
    with pytest.raises(tokens.InvalidToken) as late:
        tokens.read(KEY, issued, NOW + tokens.LIFETIME + timedelta(seconds=1))
    assert late.value.reason == "expired"
