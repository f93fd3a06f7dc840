"""What a notification says. Lock screens are public, so by default it names no medication."""
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from flask import current_app, request, url_for
from flask_babel import force_locale, gettext as _

from models import PlannedDose, Reminder, ReminderKind, ReminderSettings, User
from tend.formatting import clock_time, short_date
from tend.i18n import locale_of
from tend.reminders import kinds, tokens

SNOOZE_MINUTES = 10


def _time(dose: PlannedDose) -> str:
    return clock_time(dose.local_time)


def _medication_label(dose: PlannedDose) -> str:
    """The name and the strength of the dose's own version (not a change planned later)."""
    regimen = dose.regimen
    strength = f" {regimen.strength.normalize():f} {regimen.strength_unit}".rstrip() \
        if regimen.strength is not None else ""
    return dose.medication.name + strength


def _dose_text(reminder: Reminder, dose: PlannedDose, show_names: bool) -> str:
    at = _time(dose)
    if show_names:
        name = _medication_label(dose)
        if reminder.kind == ReminderKind.REPEAT:
            return _("In case it's still to do: %(name)s, due at %(time)s.", name=name, time=at)
        return _("Time for %(name)s (%(time)s).", name=name, time=at)
    if reminder.kind == ReminderKind.REPEAT:
        return _("In case it's still to do: your %(time)s medication.", time=at)
    return _("Time for your %(time)s medication.", time=at)


def _dose_payload(reminder: Reminder, dose: PlannedDose, settings: ReminderSettings,
                  now) -> dict:
    issued = tokens.issue(current_app.config["SECRET_KEY"], reminder.id, dose.id, now)
    return {
        "tag": f"dose-{dose.id}",
        "title": "Tend",
        "body": _dose_text(reminder, dose, settings.show_names),
        "url": url_for("client.today", dose=dose.id),
        "dose": dose.id,
        "timestamp": int(dose.due_at.timestamp() * 1000),
        "renotify": reminder.kind != ReminderKind.DOSE,
        "actions": [{"action": "taken", "title": _("Taken")},
                    {"action": "snooze", "title": _("Snooze %(minutes)d min",
                                                    minutes=SNOOZE_MINUTES)}],
        "tokens": issued,
        "act": url_for("reminders.act"),
        # Where a tap leads when the browser shows no buttons (Safari, Firefox).
        "confirm": url_for("reminders.confirm_dose", planned_dose_id=dose.id),
        "unreachable": _("Tend couldn't be reached. Tap to open Today and log it there."),
    }


def _refill_payload(reminder: Reminder, settings: ReminderSettings) -> dict:
    day = short_date(reminder.refill_for)
    body = _("Your supply of %(name)s may run out around %(day)s. Time to ask for a refill?",
             name=reminder.medication.name, day=day) if settings.show_names else \
        _("One of your medications may run out around %(day)s. Open Tend to see which.",
          day=day)
    return {"tag": f"refill-{reminder.medication_id}", "title": "Tend", "body": body,
            "url": url_for("client.today"), "renotify": False, "actions": []}


def _checkin_payload(reminder: Reminder) -> dict:
    """An invitation, never a count: no streaks, nothing about health on the lock screen."""
    day = reminder.checkin_for
    return {"tag": f"checkin-{day.isoformat()}", "title": "Tend",
            "body": _("A moment for today's check-in?"),
            "url": url_for("client.checkin", day=day.isoformat()),
            "timestamp": int(reminder.due_at.timestamp() * 1000),
            "renotify": False, "actions": []}


def _follow_up_payload(reminder: Reminder, settings: ReminderSettings) -> dict:
    """"Did it help?" after an as-needed dose; the lock screen names the medication only if
    the client chose that."""
    event = reminder.dose_event
    at = clock_time(event.occurred_at.astimezone(ZoneInfo(event.timezone)).time())
    body = _("%(name)s, logged at %(time)s: did it help?", name=event.medication.name,
             time=at) if settings.show_names else \
        _("A medication logged at %(time)s: did it help?", time=at)
    return {"tag": f"follow-up-{event.id}", "title": "Tend", "body": body,
            "url": url_for("client.today", _anchor=f"follow-up-{event.id}"),
            "timestamp": int(reminder.due_at.timestamp() * 1000),
            "renotify": False, "actions": []}


def _test_payload(reminder: Reminder) -> dict:
    return {"tag": f"test-{reminder.id}", "title": "Tend",
            "body": _("This is a test. Your reminders will look like this."),
            "url": url_for("reminders.settings"), "renotify": False, "actions": []}


def payload_for(reminder: Reminder, user: User, settings: ReminderSettings, now) -> dict:
    """The JSON the service worker's push handler shows (see pwa/sw-push.js)."""
    with force_locale(locale_of(user)):
        body = kinds.of(reminder.kind).payload(reminder, user, settings, now)
        declarative = declarative_form(body, user)
    # ``reminder``: the service worker recognises a resend of one it already showed.
    return {"v": 1, "kind": reminder.kind, "reminder": reminder.id, **body, **declarative}


def declarative_form(body: dict, user: User) -> dict:
    """The same notification as a declarative Web Push message (WebKit's "Meet Declarative
    Web Push"), which Safari 18.4+ shows itself if the service worker fails or is gone.
    ``mutable``: a working service worker still gets the push and shows its own (with the
    buttons where the browser has them); Chromium ignores these keys. Safari shows no buttons,
    so a dose's notification navigates to its one-tap confirm screen."""
    target = body.get("confirm") or body["url"]
    return {"web_push": 8030, "mutable": True, "notification": {
        "title": body["title"], "body": body["body"],
        "navigate": urljoin(request.host_url, target),
        "tag": body["tag"], "lang": locale_of(user), "silent": False}}


def mark_resent(payload: dict) -> dict:
    """A reminder sent again after a worker stopped before recording the first send: the
    service worker shows it silently if that one is still shown; Safari's own display of
    the declarative form is made silent too."""
    payload["resent"] = True
    payload["notification"]["silent"] = True
    return payload

