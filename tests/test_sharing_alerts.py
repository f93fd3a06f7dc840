"""Caregiver alerts: planned into the reminders outbox for the caregiver's own devices, only
for doses still unlogged after the client's chosen delay, and only while the caregiver may see
the client's medications."""
from datetime import timedelta

from sqlalchemy import select

from models import (CaregiverAlertSettings, Category, DoseStatus, LinkStatus, PlannedDose,
                    PushSubscription, Reminder, User, db)
from tend.reminders import messages
from tend.reminders.choices import settings_of
from tend.reminders.kinds import caregiver_alert as alerts
from tend.services import doses
from tests.conftest import api_headers, login
from tests.sharing_world import NOW, link, seed_record


def _device(person, n=1) -> PushSubscription:
    sub = PushSubscription(user_id=person.id, endpoint=f"https://push.example/{person.id}/{n}",
                           p256dh="p" * 87, auth="a" * 22, created_at=NOW)
    db.session.add(sub)
    db.session.commit()
    return sub


def _alerts():
    return db.session.scalars(select(Reminder).where(Reminder.kind == alerts.KIND)).all()


def _todays_first_dose(alice) -> PlannedDose:
    return db.session.scalars(select(PlannedDose).where(
        PlannedDose.client_id == alice.id, PlannedDose.local_date == NOW.date())
        .order_by(PlannedDose.due_at)).first()


def test_it_alerts_each_caregiver_device_once_after_the_delay(app, alice, carol):
    seed_record(alice)
    first, second = _device(carol, 1), _device(carol, 2)
    care_link = link(alice, carol, [Category.MEDICATIONS])
    db.session.add(CaregiverAlertSettings(care_link_id=care_link.id, delay_minutes=120,
                                          paused=False))
    db.session.commit()
    dose = _todays_first_dose(alice)  # due 08:00; NOW is 12:00
    assert alerts.plan(db.session, dose.due_at + timedelta(minutes=119)) == 0
    alerts.plan(db.session, NOW)
    alerts.plan(db.session, NOW + timedelta(minutes=5))
    db.session.commit()
    rows = _alerts()
    assert sorted((r.user_id, r.subscription_id, r.planned_dose_id) for r in rows) == [
        (carol.id, first.id, dose.id), (carol.id, second.id, dose.id)]
    assert {r.due_at for r in rows} == {dose.due_at + timedelta(minutes=120)}
    assert {r.expires_at for r in rows} == {dose.due_at + doses.MISSED_AFTER}


def test_no_alert_without_the_grant_when_paused_logged_or_ended(app, alice, carol, bob):
    seed_record(alice)
    _device(carol)
    _device(bob)
    link(alice, bob, [Category.MEDICATIONS])  # a therapist is never alerted
    care_link = link(alice, carol, [Category.MOOD])
    assert alerts.plan(db.session, NOW) == 0
    care_link.grants[0].category = Category.MEDICATIONS
    db.session.add(CaregiverAlertSettings(care_link_id=care_link.id, delay_minutes=30,
                                          paused=True))
    db.session.commit()
    assert alerts.plan(db.session, NOW) == 0
    db.session.get(CaregiverAlertSettings, care_link.id).paused = False
    dose = _todays_first_dose(alice)
    doses.record(db.session, db.session.get(User, alice.id), medication_id=dose.medication_id,
                 planned_dose_id=dose.id, status=DoseStatus.TAKEN, now=NOW)
    db.session.commit()
    assert alerts.plan(db.session, NOW) == 0
    care_link.status = LinkStatus.ENDED
    db.session.commit()
    assert alerts.plan(db.session, NOW + timedelta(hours=8, minutes=30)) == 0


def test_an_alert_planned_is_dropped_once_the_dose_is_logged_or_sharing_stops(app, alice, carol):
    seed_record(alice)
    _device(carol)
    care_link = link(alice, carol, [Category.MEDICATIONS])
    alerts.plan(db.session, NOW)
    db.session.commit()
    reminder = _alerts()[0]
    assert alerts.still_wanted(db.session, [reminder], NOW) == {reminder.id}
    care_link.status = LinkStatus.ENDED
    db.session.commit()
    assert not alerts.still_wanted(db.session, [reminder], NOW)
    care_link.status = LinkStatus.ACTIVE
    dose = reminder.planned_dose
    doses.record(db.session, db.session.get(User, alice.id), medication_id=dose.medication_id,
                 planned_dose_id=dose.id, status=DoseStatus.TAKEN, now=NOW)
    db.session.commit()
    db.session.refresh(reminder)
    assert not alerts.still_wanted(db.session, [reminder], NOW)


def test_the_alert_names_the_person_never_the_medication(app, alice, carol):
    seed_record(alice)
    _device(carol)
    link(alice, carol, [Category.MEDICATIONS])
    alerts.plan(db.session, NOW)
    reminder = _alerts()[0]
    with app.test_request_context():
        body = messages.payload_for(reminder, db.session.get(User, carol.id),
                                    settings_of(db.session, carol.id), NOW)
    assert body["body"] == "Alice's 8:00\u202fAM dose isn't logged yet. You might check in with them."
    assert body["url"] == f"/care/clients/{alice.id}"
    assert "Mkcurrentmed" not in str(body)


def test_a_caregiver_turns_on_alerts_on_their_phone(app, client, carol, bob):
    login(client, carol)
    key = "B" + "x" * 86
    response = client.post("/care/devices", json={"endpoint": "https://fcm.googleapis.com/fcm/send/abc",
                                                  "p256dh": key, "auth": "y" * 22},
                           headers=api_headers(client, "/care/"))
    assert response.status_code == 201
    assert db.session.scalar(select(PushSubscription)).user_id == carol.id
    client.post("/logout", data={"csrf_token": api_headers(client, "/care/")["X-CSRFToken"]})
    login(client, bob)
    response = client.post("/care/devices", json={"endpoint": "https://fcm.googleapis.com/fcm/send/def",
                                                  "p256dh": key, "auth": "y" * 22},
                           headers=api_headers(client, "/care/"))
    assert response.status_code == 403


def test_the_reminder_worker_delivers_the_alert_once_and_not_after_the_dose_is_logged(
        app, clock, alice, carol):
    """End to end: the worker's planning pass queues the alert, its dispatcher sends it to
    the caregiver's phone (a real local push receiver that decrypts it), planning again sends
    nothing more, and a dose logged before the alert goes out cancels it."""
    from tend.reminders import planner
    from tend.reminders.dispatcher import Dispatcher
    from tests.push_receiver import PushReceiver
    from tests.reminder_helpers import subscribe

    seed_record(alice)
    care_link = link(alice, carol, [Category.MEDICATIONS])
    db.session.add(CaregiverAlertSettings(care_link_id=care_link.id, delay_minutes=60,
                                          paused=False))
    db.session.commit()
    morning, evening = db.session.scalars(select(PlannedDose).where(
        PlannedDose.client_id == alice.id, PlannedDose.local_date == NOW.date())
        .order_by(PlannedDose.due_at)).all()[:2]
    with PushReceiver(clock=clock) as receiver:
        phone = receiver.subscribe()
        subscribe(carol, phone, NOW)
        clock.set(NOW)
        for _ in range(2):
            planner.plan_all(db.session, clock())
            db.session.commit()
            sender = Dispatcher(app, now=clock)
            sender.drain()
            sender.close()
        (delivery,) = receiver.deliveries_for(phone)
        assert delivery.payload["kind"] == "caregiver_alert"
        assert "Alice" in delivery.payload["body"] and "Mkcurrentmed" not in str(delivery.payload)

        client = db.session.get(User, alice.id)
        doses.record(db.session, client, medication_id=evening.medication_id,
                     planned_dose_id=evening.id, status=DoseStatus.TAKEN,
                     now=evening.due_at + timedelta(minutes=30))
        db.session.commit()
        clock.set(evening.due_at + timedelta(minutes=61))
        planner.plan_all(db.session, clock())
        db.session.commit()
        sender = Dispatcher(app, now=clock)
        sender.drain()
        sender.close()
        assert len(receiver.deliveries_for(phone)) == 1
