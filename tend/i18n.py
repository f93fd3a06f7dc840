"""Locale and time zone for each request: the signed-in user's, else the browser's."""
from flask import current_app, request
from flask_login import current_user

from tend.extensions import babel


def select_locale() -> str | None:
    if current_user and current_user.is_authenticated and current_user.locale:
        return current_user.locale
    return request.accept_languages.best_match(current_app.config["TEND_LOCALES"])


def select_timezone() -> str | None:
    if current_user and current_user.is_authenticated:
        return current_user.timezone
    return None


def init_app(app) -> None:
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
