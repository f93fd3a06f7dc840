"""What a notification says. Lock screens are public, so by default it names no medication.

Payloads are built a batch at a time (the dispatcher prepares hundreds at once): what the
batch's payloads share is worked out once, the addresses for the batch (each id put into an
address built once) and the constant texts once per language (``Batch``)."""
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from flask import current_app, request, url_for
from flask_babel import force_locale, gettext as _

from models import Reminder, ReminderKind, ReminderSettings, User, db
from tend.formatting import clock_time, short_date
from tend.i18n import locale_of
from tend.reminders import kinds, tokens
from tend.urls import url_pattern

SNOOZE_MINUTES = 10


class _Addresses:
    """The addresses a batch's payloads link to, each built once (ids put in its place)."""

    def __init__(self):
        self.secret_key = current_app.config["SECRET_KEY"]
        self.host_url = request.host_url
        self._origin = self.host_url.rstrip("/")
        self.today_for_dose = url_pattern("client.today", "dose")
        self.confirm_dose = url_pattern("reminders.confirm_dose", "planned_dose_id")
        self.act = url_for("reminders.act")

    def absolute(self, target: str) -> str:
        """``urljoin(host_url, target)``; a path from the site's root is put after the origin
        without parsing either (a batch's hundreds of addresses)."""
        if target.startswith("/") and not target.startswith("//"):
            return self._origin + target
        return urljoin(self.host_url, target)


class Batch:
    """What the payloads of one batch in one language share: the addresses, and the texts
    that do not change from one reminder to the next, translated once. Made inside
    ``force_locale(locale)``."""

    def __init__(self, addresses: _Addresses, locale: str):
        self.addresses = addresses
        self.locale = locale
        self.dose_actions = [{"action": "taken", "title": _("Taken")},
                             {"action": "snooze", "title": _("Snooze %(minutes)d min",
                                                             minutes=SNOOZE_MINUTES)}]
        self.unreachable = _("Tend couldn't be reached. Tap to open Today and log it there.")
        self.dose_texts: dict[tuple, str] = {}  # by (repeat, local time, name shown)


def _medication_label(name: str, strength, strength_unit: str) -> str:
    """The name and the strength of the dose's own version (not a change planned later)."""
    strength_text = f" {strength.normalize():f} {strength_unit}".rstrip() \
        if strength is not None else ""
    return name + strength_text


def _dose_text(reminder, show_names: bool, batch: Batch) -> str:
    """Worked out once per batch for each kind, time and name shown (a batch at 08:00 is
    mostly one text)."""
    name = _medication_label(reminder.medication_name, reminder.strength,
                             reminder.strength_unit) if show_names else None
    key = (reminder.kind == ReminderKind.REPEAT, reminder.local_time, name)
    text = batch.dose_texts.get(key)
    if text is None:
        text = batch.dose_texts[key] = _new_dose_text(*key)
    return text


def _new_dose_text(repeat: bool, local_time, name: str | None) -> str:
    at = clock_time(local_time)
    if name is not None:
        if repeat:
            return _("In case it's still to do: %(name)s, due at %(time)s.", name=name, time=at)
        return _("Time for %(name)s (%(time)s).", name=name, time=at)
    if repeat:
        return _("In case it's still to do: your %(time)s medication.", time=at)
    return _("Time for your %(time)s medication.", time=at)


def _dose_payload(reminder, settings: ReminderSettings, now, batch: Batch) -> dict:
    """``reminder``: a dose kind's row (``kinds.dose.load``)."""
    addresses = batch.addresses
    dose_id = reminder.planned_dose_id
    return {
        "tag": f"dose-{dose_id}",
        "title": "Tend",
        "body": _dose_text(reminder, settings.show_names, batch),
        "url": addresses.today_for_dose(dose_id),
        "dose": dose_id,
        "timestamp": int(reminder.dose_due_at.timestamp() * 1000),
        "renotify": reminder.kind != ReminderKind.DOSE,
        "actions": batch.dose_actions,  # the batch's, shared: a payload is only read
        "tokens": tokens.issue(addresses.secret_key, reminder.id, dose_id, now),
        "act": addresses.act,
        # Where a tap leads when the browser shows no buttons (Safari, Firefox).
        "confirm": addresses.confirm_dose(dose_id),
        "unreachable": batch.unreachable,
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
    """The JSON the service worker's push handler shows (see pwa/sw-push.js) for a reminder
    in the database, read as its kind reads it (``load``)."""
    [loaded] = kinds.of(reminder.kind).load(db.session, [reminder.id])
    return payloads_for([(loaded, user, settings)], now)[0]


def payloads_for(entries: list[tuple[object, User, ReminderSettings]], now) -> list[dict]:
    """``payload_for`` of each (reminder as its kind loads it, its user, their settings), in
    the order given,
    each language's reminders together."""
    addresses = _Addresses()
    by_locale: dict[str, list[int]] = {}
    for index, (_reminder, user, _settings) in enumerate(entries):
        by_locale.setdefault(locale_of(user), []).append(index)
    payloads: list[dict] = [{}] * len(entries)
    for locale, indexes in by_locale.items():
        with force_locale(locale):
            shared = Batch(addresses, locale)
            for index in indexes:
                reminder, user, settings = entries[index]
                body = kinds.of(reminder.kind).payload(reminder, user, settings, now, shared)
                # ``reminder``: the service worker recognises a resend of one it showed.
                payloads[index] = {"v": 1, "kind": reminder.kind, "reminder": reminder.id,
                                   **body, **declarative_form(body, shared)}
    return payloads


def declarative_form(body: dict, batch: Batch) -> dict:
    """The same notification as a declarative Web Push message (WebKit's "Meet Declarative
    Web Push"), which Safari 18.4+ shows itself if the service worker fails or is gone.
    ``mutable``: a working service worker still gets the push and shows its own (with the
    buttons where the browser has them); Chromium ignores these keys. Safari shows no buttons,
    so a dose's notification navigates to its one-tap confirm screen."""
    target = body.get("confirm") or body["url"]
    return {"web_push": 8030, "mutable": True, "notification": {
        "title": body["title"], "body": body["body"],
        "navigate": batch.addresses.absolute(target),
        "tag": body["tag"], "lang": batch.locale, "silent": False}}


def mark_resent(payload: dict) -> dict:
    """A reminder sent again after a worker stopped before recording the first send: the
    service worker shows it silently if that one is still shown; Safari's own display of
    the declarative form is made silent too."""
    payload["resent"] = True
    payload["notification"]["silent"] = True
    return payload

