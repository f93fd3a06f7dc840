"""After a check-in with very low mood or everyday life, one short line points to Get help,
says plainly that supporters aren't watching in real time and that nobody was alerted, and
comes at most once a day per client (on any device). Nothing reaches a supporter."""
import html as html_text
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from models import (CaregiverAlertSettings, Category, PushSubscription, Reminder, User, db)
from tend.reminders import planner
from tend.services import support_line
from tests.conftest import csrf_token, login
from tests.sharing_world import link

NOW = datetime(2026, 5, 6, 10, 0, tzinfo=timezone.utc)  # 11:00 in London (BST)
LINE = ("The people you share with aren't watching your check-ins in real time, and no one "
        "has been alerted.")


def checkin(client, day: str = "2026-05-06", **answers):
    """Save a check-in through its page, as the form does, and open the page it leads to."""
    path = f"/checkin/{day}"
    response = client.post(path, data={"csrf_token": csrf_token(client, path), "date": day,
                                       **{k: str(v) for k, v in answers.items()}})
    assert response.status_code == 302, response.get_data(as_text=True)
    return html_text.unescape(client.get(response.headers["Location"]).get_data(as_text=True))


def support_lines(html: str) -> list[str]:
    return re.findall(r'<p class="flash flash-support"[^>]*>(.*?)</p>', html, re.S)


@pytest.fixture
def signed_in(client, clock, alice):
    clock.set(NOW)
    login(client, alice)
    return client


@pytest.mark.parametrize("answers", [{"mood": 1}, {"work": 1}, {"relationships": 1},
                                     {"self_care": 1, "mood": 4}])
def test_a_very_low_check_in_shows_the_line_with_get_help(signed_in, answers):
    html = checkin(signed_in, **answers)
    [line] = support_lines(html)
    assert LINE in line
    assert 'href="/help"' in line


@pytest.mark.parametrize("answers", [{"mood": 2}, {"mood": 3, "work": 2}, {"energy": 1},
                                     {"sleep_quality": 1}, {"sleep_hours": "0"},
                                     {"note": "a very bad day"}])
def test_an_ordinary_check_in_shows_no_line(signed_in, answers):
    assert support_lines(checkin(signed_in, **answers)) == []


def test_the_line_comes_once_a_day_even_from_another_device(signed_in, client, clock, app,
                                                               alice):
    assert support_lines(checkin(signed_in, mood=1))
    assert support_lines(checkin(signed_in, mood=1, work=1)) == []  # saved again, same day
    other = app.test_client()  # another phone, signed in separately
    login(other, alice)
    assert support_lines(checkin(other, day="2026-05-05", mood=1)) == []  # an earlier day
    clock.set(NOW + timedelta(days=1))
    login(other, alice)
    assert support_lines(checkin(other, day="2026-05-07", mood=1))  # the next day: again


def test_the_day_is_the_clients_own(client, clock, alice):
    """23:30 in London on the 6th, then 00:30 on the 7th: two of the client's days."""
    clock.set(datetime(2026, 5, 6, 22, 30, tzinfo=timezone.utc))
    login(client, alice)
    signed_in = client
    assert support_lines(checkin(signed_in, mood=1))
    clock.set(datetime(2026, 5, 6, 23, 30, tzinfo=timezone.utc))
    assert support_lines(checkin(signed_in, day="2026-05-07", mood=1))


def test_the_threshold_is_said_once_and_the_offline_form_reads_it(signed_in):
    assert support_line.is_very_low({"mood": 1}) and not support_line.is_very_low({"mood": 2})
    html = signed_in.get("/offline").get_data(as_text=True)
    [attribute] = re.findall(r'data-support-line-at="([^"]+)"', html)
    assert html_text.unescape(attribute) == support_line.as_json()


def test_no_supporter_is_alerted_or_sent_anything(signed_in, app, alice, carol, bob):
    for person in (carol, bob):
        db.session.add(PushSubscription(user_id=person.id, p256dh="p" * 87, auth="a" * 22,
                                        endpoint=f"https://push.example/{person.id}",
                                        created_at=NOW))
    care = link(alice, carol, [Category.MOOD, Category.FUNCTIONING, Category.MEDICATIONS])
    link(alice, bob, [Category.MOOD, Category.FUNCTIONING])
    db.session.add(CaregiverAlertSettings(care_link_id=care.id, delay_minutes=30, paused=False))
    db.session.commit()
    assert support_lines(checkin(signed_in, mood=1, work=1, self_care=1))
    planner.plan_all(db.session, NOW + timedelta(minutes=5))
    db.session.commit()
    assert db.session.scalars(select(Reminder).where(
        Reminder.user_id.in_([carol.id, bob.id]))).all() == []
