"""The server's VAPID identity: one key pair per installation, and the contact subject.

The private key comes from ``TEND_VAPID_PRIVATE_KEY`` (raw base64url or DER, as ``vapid`` and
``web-push`` print them) or is generated once into the instance folder. Changing it silently
would orphan every subscription (browsers bind a subscription to the key), so it is never
regenerated when the file exists."""
import base64
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from flask import current_app
from py_vapid import Vapid

KEY_FILE = "vapid_private_key.pem"
HOSTS_APPLE_REFUSES = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class VapidIdentity:
    vapid: Vapid
    public_key: str  # base64url uncompressed point: the page's applicationServerKey
    subject: str


def _public_key_of(vapid: Vapid) -> str:
    raw = vapid.public_key.public_bytes(serialization.Encoding.X962,
                                        serialization.PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _generated_key(path: Path) -> Vapid:
    """Read the instance key, creating it exactly once even with several processes (or
    threads) starting. The key is written whole to a private temporary file and then
    hard-linked into place, which fails if the file exists: nobody can read it half-written,
    and the first one to link wins."""
    if not path.exists():
        vapid = Vapid()
        vapid.generate_keys()
        pem = vapid.private_key.private_bytes(serialization.Encoding.PEM,
                                              serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption())
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(pem)
                handle.flush()
                os.fsync(handle.fileno())
            os.link(draft, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            draft.unlink(missing_ok=True)
    return Vapid.from_pem(path.read_bytes())


def default_subject(base_url: str) -> str:
    return f"mailto:reminders@{urlsplit(base_url).hostname or 'localhost'}"


def subject_problem(subject: str) -> str | None:
    """Why push services may refuse this subject, or None."""
    if not subject.startswith(("mailto:", "https:")):
        return "TEND_VAPID_SUBJECT must start with mailto: or https:"
    host = subject.split("@")[-1] if subject.startswith("mailto:") else urlsplit(subject).hostname
    if host in HOSTS_APPLE_REFUSES or (host or "").endswith((".invalid", ".localhost")):
        return (f"Apple's push service refuses the subject {subject!r}: set TEND_VAPID_SUBJECT "
                "to a real mailto: address or https: URL")
    return None


def load_identity(instance_path: str, base_url: str, env=os.environ) -> VapidIdentity:
    private = env.get("TEND_VAPID_PRIVATE_KEY")
    vapid = Vapid.from_string(private.strip()) if private \
        else _generated_key(Path(instance_path) / KEY_FILE)
    public = _public_key_of(vapid)
    configured_public = env.get("TEND_VAPID_PUBLIC_KEY")
    if configured_public and configured_public.strip().rstrip("=") != public:
        raise ValueError("TEND_VAPID_PUBLIC_KEY does not belong to TEND_VAPID_PRIVATE_KEY")
    subject = env.get("TEND_VAPID_SUBJECT") or default_subject(base_url)
    return VapidIdentity(vapid, public, subject)


def identity() -> VapidIdentity:
    """This app's identity, loaded once per process."""
    ext = current_app.extensions
    if "tend_vapid" not in ext:
        ext["tend_vapid"] = load_identity(current_app.instance_path,
                                          current_app.config["TEND_BASE_URL"])
    return ext["tend_vapid"]
