"""Reminders that notice they stopped: what an app open learns about its browser's
subscription, the silent re-registration, the service worker's report of a replaced
subscription, and Today for a client whose reminders reach no device."""
from sqlalchemy import select

from models import LapsedSubscription, PushSubscription, Reminder, db
from tend.push import subscriptions
from tests.conftest import csrf_token, login
from tests.reminder_helpers import add_medication, at

IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_4 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/18.4 Mobile/15E148 Safari/604.1")
OLD = {"endpoint": "https://web.push.apple.com/old", "p256dh": "B" + "A" * 86,
       "auth": "A" * 22}
NEW = {"endpoint": "https://web.push.apple.com/new", "p256dh": "B" + "C" * 86,
       "auth": "C" * 22}


def headers(client) -> dict:
    return {"X-CSRFToken": csrf_token(client, "/today"), "User-Agent": IPHONE}


def subscribe_here(client, device=OLD):
    response = client.post("/reminders/subscriptions", json=device, headers=headers(client))
    assert response.status_code == 201
    return db.session.get(PushSubscription, response.get_json()["id"])


def ask(client, endpoint) -> str:
    response = client.post("/reminders/this-device", json={"endpoint": endpoint},
                           headers=headers(client))
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["vapid_key"] and body["renew_url"] == "/reminders/this-device/subscription"
    return body["state"]


def test_a_subscription_the_push_service_ended_is_to_be_renewed_by_that_browser(
        app, client, clock, alice):
    clock.set(at(7, 0))
    login(client, alice)
    sub = subscribe_here(client)
    assert ask(client, OLD["endpoint"]) == "ok"

    subscriptions.forget(db.session, sub, ended=at(8, 0))  # a 410
    db.session.commit()
    assert ask(client, OLD["endpoint"]) == "renew"  # the browser still holds the dead one
    assert ask(client, None) == "renew"             # or none at all (iOS drops it)


def test_no_subscription_while_the_server_has_one_for_this_sign_in_is_to_be_renewed(
        app, client, clock, alice):
    clock.set(at(7, 0))
    login(client, alice)
    subscribe_here(client)
    assert ask(client, None) == "renew"
    assert ask(client, "https://web.push.apple.com/other") == "renew"


def test_a_browser_that_never_turned_reminders_on_or_removed_them_is_left_alone(
        app, client, clock, alice, dave):
    clock.set(at(7, 0))
    login(client, alice)
    assert ask(client, None) == "none"
    assert ask(client, "https://web.push.apple.com/unknown") == "none"
    sub = subscribe_here(client)
    client.post(f"/reminders/devices/{sub.id}/remove",
                data={"csrf_token": csrf_token(client, "/reminders")})
    assert ask(client, OLD["endpoint"]) == "none"  # removed on purpose: a tap brings it back

    daves = app.test_client()
    login(daves, dave)
    subscribe_here(daves, NEW)
    assert ask(client, NEW["endpoint"]) == "none"  # Dave's is not moved to Alice silently
    assert db.session.scalar(select(PushSubscription.user_id)) == dave.id


def test_renewing_replaces_the_old_subscription_plans_and_clears_the_notice(
        app, client, clock, alice):
    clock.set(at(7, 0))
    add_medication(alice, clock(), times=("08:00",))
    login(client, alice)
    sub = subscribe_here(client)
    subscriptions.forget(db.session, sub, ended=at(7, 5))
    db.session.commit()
    assert "Reminders stopped reaching" in client.get("/today").get_data(as_text=True)

    response = client.post("/reminders/this-device/subscription",
                           json={**NEW, "replaces": OLD["endpoint"]}, headers=headers(client))
    assert response.status_code == 201
    [renewed] = db.session.scalars(select(PushSubscription)).all()
    assert renewed.endpoint == NEW["endpoint"]
    assert db.session.scalar(select(LapsedSubscription)) is None
    assert {r.subscription_id for r in db.session.scalars(select(Reminder))
            if r.status == "pending"} == {renewed.id}
    assert ask(client, NEW["endpoint"]) == "ok"
    assert "Reminders stopped reaching" not in client.get("/today").get_data(as_text=True)


def test_a_new_subscription_from_the_same_sign_in_replaces_the_one_it_held(
        app, client, clock, alice):
    clock.set(at(7, 0))
    login(client, alice)
    subscribe_here(client, OLD)
    subscribe_here(client, NEW)
    assert db.session.scalars(select(PushSubscription.endpoint)).all() == [NEW["endpoint"]]


def test_the_worker_moves_a_replaced_subscription_with_the_old_secret_only(
        app, client, clock, alice):
    clock.set(at(7, 0))
    sub = subscribe_for(alice, clock)  # the client is not signed in

    change = {"old_endpoint": sub.endpoint, "old_auth": "X" * 22, **NEW}
    assert client.post("/reminders/subscriptions/change", json=change).status_code == 404
    assert client.post("/reminders/subscriptions/change",
                       json={**change, "old_auth": sub.auth,
                             "endpoint": "https://10.0.0.1/push"}).status_code == 400
    db.session.expire_all()
    assert db.session.get(PushSubscription, sub.id).endpoint == sub.endpoint

    # No session, no CSRF token: the old secret is the proof.
    response = client.post("/reminders/subscriptions/change",
                           json={**change, "old_auth": sub.auth})
    assert response.status_code == 200
    db.session.expire_all()
    moved = db.session.get(PushSubscription, sub.id)
    assert (moved.endpoint, moved.auth, moved.user_id) == (NEW["endpoint"], NEW["auth"],
                                                          alice.id)


def subscribe_for(person, clock) -> PushSubscription:
    sub = PushSubscription(user_id=person.id, created_at=clock(), user_agent=IPHONE, **OLD)
    db.session.add(sub)
    db.session.commit()
    return sub


def test_today_offers_one_tap_when_reminders_reach_no_device(app, client, clock, alice):
    clock.set(at(7, 0))
    add_medication(alice, clock(), times=("08:00",))
    login(client, alice)
    today = client.get("/today").get_data(as_text=True)
    assert "No device gets your reminders at the moment." in today
    assert "data-push-here" in today and "Turn on reminders here" in today

    subscribe_here(client)
    today = client.get("/today").get_data(as_text=True)
    assert "No device gets your reminders" not in today and "data-push-here" not in today


def test_today_names_the_stopped_device_with_the_one_tap_when_it_was_the_only_one(
        app, client, clock, alice):
    clock.set(at(7, 0))
    add_medication(alice, clock(), times=("08:00",))
    login(client, alice)
    subscriptions.forget(db.session, subscribe_here(client), ended=at(8, 0))
    db.session.commit()
    today = client.get("/today").get_data(as_text=True)
    assert "Reminders stopped reaching Safari on iPhone on Jan 12, 2026." in today
    assert "Turn on reminders here" in today
    assert "No device gets your reminders" not in today
