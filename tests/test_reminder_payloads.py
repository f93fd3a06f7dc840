"""The bytes a notification carries, for every kind of reminder: the service worker
(pwa/sw-push.js) and Safari's declarative display read these keys, so building payloads a
batch at a time must give exactly what one reminder at a time gives, in every language."""
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import insert, select

from models import DoseStatus, Reminder, ReminderKind, User, db
from tend.reminders import choices, kinds, messages, preferences, tokens
from tend.services import doses
from tests.reminder_helpers import add_medication, at, first_dose, subscribe

NOW = at(8, 0)


class Device:
    p256dh, auth = "B" + "A" * 86, "A" * 22

    def __init__(self, person):
        self.endpoint = f"https://push.example.net/sub/{person.id}"


def _wire(payload: dict) -> str:
    """What the sender encrypts (tend/push/sender.py), the random action tokens set aside."""
    payload = dict(payload)
    if "tokens" in payload:
        payload["tokens"] = sorted(payload["tokens"])
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def _show_names(person, on: bool) -> None:
    preferences.save_settings(db.session, db.session.get(User, person.id), show_names=on,
                              quiet_start=None, quiet_end=None, repeat_delay_minutes=30,
                              refill_days=7, now=NOW)


def _reminders_of_every_kind(person) -> dict[str, Reminder]:
    med = add_medication(person, at(7, 0), name="Quetiapine")
    dose = first_dose(med)
    logged = doses.record(db.session, db.session.get(User, person.id), medication_id=med.id,
                          planned_dose_id=dose.id, status=DoseStatus.TAKEN, now=at(8, 5))
    sub = subscribe(person, Device(person), at(7, 0))
    common = {"user_id": person.id, "subscription_id": sub.id, "due_at": NOW,
              "expires_at": NOW + timedelta(hours=1), "next_attempt_at": NOW}
    rows = {ReminderKind.DOSE: {"planned_dose_id": dose.id, "medication_id": med.id},
            ReminderKind.REPEAT: {"planned_dose_id": dose.id, "medication_id": med.id},
            ReminderKind.SNOOZE: {"planned_dose_id": dose.id, "medication_id": med.id},
            ReminderKind.REFILL: {"medication_id": med.id, "refill_for": date(2026, 1, 19)},
            ReminderKind.CHECKIN: {"checkin_for": date(2026, 1, 12)},
            ReminderKind.FOLLOW_UP: {"dose_event_id": logged.event.id},
            ReminderKind.TEST: {}}
    db.session.execute(insert(Reminder), [{**common, "kind": kind, **values}
                                          for kind, values in rows.items()])
    db.session.commit()
    return {r.kind: r for r in db.session.scalars(
        select(Reminder).where(Reminder.user_id == person.id))}


def _caregiver_alert(client, caregiver) -> Reminder:
    dose = db.session.scalars(select(Reminder).where(
        Reminder.user_id == client.id, Reminder.kind == ReminderKind.DOSE)).one().planned_dose
    sub = subscribe(caregiver, Device(caregiver), at(7, 0))
    db.session.execute(insert(Reminder), [{
        "user_id": caregiver.id, "subscription_id": sub.id, "planned_dose_id": dose.id,
        "kind": ReminderKind.CAREGIVER_ALERT, "due_at": NOW,
        "expires_at": NOW + timedelta(hours=1), "next_attempt_at": NOW}])
    db.session.commit()
    return db.session.scalars(select(Reminder).where(Reminder.user_id == caregiver.id)).one()


def _one_at_a_time(app, reminder: Reminder) -> dict:
    with app.test_request_context("/", base_url=app.config["TEND_BASE_URL"]):
        user = db.session.get(User, reminder.user_id)
        return messages.payload_for(reminder, user, choices.settings_of(db.session, user.id),
                                    NOW)


def _expected(alice_reminders: dict, names: bool) -> dict[str, dict]:
    """Every kind's payload for an English-speaking client, as sw-push.js reads it."""
    dose = alice_reminders[ReminderKind.DOSE].planned_dose
    event = alice_reminders[ReminderKind.FOLLOW_UP].dose_event
    actions = [{"action": "taken", "title": "Taken"},
               {"action": "snooze", "title": "Snooze 10 min"}]

    def shared(reminder, body, navigate):
        return {"v": 1, "kind": reminder.kind, "reminder": reminder.id, **body,
                "web_push": 8030, "mutable": True, "notification": {
                    "title": "Tend", "body": body["body"],
                    "navigate": f"http://localhost{navigate}", "tag": body["tag"],
                    "lang": "en", "silent": False}}

    def dose_payload(kind, text):
        reminder = alice_reminders[kind]
        return shared(reminder, {
            "tag": f"dose-{dose.id}", "title": "Tend", "body": text,
            "url": f"/today?dose={dose.id}", "dose": dose.id,
            "timestamp": int(dose.due_at.timestamp() * 1000),
            "renotify": kind != ReminderKind.DOSE, "actions": actions,
            "tokens": ["snooze", "taken"], "act": "/reminders/act",
            "confirm": f"/reminders/dose/{dose.id}",
            "unreachable": "Tend couldn't be reached. Tap to open Today and log it there."},
            f"/reminders/dose/{dose.id}")

    def plain(kind, tag, body, url, timestamp=True):
        reminder = alice_reminders[kind]
        fields = {"tag": tag, "title": "Tend", "body": body, "url": url}
        if timestamp:
            fields["timestamp"] = int(NOW.timestamp() * 1000)
        return shared(reminder, {**fields, "renotify": False, "actions": []}, url)

    due = "Time for Quetiapine 50 mg (8:00\u202fAM)." if names \
        else "Time for your 8:00\u202fAM medication."
    again = "In case it's still to do: Quetiapine 50 mg, due at 8:00\u202fAM." if names \
        else "In case it's still to do: your 8:00\u202fAM medication."
    return {
        ReminderKind.DOSE: dose_payload(ReminderKind.DOSE, due),
        ReminderKind.REPEAT: dose_payload(ReminderKind.REPEAT, again),
        ReminderKind.SNOOZE: dose_payload(ReminderKind.SNOOZE, due),
        ReminderKind.REFILL: plain(
            ReminderKind.REFILL, f"refill-{dose.medication_id}",
            "Your supply of Quetiapine may run out around Jan 19, 2026. Time to ask for a "
            "refill?" if names else "One of your medications may run out around Jan 19, 2026. "
                                    "Open Tend to see which.", "/today", timestamp=False),
        ReminderKind.CHECKIN: plain(ReminderKind.CHECKIN, "checkin-2026-01-12",
                                    "A moment for today's check-in?",
                                    "/checkin/2026-01-12"),
        ReminderKind.FOLLOW_UP: plain(
            ReminderKind.FOLLOW_UP, f"follow-up-{event.id}",
            "Quetiapine, logged at 8:05\u202fAM: did it help?" if names
            else "A medication logged at 8:05\u202fAM: did it help?",
            f"/today#follow-up-{event.id}"),
        ReminderKind.TEST: plain(ReminderKind.TEST,
                                 f"test-{alice_reminders[ReminderKind.TEST].id}",
                                 "This is a test. Your reminders will look like this.",
                                 "/reminders", timestamp=False),
    }


@pytest.mark.parametrize("names", [False, True])
def test_every_kind_of_payload_carries_exactly_the_keys_the_service_worker_reads(
        app, alice, names):
    reminders = _reminders_of_every_kind(alice)
    _show_names(alice, names)
    db.session.commit()
    expected = _expected(reminders, names)
    for kind, reminder in reminders.items():
        payload = _one_at_a_time(app, reminder)
        assert _wire(payload) == _wire(expected[kind]), kind
        if "tokens" in payload:  # the buttons' tokens are real ones for this dose
            claim = tokens.read(app.config["SECRET_KEY"], payload["tokens"]["taken"], NOW)
            assert (claim.action, claim.planned_dose_id, claim.reminder_id) == \
                ("taken", payload["dose"], reminder.id)


def test_a_batch_in_several_languages_gives_each_reminder_what_it_gives_alone(
        app, alice, dave, carol):
    """Payloads are built a batch at a time (the dispatcher), grouped by language: each one
    is the same as built alone, whatever the languages and kinds around it."""
    db.session.get(User, dave.id).locale = "de"
    db.session.get(User, carol.id).locale = "es"
    db.session.commit()
    mixed = list(_reminders_of_every_kind(alice).values()) + \
        list(_reminders_of_every_kind(dave).values())
    _show_names(dave, True)
    mixed.append(_caregiver_alert(alice, carol))
    db.session.commit()
    mixed = mixed[::2] + mixed[1::2]  # the languages interleaved
    alone = [_one_at_a_time(app, reminder) for reminder in mixed]
    with app.test_request_context("/", base_url=app.config["TEND_BASE_URL"]):
        loaded = [kinds.of(r.kind).load(db.session, [r.id])[0] for r in mixed]  # as sent
        batch = messages.payloads_for(
            [(r, db.session.get(User, r.user_id), choices.settings_of(db.session, r.user_id))
             for r in loaded], NOW)
    assert [_wire(p) for p in batch] == [_wire(p) for p in alone]
    assert {p["notification"]["lang"] for p in batch} == {"en", "de", "es"}
    german = next(p for p in batch if p["notification"]["lang"] == "de" and "actions" in p
                  and p["actions"])
    assert german["actions"][0]["title"] != "Taken"
