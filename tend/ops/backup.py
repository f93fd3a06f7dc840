"""Backups that are consistent while Tend runs, and the way back into an empty database.

SQLite: the online backup API copies the database as one snapshot (a writer at the same time
neither blocks it for long nor tears it). PostgreSQL: ``pg_dump --format=custom`` (one
transaction, so one snapshot) and ``pg_restore``. Backup files hold health records: they are
created readable by their owner only."""
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine


class BackupError(Exception):
    """Something an operator must fix; the message says what."""


def database_is_empty(engine: Engine) -> bool:
    return not sa.inspect(engine).get_table_names()


def suffix_for(url: URL) -> str:
    return ".sqlite3" if url.get_backend_name() == "sqlite" else ".pgdump"


def backup(engine: Engine, destination: Path) -> Path:
    """Write a snapshot of the database to ``destination`` (replaced only once complete)."""
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        if engine.url.get_backend_name() == "sqlite":
            _sqlite_copy(_sqlite_path(engine.url), partial)
        else:
            _run("pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                 f"--file={partial}", url=engine.url)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, destination)
    return destination


def restore(engine: Engine, source: Path) -> None:
    """Load a backup made by :func:`backup` into the (empty) database of ``engine``."""
    if not source.is_file():
        raise BackupError(f"No backup file at {source}.")
    if not database_is_empty(engine):
        raise BackupError("The database is not empty. Restore into an empty database: create "
                          "one (or move the SQLite file away) and point DATABASE_URL at it.")
    engine.dispose()  # no pooled connection may outlive the database's replacement
    if engine.url.get_backend_name() == "sqlite":
        _sqlite_copy(source, _sqlite_path(engine.url))
    else:
        _run("pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
             "--single-transaction", str(source), url=engine.url)


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up.")
    return Path(url.database)


def _sqlite_copy(source: Path, destination: Path) -> None:
    """Copy with SQLite's backup API: one step, so the copy is one consistent snapshot."""
    with sqlite3.connect(source, timeout=30) as src, sqlite3.connect(destination) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def _run(program: str, *args: str, url: URL) -> None:
    """Run a PostgreSQL client tool against ``url``; the password goes in the environment,
    not on the command line where ``ps`` would show it."""
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(f"{program} is not installed (Debian: apt-get install "
                          "postgresql-client, the same major version as the server).")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    libpq_url = url.set(drivername="postgresql", password=None).render_as_string(
        hide_password=False)
    result = subprocess.run([executable, *args, f"--dbname={libpq_url}"], env=env,
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{program} failed: {result.stderr.strip()}")
