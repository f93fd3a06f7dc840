"""The reminder engine stands apart from the web: the worker's imports load no page code, and
every reminder kind is one module the registry names."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from models import ReminderKind

ROOT = Path(__file__).resolve().parents[1]

# Imports the module in a fresh interpreter and lists what got loaded: every module of this
# project, and those holding a Flask blueprint (a blueprint package or a page module).
PROBE = """
import json, sys
from flask import Blueprint
import {module}
ours = sorted(m for m in sys.modules if m.split(".")[0] in ("tend", "models"))
with_blueprint = sorted(m for m in ours
                        if any(isinstance(v, Blueprint) for v in vars(sys.modules[m]).values()))
print(json.dumps({{"ours": ours, "with_blueprint": with_blueprint}}))
"""


def loaded_by(module: str) -> dict:
    result = subprocess.run([sys.executable, "-c", PROBE.format(module=module)], cwd=ROOT,
                            capture_output=True, text=True, check=True, timeout=120)
    return json.loads(result.stdout)


@pytest.mark.parametrize("module, most", [
    ("tend.reminders.worker", 51),   # before: 83, 10 of them route modules; models/ and kinds grow
    # (51: tend.urls, whose url_pattern builds a batch's payload addresses once)
    ("tend.reminders.outbox", 18),   # before: 62
])
def test_the_worker_imports_no_web_code(module, most):
    loaded = loaded_by(module)
    pages = [m for m in loaded["ours"]
             if m.endswith((".routes", "_routes")) or m.rsplit(".", 1)[-1] == "routes"]
    assert pages == [], pages
    assert loaded["with_blueprint"] == []
    assert len(loaded["ours"]) <= most, loaded["ours"]


def test_every_kind_has_one_module_with_the_whole_contract():
    from tend.reminders import kinds

    for kind in (ReminderKind.DOSE, ReminderKind.REPEAT, ReminderKind.SNOOZE,
                 ReminderKind.REFILL, ReminderKind.CHECKIN, ReminderKind.CAREGIVER_ALERT,
                 ReminderKind.TEST):
        module = kinds.of(kind)
        assert module.__name__.startswith("tend.reminders.kinds.")
        for name in ("plan", "still_wanted", "payload", "topic"):
            assert callable(getattr(module, name)), (kind, name)
        assert module.URGENCY in ("very-low", "low", "normal", "high")
    assert kinds.of(ReminderKind.REPEAT) is kinds.of(ReminderKind.DOSE)
