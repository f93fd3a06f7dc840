"""The payload encryption (tend/push/sender.py) against RFC 8291's own example, and
against an independent decryption (http_ece, as the test receiver and browsers decrypt)."""
import base64

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tend.push.sender import encrypt, encrypt_with, unb64

# RFC 8291, Appendix A.
PLAINTEXT = b"When I grow up, I want to be a watermelon"
AS_PRIVATE = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"
UA_PUBLIC = ("BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNt"
             "oIAiw4")
AUTH = "BTBZMqHH6r4Tts7J_aSIgg"
SALT = "DGv6ra1nlYgDCS1FRnbzlw"
BODY = ("DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocIn"
        "mYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGN"
        "WQexSgSxsj_Qulcy4a-fN")


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_the_rfc_8291_example_message_comes_out_byte_for_byte():
    ephemeral = ec.derive_private_key(int.from_bytes(unb64(AS_PRIVATE), "big"), ec.SECP256R1())
    body = encrypt_with(PLAINTEXT, unb64(UA_PUBLIC), unb64(AUTH), ephemeral, unb64(SALT))
    assert b64(body) == BODY


def test_each_message_has_its_own_key_and_salt_and_decrypts_for_its_browser():
    browser = ec.generate_private_key(ec.SECP256R1())
    p256dh = b64(browser.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))
    auth = b64(b"0123456789abcdef")
    device = {"endpoint": "https://push.example/1", "keys": {"p256dh": p256dh, "auth": auth}}
    first, second = encrypt(PLAINTEXT, device), encrypt(PLAINTEXT, device)
    assert first[:16] != second[:16] and first[21:86] != second[21:86]
    for body in (first, second):
        assert http_ece.decrypt(body, private_key=browser, auth_secret=unb64(auth),
                                version="aes128gcm") == PLAINTEXT
    with pytest.raises(Exception):  # another browser's keys cannot read it
        http_ece.decrypt(first, private_key=ec.generate_private_key(ec.SECP256R1()),
                         auth_secret=unb64(auth), version="aes128gcm")


def test_a_message_too_long_for_one_record_is_refused():
    browser = ec.generate_private_key(ec.SECP256R1())
    p256dh = b64(browser.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))
    with pytest.raises(ValueError):
        encrypt(b"x" * 4000, {"endpoint": "https://push.example/1",
                               "keys": {"p256dh": p256dh, "auth": b64(b"0123456789abcdef")}})
