"""The reminder settings as one screen: the devices and their health on top, then one form with
one Save, grouped (times and quiet hours, repeats, refills, check-in, caregiver alerts); a bad
value shows at its field with every other value kept, and nothing is saved."""
import re
from datetime import time

from models import (CaregiverAlertSettings, CheckinReminder, MedicationReminder,
                    ReminderSettings, db)
from tests.conftest import csrf_token, login
from tests.reminder_helpers import add_medication, at
from tests.sharing_world import link


def settings_form(page: str) -> str:
    return re.search(r'<form[^>]*data-reminder-settings[^>]*>.*?</form>', page, re.S).group(0)


def everything(client, med, care_link, **changes):
    data = {"csrf_token": csrf_token(client, "/reminders"),
            "show_names": "y", "quiet_start": "22:00", "quiet_end": "07:00",
            f"remind_{med.id}": "y", f"repeat_{med.id}": "y", "repeat_delay_minutes": "60",
            "refill_days": "7", "checkin_enabled": "y", "checkin_time": "20:30",
            f"alert_delay_{care_link.id}": "120", f"alert_paused_{care_link.id}": "y"}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_the_page_is_one_form_with_one_save_grouped_under_the_devices(app, client, clock,
                                                                      alice, carol):
    clock.set(at(9))
    add_medication(alice, clock())
    link(alice, carol)
    login(client, alice)
    page = client.get("/reminders").get_data(as_text=True)

    form = settings_form(page)
    assert page.count("data-reminder-settings") == 1
    assert len(re.findall(r'<button type="submit"', form)) == 1
    legends = re.findall(r'<legend[^>]*>\s*<h2[^>]*>([^<]+)</h2>', form)
    assert legends == ["Times and quiet hours", "Repeats", "Refills", "Daily check-in reminder",
                       "Caregiver alerts"]
    assert page.index('id="devices-title"') < page.index("data-reminder-settings")


def test_everything_is_saved_in_one_submit(app, client, clock, alice, carol):
    clock.set(at(9))
    med = add_medication(alice, clock())
    care_link = link(alice, carol)
    login(client, alice)

    response = client.post("/reminders", data=everything(client, med, care_link))

    assert response.status_code == 302
    settings = db.session.get(ReminderSettings, alice.id)
    assert (settings.show_names, settings.quiet_start, settings.quiet_end,
            settings.repeat_delay_minutes, settings.refill_days) == (
        True, time(22), time(7), 60, 7)
    rule = db.session.get(MedicationReminder, med.id)
    assert (rule.enabled, rule.repeat) == (True, True)
    checkin = db.session.get(CheckinReminder, alice.id)
    assert (checkin.enabled, checkin.local_time) == (True, time(20, 30))
    alerts = db.session.get(CaregiverAlertSettings, care_link.id)
    assert (alerts.delay_minutes, alerts.paused) == (120, True)
    assert "Your reminder settings are saved." in client.get("/reminders").get_data(as_text=True)


def test_bad_values_show_at_their_fields_with_the_rest_kept_and_nothing_saved(app, client,
                                                                           clock, alice, carol):
    clock.set(at(9))
    med = add_medication(alice, clock())
    care_link = link(alice, carol)
    login(client, alice)

    response = client.post("/reminders", data=everything(
        client, med, care_link, quiet_end="", checkin_time="25:99"))

    assert response.status_code == 400
    form = settings_form(response.get_data(as_text=True))
    assert '<p class="field-error" id="quiet_end-error">Enter both times' in form
    assert '<p class="field-error" id="checkin_time-error">Enter a time like 08:00' in form
    assert re.search(r'id="quiet_start"[^>]*value="22:00"', form)
    assert re.search(r'<option selected value="60">|<option value="60" selected', form)
    assert re.search(rf'id="remind_{med.id}"[^>]*checked|checked[^>]*id="remind_{med.id}"',
                     form)
    assert re.search(rf'<option selected value="120">|<option value="120" selected', form)
    db.session.expire_all()
    assert db.session.get(ReminderSettings, alice.id) is None
    assert db.session.get(CheckinReminder, alice.id) is None
    assert db.session.get(CaregiverAlertSettings, care_link.id) is None
