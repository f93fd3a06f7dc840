"""A medication stopped at the very moment its first version began (added at the start of a
local day, stopped "yesterday" then) keeps that version: its page and the API show what it
was, instead of failing (found by the record state machine, issue 17)."""
from datetime import datetime, timedelta, timezone

from tests.record_model import Record, Refused


def test_a_medication_stopped_the_moment_it_began_still_shows_its_dose(app, clock):
    record = Record(app, clock, "Etc/GMT+12", datetime(2026, 3, 7, 12, tzinfo=timezone.utc))
    med_id = record.add_medication("Sertraline", 25, None)  # 00:00 local: the day's start
    record.stop(med_id, record.today() - timedelta(days=1))
    assert record.shown_in_api_medications() == {med_id: 25}
    try:
        record.resume(med_id)
    except Refused:
        pass
    assert record.shown_on_medications_page({med_id: "Sertraline"}) == {med_id: 25}
