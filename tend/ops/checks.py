"""``flask check-config``: what is missing or unsafe for running Tend in production.

Each rule is a small function of the app's configuration and the environment that returns a
problem (a sentence saying what is wrong and how to fix it) or ``None``."""
import os
import shlex
from collections.abc import Callable, Mapping

from tend.push.keys import subject_problem

DEFAULT_WEB_WORKERS = 3
TRUE = ("1", "true", "yes", "on")
PLACEHOLDER_SECRETS = {"dev", "secret", "changeme", "change-me", "please-change-me",
                       "test-secret", "development", "secret-key", "secret_key"}
MIN_SECRET_LENGTH = 32


def web_workers(env: Mapping[str, str]) -> int:
    """The number of gunicorn workers, as ``deploy/gunicorn.conf.py`` sets it: ``-w``/``--workers``
    in ``GUNICORN_CMD_ARGS`` win over ``WEB_CONCURRENCY``."""
    args = shlex.split(env.get("GUNICORN_CMD_ARGS", ""))
    for index, arg in enumerate(args):
        if arg in ("-w", "--workers") and index + 1 < len(args):
            return int(args[index + 1])
        if arg.startswith("--workers="):
            return int(arg.split("=", 1)[1])
    return int(env.get("WEB_CONCURRENCY", DEFAULT_WEB_WORKERS))


def debug_is_off(config: Mapping, env: Mapping[str, str]) -> str | None:
    if config.get("DEBUG") or env.get("FLASK_DEBUG", "").lower() in TRUE:
        return ("Debug mode is on (FLASK_DEBUG): it shows code and data in error pages. "
                "Unset FLASK_DEBUG.")
    return None


def secret_key_is_strong(config: Mapping, env: Mapping[str, str]) -> str | None:
    secret = str(config.get("SECRET_KEY") or "")
    if not secret:
        return ("No SECRET_KEY: set it in the environment or let Tend write "
                "instance/secret_key (it must be writable on first start).")
    if (secret.lower() in PLACEHOLDER_SECRETS or len(secret) < MIN_SECRET_LENGTH
            or len(set(secret)) < 10):
        return (f"SECRET_KEY is weak: use at least {MIN_SECRET_LENGTH} random characters, e.g. "
                "`python3 -c 'import secrets; print(secrets.token_hex(32))'`.")
    return None


def database_fits_workers(config: Mapping, env: Mapping[str, str]) -> str | None:
    uri = str(config.get("SQLALCHEMY_DATABASE_URI", ""))
    try:
        workers = web_workers(env)
    except ValueError:
        return "WEB_CONCURRENCY (or --workers in GUNICORN_CMD_ARGS) must be a whole number."
    if uri.startswith("sqlite") and workers > 1:
        return (f"SQLite with {workers} web workers: set DATABASE_URL to PostgreSQL "
                "(postgresql+psycopg://...), or run one worker (WEB_CONCURRENCY=1).")
    return None


def vapid_subject_is_set(config: Mapping, env: Mapping[str, str]) -> str | None:
    """Set explicitly (the default derived from TEND_BASE_URL is an address nobody reads),
    and acceptable to push services (the reminders' own rule)."""
    subject = str(env.get("TEND_VAPID_SUBJECT") or config.get("TEND_VAPID_SUBJECT") or "")
    if not subject:
        return ("TEND_VAPID_SUBJECT is missing: push services want a contact, "
                "e.g. mailto:ops@example.org or https://example.org/contact.")
    return subject_problem(subject)


def base_url_is_https(config: Mapping, env: Mapping[str, str]) -> str | None:
    base_url = str(config.get("TEND_BASE_URL", ""))
    if not base_url.startswith("https://"):
        return (f"TEND_BASE_URL is {base_url!r}: in production it must be the public https:// "
                "address, so cookies are Secure and HSTS is sent.")
    return None


RULES: list[Callable[[Mapping, Mapping[str, str]], str | None]] = [
    debug_is_off, secret_key_is_strong, database_fits_workers, vapid_subject_is_set,
    base_url_is_https,
]


def config_problems(config: Mapping, env: Mapping[str, str] | None = None) -> list[str]:
    env = os.environ if env is None else env
    return [problem for rule in RULES if (problem := rule(config, env))]
