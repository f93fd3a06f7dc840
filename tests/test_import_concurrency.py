"""The largest import Tend accepts, on SQLite under gunicorn with 3 workers, while another
client writes: the import writes in short transactions, so every one of the other client's
writes succeeds, and the import completes with every row."""
import json
import os
import sqlite3
import threading
import time
import zipfile
import io

import pytest

from tests import ops_processes as procs
from tests.import_documents import max_size_document
from tests.test_ops_scale import server_errors

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")),
                       reason="runs once, in the SQLite pass: it is about SQLite's write lock"),
]
WRITES = 20


def _packed(document: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("tend.json", json.dumps(document))
    return buffer.getvalue()


def _rows_in(path: str, tables) -> int:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        return sum(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                   for table in tables)


def _import_under_way(path: str, email: str) -> bool:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        row = connection.execute("SELECT import_started_at FROM users WHERE email = ?",
                                 (email,)).fetchone()
    return row[0] is not None


def test_other_clients_writes_succeed_during_the_largest_import(tmp_path):
    document = max_size_document()
    rows = sum(len(rows) for rows in document["kinds"].values())
    payload = _packed(document)
    log_path = tmp_path / "gunicorn.log"
    with procs.sqlite_database() as url:
        path = url.removeprefix("sqlite:///")
        procs.migrate(url)
        importer_email, writer_email = procs.create_clients(url, 2)
        with procs.gunicorn(url, log_path, workers=3) as base:
            importer = procs.SignedInClient(base, importer_email)
            writer = procs.SignedInClient(base, writer_email)
            medication_id = writer.add_medication(name="As needed")
            before = _rows_in(path, document["kinds"])
            answer = {}

            def run_import():
                started = time.monotonic()
                answer["response"] = importer.http.post(
                    base + "/my-data/import", timeout=120, data={"csrf_token": importer.csrf},
                    files={"file": ("tend-export.zip", payload, "application/zip")})
                answer["seconds"] = time.monotonic() - started

            thread = threading.Thread(target=run_import)
            thread.start()
            deadline = time.monotonic() + 60
            while not _import_under_way(path, importer_email) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert _import_under_way(path, importer_email), "the import never began writing"
            statuses = [writer.log_dose(medication_id).status_code for _ in range(WRITES)]
            overlapped = _import_under_way(path, importer_email)
            thread.join(150)
        after = _rows_in(path, document["kinds"])
    assert statuses == [201] * WRITES
    assert overlapped, "the writes did not happen while the import was writing"
    response = answer["response"]
    assert response.status_code == 200, (f"{answer['seconds']:.1f} s; server log: "
                                         + log_path.read_text()[-3000:])
    assert "Your record is here now." in response.text
    assert after == before + rows + WRITES  # every row of the file, and every dose written
    assert server_errors(log_path) == []
    print(f"{rows} rows, {len(payload) / 1e6:.1f} MB packed, imported in "
          f"{answer['seconds']:.1f} s")
