"""Locale and time zone for each request: the signed-in user's, else the browser's."""
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from flask import current_app, g, has_app_context, has_request_context, request
from flask_babel import Domain, get_babel, get_domain, get_locale
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup

from tend.extensions import babel


@lru_cache(maxsize=256)
def is_supported(locale: str | None) -> bool:
    """A locale Babel knows ("de", "en_GB"): pages are in its language where translations/
    has a catalogue (else in English), and dates and numbers are always written its way. A
    value no locale matches (one stored before imports were checked) is not used."""
    if not locale:
        return False
    try:
        Locale.parse(locale)
    except (ValueError, TypeError, UnknownLocaleError):
        return False
    return True


def shipped_languages() -> list[tuple[str, str]]:
    """(code, name) for each language this server has a catalogue for, each named in its own
    language ("Deutsch", "Español"), as language pickers list them."""
    named = []
    for code in current_app.config["TEND_LOCALES"]:
        name = Locale.parse(code).get_display_name(code)
        named.append((code, name[:1].upper() + name[1:]))
    return named


def locale_of(user) -> str:
    """The language to write to a user in when they are not the one asking (reminders, the
    access log): theirs if this server has it (one stored before imports were checked may
    not be), else the default."""
    return user.locale if is_supported(user.locale) else current_app.config["BABEL_DEFAULT_LOCALE"]


def select_locale() -> str | None:
    """The user's language if this server has it, else the browser's best match."""
    if current_user and current_user.is_authenticated and is_supported(current_user.locale):
        return current_user.locale
    return request.accept_languages.best_match(current_app.config["TEND_LOCALES"])


def select_timezone() -> str | None:
    if current_user and current_user.is_authenticated:
        return current_user.timezone
    return None


class PageDomain(Domain):
    """Flask-Babel's message domain, finding the request's catalogue once per request and
    language.

    A page asks for a few hundred strings (in templates, in Python and through lazily
    translated labels), and Flask-Babel finds the request's catalogue again for each (about a
    fifth of History's time). The catalogue is kept beside Flask-Babel's own per-request state
    (``g._flask_babel``) with the domain and locale it is for, so ``force_locale`` (an e-mail in
    its reader's language) and ``refresh`` still switch it."""

    def get_translations(self):
        if not has_app_context():
            return super().get_translations()
        state = g.get("_flask_babel")
        kept = getattr(state, "tend_translations", None)
        if kept is not None and kept[0] is self and kept[1] is getattr(state, "babel_locale",
                                                                          None):
            return kept[2]
        translations = super().get_translations()
        state = g._flask_babel  # made by get_translations
        state.tend_translations = (self, getattr(state, "babel_locale", None), translations)
        return translations


def page_translations():
    """The translations for the language in force (see ``PageDomain``), for templates."""
    if has_app_context():
        state = g.get("_flask_babel")
        kept = getattr(state, "tend_translations", None)
        if kept is not None and kept[1] is getattr(state, "babel_locale", None) \
                and kept[0] is getattr(state, "babel_domain", kept[0]):
            return kept[2]
    return get_domain().get_translations()


@pass_eval_context
def _page_gettext(eval_ctx, string: str, **variables):
    """``_()`` and ``gettext()`` in templates: Jinja's own newstyle gettext (autoescaped, always
    formatted with ``variables``), without its two extra hops through ``Context.call`` (a
    page says a hundred strings or more). It takes only the evaluation context: a function
    taking the whole context gets a copy of it, with every global, at each call in a loop or
    after a ``set`` in a block."""
    translated = page_translations().ugettext(string)
    if eval_ctx.autoescape:
        translated = Markup(translated)
    if not variables and "%" not in translated:
        return translated  # most of a page's strings: formatting would return them as they are
    return translated % variables


@pass_eval_context
def _page_ngettext(eval_ctx, singular: str, plural: str, num: int, **variables):
    variables.setdefault("num", num)
    translated = page_translations().ungettext(singular, plural, num)
    if eval_ctx.autoescape:
        translated = Markup(translated)
    return translated % variables


def in_page_language(name: str) -> Markup:
    """The partial ``name`` rendered in the page's language: for partials whose words are the
    same for everyone reading that language (the shell's prompts, the sign-out dialog), made
    once per language and kept on the app. The partial sees only the templates' globals, no
    request context (no ``current_user``), so nothing about the reader can end up in it. While
    templates reload on change (debug), it is rendered for each page."""
    environment = current_app.jinja_env
    if environment.auto_reload:
        return Markup(environment.get_template(name).render())
    kept = current_app.extensions["tend_partials_by_language"]
    key = (name, str(get_locale()), request.script_root if has_request_context() else "")
    rendered = kept.get(key)
    if rendered is None:
        rendered = kept[key] = Markup(environment.get_template(name).render())
    return rendered


def init_app(app) -> None:
    app.extensions["tend_partials_by_language"] = {}
    app.add_template_global(in_page_language)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    if not isinstance(babel.__dict__.get("domain_instance"), PageDomain):
        babel.domain_instance = PageDomain(domain=get_babel(app).default_domain)
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: page_translations().ugettext(s),
        ngettext=lambda s, p, n: page_translations().ungettext(s, p, n),
        pgettext=lambda c, s: page_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: page_translations().unpgettext(c, s, p, n),
        newstyle=True)
    app.jinja_env.globals.update(_=_page_gettext, gettext=_page_gettext,
                                 ngettext=_page_ngettext)
