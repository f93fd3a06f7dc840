"""Reminder kinds, one module each, and the registry that maps a kind to its module.

Every kind module has:

- ``KINDS``: the ``ReminderKind`` values it handles (``dose`` also the repeat and the snooze);
- ``plan(...)``: puts its reminders in the outbox, through ``outbox.add_ignoring_duplicates``.
  The client's own kinds (``PLANNED_PER_CLIENT``) take ``(db, client, devices, now,
  horizon)``; caregiver alerts are planned for every caregiver link at once ``(db, now)``; a
  test notification is planned when asked for ``(db, user, device, now)``;
- ``load(db, reminder_ids)``: the claimed reminders as ``still_wanted``, ``payload`` and
  ``topic`` read them, in one query for the batch, each with at least the reminder's ``id``,
  ``kind``, ``user_id``, ``subscription_id``, ``attempts`` and ``expires_at`` (the dose kinds,
  nearly every send: plain-column rows; the others: ``Reminder`` objects with what they read
  loaded along, ``outbox.loaded``);
- ``still_wanted(db, reminders, now)``: the ids of those still wanted right before sending,
  decided by the same rule (``wanted``) planning uses;
- ``payload(reminder, user, settings, now, batch)``: the notification's body (the builders are
  in ``tend.reminders.messages``; ``batch`` holds what the payloads of a batch in one language
  share; ``messages.payloads_for`` adds what every kind shares);
- ``topic(reminder)`` and ``URGENCY``: the Web Push headers.

The dispatcher keeps only the generic steps and asks ``of(reminder.kind)`` for the rest."""
from types import ModuleType

from tend.reminders.kinds import caregiver_alert, checkin, dose, follow_up, refill, test

MODULES = (dose, refill, checkin, follow_up, caregiver_alert, test)
PLANNED_PER_CLIENT = (dose, refill, checkin, follow_up)
_BY_KIND = {kind: module for module in MODULES for kind in module.KINDS}


def of(kind: str) -> ModuleType:
    """The module of a reminder kind."""
    return _BY_KIND[kind]
