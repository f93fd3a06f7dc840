"""An SQLite too old for Tend's queries stops the app at start with a message saying so,
instead of pages that fail later (Insights reads unixepoch(), SQLite 3.38)."""
import pytest

from app import create_app
from tend import database


def make_app(tmp_path):
    return create_app({"SECRET_KEY": "x" * 40, "TESTING": True,
                       "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/tend.sqlite3"})


def test_an_sqlite_older_than_3_38_is_refused_at_start_with_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setattr(database.sqlite3, "sqlite_version_info", (3, 34, 1))
    with pytest.raises(RuntimeError) as refused:
        make_app(tmp_path)
    assert "SQLite 3.34.1 is too old" in str(refused.value)
    assert "3.38 or later" in str(refused.value)


def test_the_sqlite_this_python_has_is_new_enough(tmp_path):
    assert make_app(tmp_path).name
