"""Every shipped language is complete: each msgid the code and templates use today (a fresh
extraction, not the catalogue's own list) has a translation that is not fuzzy, keeps the same
placeholders, and has every plural form its language needs.

When this fails after a merge, `make catalogues` brings the new msgids into each catalogue;
the failure lists them."""
import re
import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
# Each shipped language and the plural rule its catalogue must declare (GNU gettext's).
SHIPPED = {
    "es": "nplurals=2; plural=(n != 1);",
    "de": "nplurals=2; plural=(n != 1);",
}
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sdif]|\{\w*\}")


@pytest.fixture(scope="module")
def msgids(tmp_path_factory):
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(["make", "-s", "--no-print-directory", "extract", f"POT={pot}"],
                   cwd=ROOT, check=True)
    with pot.open("rb") as handle:
        return [message for message in read_po(handle) if message.id]


def catalogue(language):
    with (ROOT / "translations" / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


def placeholders(text):
    return sorted(PLACEHOLDER.findall(text.replace("%%", "")))


def shown(msgid):
    return " | ".join(msgid) if isinstance(msgid, tuple) else msgid


def test_the_shipped_languages_are_the_ones_with_catalogues(app):
    assert app.config["TEND_LOCALES"] == ["en", *sorted(SHIPPED)]


@pytest.mark.parametrize("language", sorted(SHIPPED))
def test_every_msgid_is_translated(msgids, language):
    translated = catalogue(language)
    missing, fuzzy = [], []
    for message in msgids:
        entry = translated.get(message.id)
        strings = (entry.string if isinstance(entry.string, tuple) else (entry.string,)) \
            if entry else ()
        if entry is None or not all(strings):
            missing.append(shown(message.id))
        elif entry.fuzzy:
            fuzzy.append(shown(message.id))
    assert not missing and not fuzzy, (
        f"translations/{language}: {len(missing)} msgid(s) untranslated, {len(fuzzy)} fuzzy "
        "(run `make catalogues`, translate, then clear the fuzzy flags):\n"
        + "\n".join([f"  missing: {m!r}" for m in missing] + [f"  fuzzy:   {f!r}" for f in fuzzy]))


@pytest.mark.parametrize("language", sorted(SHIPPED))
def test_placeholders_and_plural_forms_match(language):
    translated = catalogue(language)
    assert translated.plural_forms == SHIPPED[language]
    wrong = []
    for entry in translated:
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if not entry.id or not all(strings):
            continue  # reported by test_every_msgid_is_translated
        if entry.pluralizable:
            forms = entry.string
            if len(forms) != translated.num_plurals:
                wrong.append(f"{shown(entry.id)!r}: {len(forms)} forms, "
                             f"{translated.num_plurals} needed")
                continue
            # Form 0 is the singular; every other form answers msgid_plural.
            pairs = [(entry.id[0], forms[0])] + [(entry.id[1], form) for form in forms[1:]]
        else:
            pairs = [(entry.id, entry.string)]
        for source, target in pairs:
            if placeholders(source) != placeholders(target):
                wrong.append(f"{source!r} -> {target!r}: placeholders "
                             f"{placeholders(source)} != {placeholders(target)}")
    problems = [f"{message.id!r}: {errors}" for message, errors in translated.check()]
    assert not wrong and not problems, f"translations/{language}:\n" + "\n".join(wrong + problems)
