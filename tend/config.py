"""Settings from environment variables, with safe defaults.

Secrets never have a default in code: ``SECRET_KEY`` is read from the environment or
generated once into the instance folder, so every installation has its own.
"""
import os
import secrets
from datetime import timedelta
from pathlib import Path


def _instance_secret(instance_path: str, name: str) -> str:
    """Read a secret file from the instance folder, creating it on first use."""
    path = Path(instance_path) / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def available_locales() -> list[str]:
    """English plus every language with a catalogue in ``translations/``: adding a language
    needs no code change."""
    folder = Path(__file__).resolve().parent.parent / "translations"
    found = sorted(p.name for p in folder.glob("*") if (p / "LC_MESSAGES").is_dir())
    return ["en"] + [code for code in found if code != "en"]


def load_settings(instance_path: str, overrides: dict | None = None) -> dict:
    """Build the app's configuration: environment first, then ``overrides`` (tests)."""
    overrides = overrides or {}
    env = os.environ
    base_url = overrides.get("TEND_BASE_URL", env.get("TEND_BASE_URL", "http://127.0.0.1:5000"))
    debug = overrides.get("DEBUG", env.get("FLASK_DEBUG", "") in ("1", "true"))
    https = base_url.startswith("https://")
    settings = {
        "TEND_BASE_URL": base_url.rstrip("/"),
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL")
        or "sqlite:///" + str(Path(instance_path) / "tend.sqlite3"),
        # Cookies: Secure whenever the app is served over HTTPS and not in debug.
        "SESSION_COOKIE_NAME": "tend_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": https and not debug,
        "REMEMBER_COOKIE_DURATION": timedelta(seconds=0),
        "PERMANENT_SESSION_LIFETIME": timedelta(days=30),
        "TEND_HSTS": https and not debug,
        # Server-side sessions: idle and absolute limits, longer on a device the user chose
        # to keep signed in (each such device can be signed out from the account page).
        "TEND_SESSION_IDLE": timedelta(hours=2),
        "TEND_SESSION_ABSOLUTE": timedelta(hours=24),
        "TEND_REMEMBERED_IDLE": timedelta(days=30),
        "TEND_REMEMBERED_ABSOLUTE": timedelta(days=90),
        # Sign-in throttling, counted in the database so every worker process sees it. After
        # its free failures, each attempt waits (doubling up to the longest wait); none locks.
        "TEND_LOGIN_FREE_FAILURES_PAIR": 5,       # one account from one address
        "TEND_LOGIN_LONGEST_WAIT_PAIR": timedelta(minutes=15),
        "TEND_LOGIN_FREE_FAILURES_ADDRESS": 50,   # one address, any accounts
        "TEND_LOGIN_LONGEST_WAIT_ADDRESS": timedelta(minutes=1),
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_SSL_STRICT": https,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "TEND_LOCALES": available_locales(),
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).resolve().parent.parent
                                             / "translations"),
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        # An export of ten years of heavy use packs into about 3 MB (tests/import_documents.py);
        # more room for notes that pack less well. tend/uploads.py applies it.
        "TEND_UPLOAD_LIMITS": {"export.import_file": 8 * 1024 * 1024},
        # Behind a reverse proxy: how many proxies to trust for each X-Forwarded-* header.
        **{f"TEND_PROXY_FIX_{name}": int(env.get(f"TEND_PROXY_FIX_{name}", "0"))
           for name in ("X_FOR", "X_PROTO", "X_HOST", "X_PORT", "X_PREFIX")},
        # Production runs `flask reminders run` on its own: /healthz then wants its heartbeat.
        "TEND_EXPECT_REMINDER_WORKER": env.get("TEND_EXPECT_REMINDER_WORKER", "") in ("1", "true"),
    }
    settings.update(overrides)
    if "SECRET_KEY" not in settings:
        settings["SECRET_KEY"] = env.get("SECRET_KEY") or _instance_secret(instance_path, "secret_key")
    return settings
