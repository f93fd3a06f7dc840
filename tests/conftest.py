"""Test fixtures: an app on a real database, a fixed cast of people, a settable clock.

The database is SQLite in a temporary folder, or PostgreSQL when ``TEST_DATABASE_URL`` is set
(``make test`` runs the database tests on both)."""
import contextvars
import functools
import os
import re
import subprocess
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from werkzeug.routing import Rule
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from flask.testing import FlaskClient

from app import create_app
from models import Base, Role, User, db

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


# `make soak` sets TEND_SOAK=1: each property test then runs its long profile.
SOAK = os.environ.get("TEND_SOAK") == "1"


def examples(in_make_test: int, in_soak: int) -> int:
    """A property test's max_examples: enough in `make test` for the property to bite on every
    run, the long profile in `make soak`."""
    return in_soak if SOAK else in_make_test


def pytest_configure(config):
    """Pages are translated from the compiled catalogues: compile any that changed, as
    `make test` does, also when pytest is run on its own."""
    subprocess.run(["make", "-s", "--no-print-directory", "translations"],
                   cwd=Path(__file__).resolve().parent.parent, check=True)


@functools.cache
def _module_makes_or_asks_for_databases(path: str) -> bool:
    source = Path(path).read_text()
    return "new_database_url" in source or "TEST_DATABASE_URL" in source


def uses_the_database(item) -> bool:
    """The test reaches the test database: through the session's database (the ``app``
    fixture and everything built on it), or its module makes databases of its own or asks
    which server it runs on (``new_database_url``, ``TEST_DATABASE_URL``)."""
    return "database_url" in getattr(item, "fixturenames", ()) or \
        _module_makes_or_asks_for_databases(str(item.fspath))


def pytest_collection_modifyitems(items):
    """Marks ``database`` on the tests the PostgreSQL pass of `make test` runs again (the
    others give the same answer on any database)."""
    for item in items:
        if uses_the_database(item):
            item.add_marker(pytest.mark.database)


class Clock:
    """The app's clock in tests: real time unless a test sets it."""

    def __init__(self):
        self.fixed: datetime | None = None

    def __call__(self) -> datetime:
        return self.fixed or datetime.now(timezone.utc)

    def set(self, when: datetime) -> None:
        self.fixed = when

    def advance(self, **delta) -> None:
        self.fixed = self() + timedelta(**delta)


def new_database_url(tmp_dir: Path, name: str) -> str:
    """A new, empty database: a file on SQLite, a fresh database on PostgreSQL."""
    if not TEST_DATABASE_URL:
        return f"sqlite:///{tmp_dir / (name + '.sqlite3')}"
    admin = sa.create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    db_name = f"{name}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{db_name}"')
    admin.dispose()
    return TEST_DATABASE_URL.rsplit("/", 1)[0] + "/" + db_name


class IsolatedClient(FlaskClient):
    """Runs each request in a context of its own, as a server would.

    Tests keep an app context open to use the database; without this, every request would
    share that context's ``g`` (and its cached CSRF token and database session). Committing
    the test's own session first ends its read snapshot, so it sees what the request wrote."""

    def open(self, *args, **kwargs):
        if db.session.registry.has():
            db.session.commit()  # end the test's transaction so it sees what the request did
        return contextvars.Context().run(super().open, *args, **kwargs)


_compile_builder = Rule._compile_builder
_builders: dict = {}


def _same_builder_as_last_app(rule: Rule, append_unknown: bool = True):
    """Werkzeug compiles each route's URL builder from an AST whenever an app is made (about
    70 ms of CPU for the app's routes, and most tests make an app). A builder is a function
    of the rule's parts, defaults and converter kinds only (it reaches the rule's converters
    through its ``self`` argument), so the tests reuse the one compiled for the same rule."""
    key = (rule.rule, rule.host, rule.subdomain, tuple(rule._trace),
           tuple(sorted((k, repr(v)) for k, v in (rule.defaults or {}).items())),
           tuple((name, type(conv), repr({k: v for k, v in vars(conv).items() if k != "map"}))
                 for name, conv in rule._converters.items()),
           append_unknown)
    if key not in _builders:
        _builders[key] = _compile_builder(rule, append_unknown)
    return _builders[key]


Rule._compile_builder = _same_builder_as_last_app


def make_test_app(**overrides):
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", **overrides})
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """One migrated database for the session; each test empties it afterwards."""
    url = new_database_url(tmp_path_factory.mktemp("db"), "tend_tests")
    app = make_test_app(SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


def empty_all_tables() -> None:
    with db.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(database_url, clock, tmp_path):
    app = make_test_app(SQLALCHEMY_DATABASE_URI=database_url, TEND_CLOCK=clock,
                        TEND_BASE_URL="http://localhost")
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        yield app
        db.session.remove()
        empty_all_tables()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


# --- The cast -------------------------------------------------------------------------------

PASSWORD = "correct horse battery"
# The cast's stored hash is cheap to check (a sign-in with Werkzeug's default scrypt costs
# ~0.1 s of CPU, and most tests sign in). The app still hashes every password it sets with
# scrypt (tests/test_auth.py checks a new account's hash).
_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


@dataclass
class Person:
    id: int
    email: str
    name: str
    role: Role
    password: str = PASSWORD


def make_person(email: str, name: str, role: Role, tz: str = "Europe/London") -> Person:
    user = User(email=email, display_name=name, role=role, timezone=tz, password_hash=_HASH,
                created_at=datetime.now(timezone.utc))
    db.session.add(user)
    db.session.commit()
    return Person(user.id, email, name, role)


@pytest.fixture
def alice(app) -> Person:
    """A client: owns a record."""
    return make_person("alice@example.com", "Alice", Role.CLIENT)


@pytest.fixture
def dave(app) -> Person:
    """Another client, who shares nothing with anyone."""
    return make_person("dave@example.com", "Dave", Role.CLIENT)


@pytest.fixture
def bob(app) -> Person:
    """A therapist."""
    return make_person("bob@example.com", "Bob Lee", Role.THERAPIST)


@pytest.fixture
def carol(app) -> Person:
    """A caregiver."""
    return make_person("carol@example.com", "Carol", Role.CAREGIVER)


# --- Helpers for the test client ----------------------------------------------------------------

def csrf_token(client, path: str = "/login") -> str:
    """The CSRF token a page gives its forms and scripts (from the meta tag)."""
    html = client.get(path).get_data(as_text=True)
    match = CSRF_META.search(html)
    assert match, f"no csrf-token meta on {path}"
    return match.group(1)


def login(client, person: Person, remember: bool = False):
    data = {"email": person.email, "password": person.password,
            "csrf_token": csrf_token(client)}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def api_headers(client, path: str = "/") -> dict:
    return {"X-CSRFToken": csrf_token(client, path), "Content-Type": "application/json"}


# --- A live server for browser tests -----------------------------------------------------------

@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
