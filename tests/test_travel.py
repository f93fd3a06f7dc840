"""Changing time zone: the past keeps its own zone, and every dose still ahead is planned
once, none already past due, with no long gap (the rules are in tend/services/schedule.py)."""
import re
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select

from models import DoseStatus, PlannedDose, Role, User, db
from tend.reminders import planner
from tend.services import doses, schedule
from tests.conftest import examples, make_person
from tests.records import add_medication

UTC = timezone.utc
NEW_YORK, TOKYO, AMSTERDAM, LONDON = ("America/New_York", "Asia/Tokyo", "Europe/Amsterdam",
                                      "Europe/London")


def z(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def local(zone: str, day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def user(person) -> User:
    return db.session.get(User, person.id)


def all_doses(med) -> list[PlannedDose]:
    db.session.expire_all()
    return db.session.scalars(select(PlannedDose).where(PlannedDose.medication_id == med.id)
                              .order_by(PlannedDose.due_at)).all()


def live_through(person, med, now: datetime):
    """Plan and take every dose on time up to ``now``, as a client who never misses."""
    schedule.plan_doses(db.session, user(person), now)
    for dose in all_doses(med):
        if dose.due_at <= now and dose.event is None:
            doses.record(db.session, user(person), medication_id=med.id,
                         planned_dose_id=dose.id, status=DoseStatus.TAKEN,
                         taken_at=dose.due_at, now=now)
    db.session.commit()


def move(person, med, zone: str, now: datetime, **choice):
    """Change zone at ``now``; returns (doses before, doses after)."""
    before = {d.id: (d.due_at, d.timezone) for d in all_doses(med)}
    planner.set_timezone(db.session, user(person), zone, now, **choice)
    db.session.commit()
    return before, all_doses(med)


def assert_move_is_sound(before, after, now, times, new_zone, shortest, longest, shift):
    """The rules every move keeps, whatever the zones and the moment."""
    created = [d for d in after if before.get(d.id) != (d.due_at, d.timezone)]
    assert all(d.due_at > now for d in created), "a dose created already past due"
    for dose in after:
        if dose.id in before and before[dose.id][0] <= now:
            assert (dose.due_at, dose.timezone) == before[dose.id], "the past changed"
    lost_past = [i for i, (due, _) in before.items() if due <= now
                 and i not in {d.id for d in after}]
    assert not lost_past, "a past dose was dropped"
    keys = [(d.local_date, d.local_time, d.timezone) for d in after]
    assert len(keys) == len(set(keys)), "a slot planned twice in one zone"
    # Every slot ahead in the new zone's reading, in the next day and a half, is planned
    # (unless the replayed day's dose would come too soon after one already taken).
    zone = ZoneInfo(new_zone)
    first_day = now.astimezone(zone).date()
    due = {d.due_at for d in after}
    for n in range(3):
        for label in times:
            moment = datetime.combine(first_day + timedelta(days=n), time.fromisoformat(label),
                                      tzinfo=zone).astimezone(UTC)
            if now < moment <= now + timedelta(hours=36):
                earlier = [d.due_at for d in after if d.due_at <= now]
                too_soon = earlier and moment - max(earlier) < shortest / 2
                assert moment in due or too_soon, f"{moment} in {new_zone} not planned"
    window = [d.due_at for d in after if d.due_at > now - timedelta(hours=30)
              and d.due_at <= now + timedelta(hours=40)]
    gaps = [b - a for a, b in zip(window, window[1:])]
    assert max(gaps) <= longest + shift, f"a gap of {max(gaps)}"
    return [(d.due_at, d.timezone) for d in after if d.due_at > now]


@pytest.fixture
def new_yorker(app):
    return make_person("ny@example.com", "Nia", Role.CLIENT, tz=NEW_YORK)


@pytest.fixture
def tokyoite(app):
    return make_person("tk@example.com", "Taro", Role.CLIENT, tz=TOKYO)


DAY = date(2026, 6, 2)
H12, H24 = timedelta(hours=12), timedelta(hours=24)


@pytest.mark.parametrize("moment", [local(NEW_YORK, DAY, 6), local(NEW_YORK, DAY, 7, 55),
                                    local(NEW_YORK, DAY - timedelta(days=1), 23, 30)],
                         ids=["06:00", "07:55", "23:30 the evening before"])
def test_new_york_to_tokyo_keeps_the_morning_dose_the_jump_skipped_over(new_yorker, moment):
    med = add_medication(new_yorker, z(DAY, 0) - timedelta(days=4), times=["08:00"])
    live_through(new_yorker, med, moment)
    before, after = move(new_yorker, med, TOKYO, moment)
    ahead = assert_move_is_sound(before, after, moment, ["08:00"], TOKYO,
                                 H24, H24, timedelta(hours=13))
    assert ahead == [(z(DAY, 12), NEW_YORK),  # 08:00 New York on 2 June: still ahead there
                     (z(DAY, 23), TOKYO),     # 08:00 Tokyo on 3 June
                     (z(DAY + timedelta(days=1), 23), TOKYO)]


@pytest.mark.parametrize("moment", [local(TOKYO, DAY, 10), local(TOKYO, DAY, 20)],
                         ids=["10:00 JST", "20:00 JST"])
def test_tokyo_to_new_york_plans_the_next_new_york_morning(tokyoite, moment):
    med = add_medication(tokyoite, z(DAY, 0) - timedelta(days=4), times=["08:00"])
    live_through(tokyoite, med, moment)
    before, after = move(tokyoite, med, NEW_YORK, moment)
    ahead = assert_move_is_sound(before, after, moment, ["08:00"], NEW_YORK,
                                 H24, H24, timedelta(hours=13))
    assert ahead[:2] == [(z(DAY, 12), NEW_YORK), (z(DAY + timedelta(days=1), 12), NEW_YORK)]


def test_east_with_two_doses_a_day_never_puts_two_doses_an_hour_apart(new_yorker):
    moment = local(NEW_YORK, DAY, 6)
    med = add_medication(new_yorker, z(DAY, 0) - timedelta(days=4), times=["08:00", "20:00"])
    live_through(new_yorker, med, moment)
    before, after = move(new_yorker, med, TOKYO, moment)
    ahead = assert_move_is_sound(before, after, moment, ["08:00", "20:00"], TOKYO,
                                 H12, H12, timedelta(hours=13))
    assert ahead[:3] == [(z(DAY, 11), TOKYO), (z(DAY, 23), TOKYO),
                         (z(DAY + timedelta(days=1), 11), TOKYO)]


def test_west_just_after_the_evening_dose_plans_no_dose_an_hour_later(tokyoite):
    moment = local(TOKYO, DAY, 20, 5)  # 07:05 in New York
    med = add_medication(tokyoite, z(DAY, 0) - timedelta(days=4), times=["08:00", "20:00"])
    live_through(tokyoite, med, moment)
    before, after = move(tokyoite, med, NEW_YORK, moment)
    ahead = assert_move_is_sound(before, after, moment, ["08:00", "20:00"], NEW_YORK,
                                 H12, H12, timedelta(hours=13))
    assert ahead[0] == (z(DAY + timedelta(days=1), 0), NEW_YORK)  # 20:00 New York


def test_a_move_of_an_hour_west_gives_no_second_morning_dose(app):
    person = make_person("am@example.com", "Anna", Role.CLIENT, tz=AMSTERDAM)
    moment = local(AMSTERDAM, DAY, 8, 30)  # 07:30 in London
    med = add_medication(person, z(DAY, 0) - timedelta(days=4), times=["08:00"])
    live_through(person, med, moment)
    before, after = move(person, med, LONDON, moment)
    ahead = assert_move_is_sound(before, after, moment, ["08:00"], LONDON,
                                 H24, H24, timedelta(hours=1))
    assert ahead[0] == (local(LONDON, DAY + timedelta(days=1), 8), LONDON)


@pytest.mark.parametrize("day", [date(2026, 3, 29), date(2026, 10, 25)], ids=["March", "October"])
@pytest.mark.parametrize("home,away", [(AMSTERDAM, NEW_YORK), (NEW_YORK, AMSTERDAM)])
def test_moves_on_amsterdams_dst_days(app, day, home, away):
    person = make_person("dst@example.com", "Dee", Role.CLIENT, tz=home)
    times = ["02:30", "08:00", "20:00"]
    moment = z(day, 0, 30)  # just before Amsterdam's clocks change at 01:00 UTC
    med = add_medication(person, moment - timedelta(days=3), times=times)
    live_through(person, med, moment)
    before, after = move(person, med, away, moment)
    shift = abs(ZoneInfo(home).utcoffset(moment.replace(tzinfo=None))
                - ZoneInfo(away).utcoffset(moment.replace(tzinfo=None)))
    assert_move_is_sound(before, after, moment, times, away, timedelta(hours=5, minutes=30),
                         H12, shift + timedelta(hours=1))


def test_a_taken_dose_keeps_its_local_time_and_on_time_status_after_a_move(app):
    person = make_person("am@example.com", "Anna", Role.CLIENT, tz=AMSTERDAM)
    day = date(2026, 1, 15)
    med = add_medication(person, local(AMSTERDAM, day, 6), times=["07:00"])
    (dose,) = [d for d in all_doses(med) if d.local_date == day]
    taken = doses.record(db.session, user(person), medication_id=med.id,
                         planned_dose_id=dose.id, status=DoseStatus.TAKEN,
                         taken_at=local(AMSTERDAM, day, 8, 32), now=local(AMSTERDAM, day, 9)).event
    db.session.commit()
    move(person, med, TOKYO, local(AMSTERDAM, day, 12))
    event = db.session.get(type(taken), taken.id)
    assert event.timezone == AMSTERDAM
    assert event.occurred_at.astimezone(ZoneInfo(event.timezone)).time() == time(8, 32)
    assert (event.planned_dose.local_time, event.planned_dose.timezone) == (time(7), AMSTERDAM)
    assert doses.taken_late(event.planned_dose, event)  # 92 minutes after 07:00, as before


def test_keeping_home_times_moves_nothing(tokyoite):
    moment = local(TOKYO, DAY, 10)
    med = add_medication(tokyoite, z(DAY, 0) - timedelta(days=4), times=["08:00"])
    live_through(tokyoite, med, moment)
    before, after = move(tokyoite, med, NEW_YORK, moment, keep_home_times=True)
    assert {d.id: (d.due_at, d.timezone) for d in after} == before
    person = user(tokyoite)
    assert (person.timezone, person.travel_timezone) == (TOKYO, NEW_YORK)
    # Choosing to follow local time later moves the doses then.
    planner.set_timezone(db.session, person, NEW_YORK, moment + timedelta(hours=1))
    db.session.commit()
    assert (person.timezone, person.travel_timezone) == (NEW_YORK, None)
    assert [d.timezone for d in all_doses(med) if d.due_at > moment + timedelta(hours=1)] \
        and all(d.timezone == NEW_YORK for d in all_doses(med)
                if d.due_at > moment + timedelta(hours=1))


ZONES = [NEW_YORK, TOKYO, AMSTERDAM, LONDON, "Australia/Sydney", "Asia/Kolkata",
         "Pacific/Chatham", "America/Los_Angeles"]
_people = iter(range(10_000))


def longest_spacing(times: list[str]) -> timedelta:
    minutes = sorted(int(t[:2]) * 60 + int(t[3:]) for t in times)
    gaps = [b - a for a, b in zip(minutes, minutes[1:])] + [minutes[0] + 1440 - minutes[-1]]
    return timedelta(minutes=max(gaps))


@settings(max_examples=examples(20, 300), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(home=st.sampled_from(ZONES), away=st.sampled_from(ZONES),
       times=st.lists(st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23),
                                st.sampled_from([0, 30])), min_size=1, max_size=3, unique=True),
       day=st.sampled_from([date(2026, 3, 29), date(2026, 6, 2), date(2026, 10, 25)]),
       minutes=st.integers(0, 24 * 60 - 1))
def test_every_move_keeps_the_rules(app, home, away, times, day, minutes):
    n = next(_people)
    person = make_person(f"h{n}@example.com", f"H{n}", Role.CLIENT, tz=home)
    moment = z(day, 0) + timedelta(minutes=minutes)
    med = add_medication(person, moment - timedelta(days=3), times=times)
    live_through(person, med, moment)
    before, after = move(person, med, away, moment)
    naive = moment.replace(tzinfo=None)
    shift = abs(ZoneInfo(home).utcoffset(naive) - ZoneInfo(away).utcoffset(naive))
    assert_move_is_sound(before, after, moment, times, away,
                         schedule.shortest_spacing(times), longest_spacing(times),
                         shift + timedelta(hours=1))  # an hour for a DST change


# --- Pages ---------------------------------------------------------------------------------

def test_history_shows_a_dose_in_the_zone_it_was_taken_in_after_a_move(client, clock):
    from tests.conftest import login
    person = make_person("am@example.com", "Anna", Role.CLIENT, tz=AMSTERDAM)
    day = date(2026, 1, 15)
    med = add_medication(person, local(AMSTERDAM, day, 6), times=["07:00"])
    (dose,) = [d for d in all_doses(med) if d.local_date == day]
    doses.record(db.session, user(person), medication_id=med.id, planned_dose_id=dose.id,
                 status=DoseStatus.TAKEN, taken_at=local(AMSTERDAM, day, 8, 32),
                 now=local(AMSTERDAM, day, 9))
    db.session.commit()
    move(person, med, TOKYO, local(AMSTERDAM, day, 12))
    clock.set(local(AMSTERDAM, day, 13))  # 21:00 in Tokyo, the same day there
    login(client, person)
    html = client.get("/history").get_data(as_text=True)
    assert "Taken at 8:32\u202fAM, Amsterdam time" in html or \
        "Taken at 8:32 AM, Amsterdam time" in html
    assert "7:00\u202fAM, Amsterdam time" in html or "7:00 AM, Amsterdam time" in html
    assert "later than planned" in html  # 92 minutes after 07:00, as it was in Amsterdam
    assert "4:32" not in html


def test_the_account_page_offers_the_travel_choice_and_keeping_home_times_moves_nothing(
        client, clock, tokyoite):
    from tests.conftest import csrf_token, login
    moment = local(TOKYO, DAY, 10)
    clock.set(moment)
    med = add_medication(tokyoite, z(DAY, 0) - timedelta(days=4), times=["08:00"])
    live_through(tokyoite, med, moment)
    before = {d.id: (d.due_at, d.timezone) for d in all_doses(med)}
    login(client, tokyoite)
    html = client.get("/account").get_data(as_text=True)
    assert "Follow local time" in html and "Keep home times" in html
    (chosen,) = re.findall(r'<input checked[^>]*name="travel"[^>]*value="(\w+)"', html)
    assert chosen == "follow_local"  # the default
    response = client.post("/account", data={
        "csrf_token": csrf_token(client, "/account"), "display_name": "Taro",
        "timezone": NEW_YORK, "travel": "keep_home"})
    assert response.status_code == 302
    assert {d.id: (d.due_at, d.timezone) for d in all_doses(med)} == before
    html = client.get("/account").get_data(as_text=True)
    assert "Your doses stay at Tokyo times while you're in New York." in html.replace("&#39;", "'")
    today = client.get("/today").get_data(as_text=True)
    assert "here" in today  # the next dose also shows as the clock reads in New York


def test_the_api_keeps_the_travel_choice_when_a_field_is_left_out(client, clock, tokyoite):
    from tests.conftest import api_headers, login
    clock.set(local(TOKYO, DAY, 10))
    login(client, tokyoite)
    headers = api_headers(client, "/account")
    answer = client.patch("/api/v1/me", json={"timezone": NEW_YORK, "travel": "keep_home"},
                          headers=headers).get_json()
    assert (answer["timezone"], answer["travel"], answer["travel_timezone"]) == \
        (TOKYO, "keep_home", NEW_YORK)
    answer = client.patch("/api/v1/me", json={"display_name": "T"}, headers=headers).get_json()
    assert (answer["timezone"], answer["travel"], answer["travel_timezone"]) == \
        (TOKYO, "keep_home", NEW_YORK)
    bad = client.patch("/api/v1/me", json={"travel": "sideways"}, headers=headers)
    assert bad.status_code == 400 and "travel" in bad.get_json()["fields"]
