"""Deleting an account, after the password, removes everything of it: checked over every table."""
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from models import (Base, DoseEvent, LoginThrottle, PasswordReset, PushSubscription, Reminder,
                    User, UserSession, db)
from tests.conftest import csrf_token, login
from tests.test_export import NOW, build_full_record

# Tables the full record puts rows in that reference the user; a generic sweep checks every
# table, these make sure the sweep had something to find.
POPULATED = ["user_sessions", "medications", "planned_doses", "dose_events", "side_effects",
             "checkins", "experiments", "appointment_notes", "decision_balances", "questions",
             "safety_plans",
             "reminder_settings", "checkin_reminders", "therapist_notes", "access_log",
             "care_links", "push_subscriptions", "reminders", "password_resets"]


def _references(user_id: int) -> dict[str, int]:
    """For every table in the schema, how many rows point at the user by a foreign key."""
    found = {}
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == "users":
                count = db.session.scalar(sa.select(sa.func.count()).select_from(table)
                                          .where(fk.parent == user_id))
                if count:
                    found[f"{table.name}.{fk.parent.name}"] = count
        if table.name == "users":
            count = db.session.scalar(sa.select(sa.func.count()).select_from(table)
                                      .where(table.c.id == user_id))
            if count:
                found["users.id"] = count
    return found


def _add_devices_and_resets(person) -> None:
    session = db.session.scalars(sa.select(UserSession).where(UserSession.user_id == person.id)).first()
    subscription = PushSubscription(user_id=person.id, endpoint=f"https://push.example/{person.id}",
                                    p256dh="key", auth="auth", session_id=session.id, created_at=NOW)
    db.session.add(subscription)
    db.session.flush()
    db.session.add(Reminder(user_id=person.id, subscription_id=subscription.id, kind="test",
                            due_at=NOW, expires_at=NOW + timedelta(hours=1), next_attempt_at=NOW,
                            created_at=NOW))
    db.session.add(PasswordReset(user_id=person.id, token_hash="a" * 64, created_at=NOW,
                                 expires_at=NOW + timedelta(hours=1)))
    db.session.add(LoginThrottle(scope="signup-mail", key=person.email, failures=2,
                                 window_started_at=NOW))
    db.session.commit()


def _delete(client, person, password):
    return client.post("/account/delete", data={"csrf_token": csrf_token(client, "/account/delete"),
                                                "password": password})


def test_deleting_a_client_leaves_no_row_that_references_them(client, alice, bob, carol, dave,
                                                              clock):
    clock.set(NOW)
    build_full_record(alice, bob, carol)
    build_full_record(dave, bob, carol)  # someone else's record, which must stay whole
    login(client, alice)
    _add_devices_and_resets(alice)
    before = _references(alice.id)
    assert {name.split(".")[0] for name in before} >= set(POPULATED)
    dave_before = _references(dave.id)

    response = _delete(client, alice, alice.password)

    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert _references(alice.id) == {}
    assert db.session.scalar(sa.select(LoginThrottle).where(LoginThrottle.key == alice.email)) is None
    assert _references(dave.id) == dave_before
    for person in (bob, carol, dave):
        assert db.session.get(User, person.id) is not None
    # Signed out, and the old session cookie is worthless.
    assert client.get("/today").status_code == 302


def test_deleting_a_caregiver_keeps_the_clients_doses_but_forgets_who_logged_them(
        client, alice, bob, carol, clock):
    clock.set(NOW)
    build_full_record(alice, bob, carol)
    logged = db.session.scalars(sa.select(DoseEvent).where(DoseEvent.logged_by_id == carol.id)).all()
    assert logged
    login(client, carol)
    _delete(client, carol, carol.password)
    assert _references(carol.id) == {}
    for event in logged:
        kept = db.session.get(DoseEvent, event.id)
        assert kept is not None and kept.logged_by_id is None
    assert _references(alice.id)["medications.client_id"] == 2


def test_a_wrong_password_deletes_nothing(client, alice, bob, carol, clock):
    clock.set(NOW)
    build_full_record(alice, bob, carol)
    login(client, alice)
    before = _references(alice.id)
    response = _delete(client, alice, "not my password")
    assert response.status_code == 400
    assert "That isn&#39;t your password." in response.get_data(as_text=True)
    assert _references(alice.id) == before


def test_deletion_needs_the_form_token(client, alice, clock):
    clock.set(datetime(2026, 4, 1, tzinfo=timezone.utc))
    login(client, alice)
    response = client.post("/account/delete", data={"password": alice.password})
    assert response.status_code == 400
    assert db.session.get(User, alice.id) is not None
