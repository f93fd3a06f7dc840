"""Sequences the record's state machine (``test_record_invariants``) found breaking an
invariant, kept as stories. Each replays the steps through ``tests.record_model.Record`` and
asserts what the client or their therapist would see; the letter is the invariant of issue 11."""
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from tests.push_receiver import PushReceiver
from tests.record_model import Record, Refused

UTC = timezone.utc


@pytest.fixture
def receiver(clock):
    with PushReceiver(clock=clock) as running:
        yield running


def at(day: date, clock: str, zone: str) -> datetime:
    hour, minute = map(int, clock.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute,
                    tzinfo=ZoneInfo(zone)).astimezone(UTC)


def planned(record: Record, name_id: int, day: date, clock: str) -> list:
    return [p for p in record.planned_doses()
            if (p.medication_id, p.local_date, p.local_time) == (name_id, day, clock)]


def upcoming(record: Record, medication_id: int) -> list:
    """Planned doses still ahead and not logged: what Today shows as "Coming up"."""
    return [p for p in record.planned_doses() if p.medication_id == medication_id
            and p.event_id is None and p.due_at > record.now]


def every_current_dose(record: Record, names: dict[int, str]) -> dict[str, dict]:
    rows, as_needed = record.shown_in_api_today()
    return {"GET /api/v1/medications": record.shown_in_api_medications(),
            "GET /api/v1/today": {med_id: strength for _, med_id, strength in rows},
            "/medications": record.shown_on_medications_page(names),
            "/appointment/summary": record.shown_in_summary(names),
            "/my-data/tend-fhir.json": record.shown_in_fhir_export(names),
            **record.shown_to_therapist(names)}


# --- (b) the version in force --------------------------------------------------------------

def test_b_a_change_from_tomorrow_is_not_shown_as_todays_dose(app, clock):
    zone, day = "Europe/Amsterdam", date(2026, 3, 28)
    record = Record(app, clock, zone, at(day, "10:00", zone))
    sertraline = record.add_medication("Sertraline", 50, ["08:00", "20:00"])
    record.change_dose(sertraline, 75, ["08:00", "20:00"], day + timedelta(days=1))

    for page, shown in every_current_dose(record, {sertraline: "Sertraline"}).items():
        assert shown.get(sertraline) == Decimal(50), f"{page} shows {shown.get(sertraline)} mg"


# --- (a) one planned dose per slot and day -------------------------------------------------

def test_a_pause_and_resume_do_not_plan_a_second_copy_of_a_skipped_dose(app, clock):
    zone, day = "America/New_York", date(2026, 3, 7)
    record = Record(app, clock, zone, at(day, "08:00", zone))
    med = record.add_medication("Sertraline", 50, ["09:00"])
    [nine] = planned(record, med, day, "09:00")
    record.log_planned(nine.id, taken=False)       # skipped ahead of time
    record.pause(med)
    record.advance(timedelta(minutes=5))
    record.resume(med)

    assert len(planned(record, med, day, "09:00")) == 1  # not "Skipped" and "Coming up"


def test_a_a_change_today_does_not_plan_a_dose_already_taken_again(app, clock):
    zone, day = "Australia/Lord_Howe", date(2026, 10, 31)
    record = Record(app, clock, zone, at(day, "08:30", zone))
    med = record.add_medication("Sertraline", 50, ["20:00"])
    [evening] = planned(record, med, day, "20:00")
    record.log_planned(evening.id, taken=True)     # the evening dose, taken early
    record.change_dose(med, 75, ["20:00"], day)

    assert len(planned(record, med, day, "20:00")) == 1


def test_a_a_change_today_after_one_from_tomorrow_keeps_one_version_at_a_time(app, clock):
    zone, day = "Europe/Amsterdam", date(2026, 10, 24)
    record = Record(app, clock, zone, at(day, "09:00", zone))
    med = record.add_medication("Sertraline", 50, ["20:00"])
    record.change_dose(med, 75, ["20:00"], day + timedelta(days=1))
    record.change_dose(med, 100, ["20:00"], day)

    assert len(planned(record, med, day, "20:00")) == 1
    assert record.shown_in_api_medications()[med] == Decimal(100)


# --- (e) every slot ahead planned exactly once, nothing else -------------------------------

def test_e_undo_after_stop_does_not_bring_back_a_dose_of_the_stopped_medication(app, clock):
    zone, day = "Asia/Kolkata", date(2026, 9, 26)
    record = Record(app, clock, zone, at(day, "18:30", zone))
    med = record.add_medication("Sertraline", 75, ["23:30"])
    [late_dose] = planned(record, med, day, "23:30")
    event = record.log_planned(late_dose.id, taken=False)
    record.stop(med, day)
    record.undo(event)

    assert upcoming(record, med) == []  # a stopped medication has nothing "Coming up"


def test_e_undo_after_a_change_does_not_bring_back_the_old_versions_dose(app, clock):
    zone, day = "Etc/GMT+12", date(2026, 11, 2)
    record = Record(app, clock, zone, at(day, "09:00", zone))
    med = record.add_medication("Sertraline", 100, ["13:00"])
    [one_pm] = planned(record, med, day, "13:00")
    event = record.log_planned(one_pm.id, taken=True)
    record.change_dose(med, 150, ["08:00"], day)   # from now on: 08:00 only
    record.undo(event)

    assert "13:00" not in {p.local_time for p in upcoming(record, med)}


def test_e_stop_with_a_change_from_tomorrow_ends_todays_doses_too(app, clock):
    zone, day = "Europe/Amsterdam", date(2026, 3, 28)
    record = Record(app, clock, zone, at(day, "10:00", zone))
    med = record.add_medication("Sertraline", 50, ["20:00"])
    record.change_dose(med, 75, ["20:00"], day + timedelta(days=1))
    record.stop(med, day)

    assert upcoming(record, med) == []


def test_e_moving_east_plans_no_dose_already_past_due(app, clock):
    day = date(2026, 3, 9)
    record = Record(app, clock, "America/New_York",
                    at(day, "06:00", "America/New_York") - timedelta(days=2))
    med = record.add_medication("Sertraline", 50, ["07:00"])
    record.advance(timedelta(days=2))              # 06:00 on the 9th in New York
    record.set_timezone("Asia/Tokyo")              # 19:00 in Tokyo

    due = [p for p in record.planned_doses() if p.timezone == "Asia/Tokyo"]
    assert all(p.due_at > record.now for p in due), \
        f"planned already past due: {[(p.local_date, p.local_time) for p in due]}"
    assert len(planned(record, med, day + timedelta(days=1), "07:00")) == 1


def test_e_moving_west_plans_the_next_dose_in_the_new_zone(app, clock):
    day = date(2026, 3, 10)
    record = Record(app, clock, "Asia/Tokyo", at(day, "06:00", "Asia/Tokyo"))
    med = record.add_medication("Sertraline", 50, ["07:00"])
    [tokyo] = planned(record, med, day, "07:00")
    record.advance(timedelta(hours=1, minutes=5))
    record.log_planned(tokyo.id, taken=True)
    record.advance(timedelta(hours=3))             # 10:05 in Tokyo
    record.set_timezone("America/New_York")        # 21:05 the day before in New York

    new_york = [p for p in upcoming(record, med) if p.timezone == "America/New_York"]
    assert [(p.local_date, p.local_time) for p in new_york][:1] == [(day, "07:00")]


# --- (d) a zone change leaves the past alone -----------------------------------------------

def test_d_a_zone_change_keeps_a_past_doses_local_time_and_on_time_status(app, clock):
    zone, day = "Europe/Amsterdam", date(2026, 3, 27)
    record = Record(app, clock, zone, at(day, "06:00", zone))
    med = record.add_medication("Sertraline", 50, ["07:00"])
    [seven] = planned(record, med, day, "07:00")
    record.advance(timedelta(hours=2, minutes=32))
    event = record.log_planned(seven.id, taken=True)  # 08:32, 92 minutes after 07:00
    before = record.shown_dose_events(day)[event]
    record.set_timezone("Asia/Tokyo")

    assert before == ("8:32 AM", True)
    assert record.shown_dose_events(day - timedelta(days=1))[event] == before


# --- (c)/(f) check-ins: absent is unchanged, empty is refused, nothing lost ---------------

def test_f_a_partial_check_in_leaves_the_other_fields_alone(app, clock):
    zone, day = "Europe/Amsterdam", date(2026, 3, 28)
    record = Record(app, clock, zone, at(day, "20:00", zone))
    record.save_checkin(day, {"sleep_hours": Decimal(7), "mood": 3, "note": "slept well"})
    seen_by_b = record.checkins()[day]
    record.advance(timedelta(minutes=30))
    record.save_checkin(day, {"energy": 4}, base=None)  # device B, offline, synced later

    saved = record.checkins()[day]
    assert (saved["sleep_hours"], saved["mood"], saved["note"], saved["energy"]) == \
        (Decimal(7), 3, "slept well", 4), f"saw {seen_by_b}, now {saved}"


def test_f_an_explicit_null_clears_only_that_field(app, clock):
    zone, day = "Asia/Tokyo", date(2026, 3, 28)
    record = Record(app, clock, zone, at(day, "21:00", zone))
    record.save_checkin(day, {"mood": 3, "energy": 2})
    record.save_checkin(day, {"energy": None})

    assert (record.checkins()[day]["mood"], record.checkins()[day]["energy"]) == (3, None)


def test_c_an_empty_check_in_is_refused(app, clock):
    zone, day = "America/New_York", date(2026, 10, 31)
    record = Record(app, clock, zone, at(day, "21:00", zone))

    with pytest.raises(Refused):
        record.save_checkin(day, {"mood": None})
    assert day not in record.checkins()


def test_c_an_offline_check_in_synced_after_flying_west_is_kept(app, clock):
    day = date(2026, 10, 24)
    record = Record(app, clock, "Pacific/Auckland", at(day, "13:00", "Pacific/Auckland"))
    # Device B, offline, saves the 24th's check-in in Auckland; the phone syncs after the
    # flight, when it is still the 23rd at home-to-be (UTC-12).
    record.set_timezone("Etc/GMT+12")
    record.save_checkin(day, {"self_care": 2, "sleep_quality": 3}, base=None,
                        entered_in="Pacific/Auckland")

    assert record.checkins()[day]["self_care"] == 2


# --- found by the machine while fixing the write side (issue 11, writeside) ---------------

def test_b_a_stop_at_the_moment_of_a_change_shows_the_dose_last_taken(app, clock):
    zone, day = "Europe/Amsterdam", date(2026, 3, 7)
    record = Record(app, clock, zone, datetime(2026, 3, 7, 0, 10, tzinfo=UTC))
    sertraline = record.add_medication("Sertraline", 50, None)
    record.advance(timedelta(minutes=5))
    record.change_dose(sertraline, 25, None, day)  # from now: 25 mg ...
    record.stop(sertraline, day - timedelta(days=1))  # ... and stopped at that same moment

    for page, shown in every_current_dose(record, {sertraline: "Sertraline"}).items():
        assert shown.get(sertraline, Decimal(50)) == Decimal(50), \
            f"{page} shows {shown.get(sertraline)} mg, a dose never taken"


def test_d_a_dose_taken_before_a_flight_west_stays_in_history(app, clock):
    """Taken at 3:00 AM on 8 March in Auckland; after moving to Kolkata, where it is still the
    7th, History kept only the week up to the 7th and the dose was nowhere to be seen."""
    day = date(2026, 3, 8)
    record = Record(app, clock, "Pacific/Auckland", at(day, "03:00", "Pacific/Auckland"))
    med = record.add_medication("Ibuprofen", 200, None)
    event = record.log_as_needed(med).event_id
    before = record.shown_dose_events(day - timedelta(days=7))
    assert before[event] == ("3:00 AM", False)

    record.set_timezone("Asia/Kolkata")

    assert record.today() == date(2026, 3, 7)
    assert record.shown_dose_events(day - timedelta(days=7))[event] == ("3:00 AM", False)


def test_d_a_dose_skipped_ahead_before_a_flight_west_stays_in_history(app, clock):
    """Found by the machine: at 4:00 AM on 8 March in Kiritimati (UTC+14) the 8:00 AM dose is
    skipped ahead of its time; after moving to UTC-12, where it is 2:00 AM on the 7th, History
    stopped at the 7th (it reached the day already lived only for doses whose time had come)
    and the skip was nowhere to be seen."""
    zone, day = "Pacific/Kiritimati", date(2026, 3, 8)
    record = Record(app, clock, zone, at(day, "04:00", zone))
    med = record.add_medication("Sertraline", 50, ["08:00"])
    [eight] = planned(record, med, day, "08:00")
    skipped = record.log_planned(eight.id, taken=False)
    assert record.shown_dose_events(day - timedelta(days=7))[skipped] == (None, False)

    record.set_timezone("Etc/GMT+12")

    assert record.today() == date(2026, 3, 7)
    assert record.shown_dose_events(day - timedelta(days=7)).get(skipped) == (None, False)


def test_e_a_day_lived_twice_keeps_its_dose_through_a_pause_and_resume(app, clock):
    """Found by the soak profile: 08:00 taken in Amsterdam, then a flight to UTC-12, where the
    same day's 08:00 comes again 12.5 hours later and is planned; a pause and resume lost it,
    because later planning took the Amsterdam dose for that slot."""
    day = date(2026, 3, 8)
    record = Record(app, clock, "Europe/Amsterdam", at(day, "08:00", "Europe/Amsterdam"))
    med = record.add_medication("Sertraline", 50, ["08:00"])
    morning = planned(record, med, day, "08:00")[0]
    record.advance(timedelta(minutes=30))
    record.log_planned(morning.id, taken=True)
    record.set_timezone("Etc/GMT+12")
    again = [p for p in planned(record, med, day, "08:00") if p.timezone == "Etc/GMT+12"]
    assert len(again) == 1

    record.pause(med)
    record.resume(med)

    again = [p for p in planned(record, med, day, "08:00") if p.timezone == "Etc/GMT+12"]
    assert [p.due_at for p in again] == [at(day, "08:00", "Etc/GMT+12")]


# --- (h), (i) "did it help?" after an as-needed dose -----------------------------------------

def test_h_a_dose_whose_time_is_corrected_is_asked_about_from_its_new_time(app, clock, receiver):
    """Found by the machine: "did it help?" stayed at the time first logged plus the delay
    when the dose's time was corrected, so a dose logged late and corrected to now was asked
    about at once, and one corrected to earlier was asked about too late (on Today and by the
    phone)."""
    zone, day = "Europe/Amsterdam", date(2026, 3, 8)
    record = Record(app, clock, zone, at(day, "08:00", zone))
    record.subscribe(receiver)
    med = record.add_medication("Zolpidem", 5, None, follow_up_minutes=60)
    # Logged for three hours ago (the follow-up time has passed: Today asks at once) ...
    late = record.log_as_needed(med, record.now - timedelta(hours=3)).event_id
    assert record.shown_follow_ups_on_today() == [late]
    # ... then corrected: it was taken just now.
    record.edit_time(late, record.now)
    assert record.dose_events()[late].follow_up_at == record.now + timedelta(hours=1)
    assert record.shown_follow_ups_on_today() == []
    # One taken now, then corrected to 50 minutes ago: asked 10 minutes from now, by the phone.
    now_taken = record.log_as_needed(med).event_id
    record.run_reminders()
    record.edit_time(now_taken, record.now - timedelta(minutes=50))
    record.advance(timedelta(minutes=15))
    assert record.shown_follow_ups_on_today() == [now_taken]
    assert record.delivered_follow_ups() == [now_taken]
    assert {r.dose_event_id: r.status for r in record.follow_up_reminders()} == {
        now_taken: "sent", late: "pending"}
    # The first one's time comes: asked once, at its new time.
    record.advance(timedelta(minutes=50))
    assert sorted(record.shown_follow_ups_on_today()) == sorted([late, now_taken])
    assert sorted(record.delivered_follow_ups()) == sorted([late, now_taken])
    record.close()


def test_i_a_follow_up_is_asked_when_its_medication_is_resumed_before_its_time(
        app, clock, receiver):
    """A medication paused after an as-needed dose and resumed before that dose's "did it
    help?" time: the phone asks at the follow-up time, once, as if there had been no pause."""
    zone, day = "Europe/Amsterdam", date(2026, 3, 8)
    record = Record(app, clock, zone, at(day, "08:00", zone))
    record.subscribe(receiver)
    med = record.add_medication("Lorazepam", 1, None, follow_up_minutes=240)
    dose = record.log_as_needed(med).event_id
    record.run_reminders()
    record.advance(timedelta(hours=1))
    record.pause(med)
    record.advance(timedelta(hours=1))
    record.resume(med)
    record.advance(timedelta(hours=1, minutes=50))
    assert record.delivered_follow_ups() == []
    assert {r.dose_event_id: r.status for r in record.follow_up_reminders()} == {
        dose: "pending"}
    record.advance(timedelta(minutes=15))  # 12:05, the follow-up's time has come
    assert record.delivered_follow_ups() == [dose]
    assert record.shown_follow_ups_on_today() == [dose]
    record.close()


def test_i_a_follow_up_whose_time_came_while_paused_is_not_sent_after_the_resume(
        app, clock, receiver):
    """Found by the machine: a follow-up whose time came while its medication was paused was
    sent by the phone right after the resume when the worker had not planned it before the
    pause (one it had planned was cancelled at its time and stayed so). Now neither is: the
    question is asked when the medication is active at its time; Today still asks it."""
    zone, day = "Asia/Tokyo", date(2026, 9, 27)
    record = Record(app, clock, zone, at(day, "06:00", zone))
    record.subscribe(receiver)
    med = record.add_medication("Melatonin", 3, None, follow_up_minutes=60)
    unplanned = record.log_as_needed(med).event_id  # the worker's next pass would plan it
    record.pause(med)
    record.advance(timedelta(hours=3))  # 09:00: its time (07:00) came during the pause
    record.resume(med)
    record.advance(timedelta(minutes=5))
    assert record.delivered_follow_ups() == []
    assert record.shown_follow_ups_on_today() == [unplanned]
    # Planned before the pause, the same.
    planned = record.log_as_needed(med).event_id
    record.run_reminders()
    record.pause(med)
    record.advance(timedelta(hours=2))
    record.resume(med)
    record.advance(timedelta(minutes=5))
    assert record.delivered_follow_ups() == []
    assert sorted(record.shown_follow_ups_on_today()) == sorted([unplanned, planned])
    record.close()
