"""Safari 18.4+ shows a declarative Web Push message itself, even when the service worker
fails: every payload carries that form beside the fields sw-push.js reads, stays under 3,000
bytes, and names no medication unless the client chose that. A dose's notification opens a
one-tap confirm screen, signed in and protected by CSRF."""
import json
import re

import pytest
from sqlalchemy import select

from models import DoseEvent, DoseStatus, Reminder, ReminderKind, User, db
from tend.push.sender import MAX_PAYLOAD_BYTES
from tend.reminders import choices, messages, planner, preferences
from tests.conftest import csrf_token, login
from tests.reminder_helpers import add_medication, at, first_dose, reminders, subscribe


class Device:
    endpoint, p256dh, auth = "https://push.example.net/sub/1", "B" + "A" * 86, "A" * 22


def payload_of(app, reminder: Reminder, person, now) -> dict:
    with app.test_request_context("/", base_url=app.config["TEND_BASE_URL"]):
        return messages.payload_for(reminder, db.session.get(User, person.id),
                                    choices.settings_of(db.session, person.id), now)


def show_names(person, on: bool, now) -> None:
    preferences.save_settings(db.session, db.session.get(User, person.id), show_names=on,
                              quiet_start=None, quiet_end=None, repeat_delay_minutes=30,
                              refill_days=7, now=now)
    db.session.commit()


@pytest.fixture
def dose_reminder(app, clock, alice):
    clock.set(at(7, 0))
    med = add_medication(alice, clock(), name="Quetiapine")
    subscribe(alice, Device(), clock())
    planner.plan_all(db.session, clock())
    db.session.commit()
    [reminder] = [r for r in reminders() if r.due_at == at(8, 0)]
    return reminder, first_dose(med)


def test_a_dose_payload_carries_the_declarative_form_beside_the_service_worker_fields(
        app, clock, alice, dose_reminder):
    reminder, dose = dose_reminder
    payload = payload_of(app, reminder, alice, at(8, 0))

    assert payload["web_push"] == 8030
    assert payload["mutable"] is True  # a service worker that works may still show its own
    assert payload["notification"] == {
        "title": "Tend", "body": "Time for your 8:00\u202fAM medication.",
        "navigate": f"http://localhost/reminders/dose/{dose.id}", "tag": f"dose-{dose.id}",
        "lang": "en", "silent": False}
    # The service worker's own fields are unchanged.
    assert payload["title"] == "Tend" and payload["body"] == payload["notification"]["body"]
    assert [a["action"] for a in payload["actions"]] == ["taken", "snooze"]
    assert payload["url"] == f"/today?dose={dose.id}"
    assert payload["confirm"] == f"/reminders/dose/{dose.id}"
    assert "Quetiapine" not in json.dumps(payload)


def test_a_resent_reminder_is_silent_in_both_forms(app, alice, dose_reminder):
    reminder, _ = dose_reminder
    payload = messages.mark_resent(payload_of(app, reminder, alice, at(8, 0)))
    assert payload["resent"] is True and payload["notification"]["silent"] is True


def test_other_kinds_navigate_where_their_notification_leads(app, clock, alice,
                                                             dose_reminder):
    test = Reminder(user_id=alice.id, subscription_id=dose_reminder[0].subscription_id,
                    kind=ReminderKind.TEST, due_at=at(8, 0), expires_at=at(8, 10),
                    next_attempt_at=at(8, 0))
    db.session.add(test)
    db.session.commit()
    payload = payload_of(app, test, alice, at(8, 0))
    assert payload["notification"]["navigate"] == "http://localhost/reminders"
    assert payload["notification"]["body"] == payload["body"]
    assert "confirm" not in payload


@pytest.mark.parametrize("letter", ["W", "ß", "藥", "💊"])
def test_the_longest_medication_name_keeps_every_payload_under_3000_bytes(
        app, clock, alice, letter):
    clock.set(at(7, 0))
    name = letter * 120  # the longest name a medication may have
    med = add_medication(alice, clock(), name=name, units_on_hand=3)
    subscribe(alice, Device(), clock())
    show_names(alice, True, clock())
    preferences.save_medication_rules(db.session, db.session.get(User, alice.id),
                                      {med.id: (True, True)}, clock())
    db.session.commit()
    planner.plan_all(db.session, clock())
    db.session.commit()
    kinds = set()
    for reminder in reminders():
        payload = messages.mark_resent(payload_of(app, reminder, alice, at(8, 0)))
        size = len(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
        assert size < MAX_PAYLOAD_BYTES, (reminder.kind, size)
        assert name in payload["notification"]["body"]
        kinds.add(reminder.kind)
    assert kinds == {ReminderKind.DOSE, ReminderKind.REPEAT, ReminderKind.REFILL}


# --- The confirm screen a tap on Safari's notification opens ------------------------------

def confirm_form(html: str, status: str) -> dict:
    """The hidden fields of the confirm screen's form for ``status`` (as a browser sends)."""
    [form] = [form.split("</form>")[0] for form in html.split("<form")[1:]
              if f'name="status" value="{status}"' in form]
    return dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', form))


def test_the_confirm_screen_asks_once_and_logs_the_dose_taken(app, client, clock, alice,
                                                               dose_reminder):
    _, dose = dose_reminder
    clock.set(at(8, 2))
    login(client, alice)
    html = client.get(f"/reminders/dose/{dose.id}").get_data(as_text=True)
    assert "Log the 8:00\u202fAM dose as taken?" in html
    assert "Quetiapine 50 mg" in html  # signed in, inside the app: the name is shown
    for button in ("Taken", "Skip", "Not now"):
        assert f">{button}<" in html

    fields = confirm_form(html, "taken")
    assert fields["planned_dose_id"] == str(dose.id) and fields["csrf_token"]
    response = client.post("/doses", data=fields)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/today#dose-{dose.id}"
    event = db.session.scalar(select(DoseEvent))
    assert (event.status, event.planned_dose_id, event.occurred_at) == \
        (DoseStatus.TAKEN, dose.id, at(8, 2))
    assert "Quetiapine taken at 8:02\u202fAM" in client.get("/today").get_data(as_text=True)

    again = client.get(f"/reminders/dose/{dose.id}").get_data(as_text=True)
    assert "already logged" in again and 'name="status"' not in again


def test_skip_on_the_confirm_screen_logs_it_skipped(app, client, clock, alice, dose_reminder):
    _, dose = dose_reminder
    clock.set(at(8, 2))
    login(client, alice)
    html = client.get(f"/reminders/dose/{dose.id}").get_data(as_text=True)
    client.post("/doses", data=confirm_form(html, "skipped"))
    assert db.session.scalar(select(DoseEvent.status)) == DoseStatus.SKIPPED


def test_the_confirm_screen_needs_sign_in_csrf_and_the_clients_own_dose(
        app, client, clock, alice, dave, dose_reminder):
    _, dose = dose_reminder
    response = client.get(f"/reminders/dose/{dose.id}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/reminders/dose/")

    login(client, alice)
    fields = confirm_form(client.get(f"/reminders/dose/{dose.id}").get_data(as_text=True),
                          "taken")
    refused = client.post("/doses", data={**fields, "csrf_token": ""})
    assert refused.status_code == 400
    assert db.session.scalar(select(DoseEvent)) is None

    client.post("/logout", data={"csrf_token": csrf_token(client, "/today")})
    login(client, dave)
    assert client.get(f"/reminders/dose/{dose.id}").status_code == 404
    assert client.get("/reminders/dose/999999").status_code == 404
