"""Stopping sharing asks once, takes effect at once, and can be undone for 10 minutes."""
from datetime import datetime, timedelta, timezone

import pytest

from models import CareLink, Category, LinkStatus, db
from tests.conftest import csrf_token, login
from tests.sharing_world import link

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def shared(app, clock, alice, bob):
    clock.set(NOW)
    care_link = link(alice, bob, [Category.MOOD], from_date=NOW.date() - timedelta(days=30))
    as_alice, as_bob = app.test_client(), app.test_client()
    login(as_alice, alice)
    login(as_bob, bob)
    return care_link.id, as_alice, as_bob


def _stop(as_alice, link_id):
    return as_alice.post(f"/sharing/people/{link_id}/end",
                         data={"csrf_token": csrf_token(as_alice, "/sharing/")})


def test_stop_sharing_asks_once_before_it_stops(shared, alice):
    link_id, as_alice, as_bob = shared
    person = as_alice.get(f"/sharing/people/{link_id}").get_data(as_text=True)
    assert f'href="/sharing/people/{link_id}/end"' in person  # a question first, not a form
    ask = as_alice.get(f"/sharing/people/{link_id}/end")
    assert ask.status_code == 200
    body = ask.get_data(as_text=True)
    assert "Stop sharing with Bob Lee?" in body and "undo" in body.lower()
    assert as_bob.get(f"/care/clients/{alice.id}").status_code == 200  # asking changes nothing


def test_stopped_sharing_can_be_undone_within_10_minutes(shared, alice, clock):
    link_id, as_alice, as_bob = shared
    response = _stop(as_alice, link_id)
    assert response.status_code == 302
    assert as_bob.get(f"/care/clients/{alice.id}").status_code == 404
    team = as_alice.get(response.headers["Location"]).get_data(as_text=True)
    assert f'action="/sharing/people/{link_id}/undo"' in team
    clock.advance(minutes=9)
    undo = as_alice.post(f"/sharing/people/{link_id}/undo",
                         data={"csrf_token": csrf_token(as_alice, "/sharing/")})
    assert undo.status_code == 302
    assert as_bob.get(f"/care/clients/{alice.id}").status_code == 200
    assert "Mood" in as_bob.get(f"/care/clients/{alice.id}").get_data(as_text=True)
    log = as_alice.get("/sharing/log").get_data(as_text=True)
    assert "Started sharing again with Bob Lee" in log


def test_after_10_minutes_stopping_stays(shared, alice, clock):
    link_id, as_alice, as_bob = shared
    _stop(as_alice, link_id)
    clock.advance(minutes=10, seconds=1)
    assert f"/sharing/people/{link_id}/undo" not in as_alice.get("/sharing/").get_data(
        as_text=True)
    undo = as_alice.post(f"/sharing/people/{link_id}/undo",
                         data={"csrf_token": csrf_token(as_alice, "/sharing/")})
    assert undo.status_code == 400
    assert "can no longer be undone" in undo.get_data(as_text=True)
    assert db.session.get(CareLink, link_id).status is LinkStatus.ENDED
    assert as_bob.get(f"/care/clients/{alice.id}").status_code == 404
