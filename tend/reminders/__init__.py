"""The reminder engine: planning due reminders (one module per kind in ``kinds/``), claiming
them, sending them through ``tend.push`` and the worker loop. No web code: the pages that
configure reminders are ``tend.reminder_pages``."""
