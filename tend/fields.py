"""Form fields with clear messages, shared by HTML forms and the JSON API."""
import re
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from zoneinfo import ZoneInfo

from flask_babel import format_decimal, lazy_gettext as _l
from wtforms import Field, RadioField, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, StopValidation, ValidationError

from tend.services import accounts

def known_timezone(form, field):
    """An IANA zone name this server knows."""
    if not accounts.is_known_timezone(field.data or ""):
        raise ValidationError(_l("Choose a time zone from the list."))


UUID_PATTERN = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                          r"[0-9a-fA-F]{12}$")


class _ParsedField(StringField):
    """A text input whose value is parsed; a value that doesn't parse gets ``invalid``."""

    invalid = _l("Enter a valid value.")
    raw_text = ""

    def __init__(self, label=None, validators=None, invalid=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        if invalid:
            self.invalid = invalid

    def parse(self, text: str):
        raise NotImplementedError

    def process_formdata(self, valuelist):
        self.raw_text = valuelist[0].strip() if valuelist else ""
        if not self.raw_text:
            self.data = None
            return
        try:
            self.data = self.parse(self.raw_text)
        except (ValueError, InvalidOperation, OverflowError):
            self.data = None
            raise ValueError(self.invalid)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.format(self.data) if self.data is not None else ""

    def format(self, value) -> str:
        return str(value)


class NumberField(_ParsedField):
    widget = widgets.NumberInput(step="any")
    invalid = _l("Enter a number, like 2 or 0.5.")

    def parse(self, text: str) -> Decimal:
        value = Decimal(text.replace(",", "."))
        if not value.is_finite():
            raise ValueError(text)
        return value

    def format(self, value) -> str:
        return format(value.normalize(), "f") if isinstance(value, Decimal) else str(value)


# An amount per intake as a prescription label writes it: a whole number or a decimal with at
# most two places after "." or "," ("1", "0.5", "0,75"; a leading zero, as labels write "0.5",
# never ".5"), or halves and quarters as a sign or with a slash, alone or after a whole number
# ("½", "1½", "1 ½", "1/2", "1 1/4"). Nothing is rounded: "1/3" or "0.125" can't be kept in the
# hundredths ``Regimen.amount`` keeps, so they are refused, not changed. The limits are
# ``AMOUNT_RANGE``.
AMOUNT_SIGNS = {"½": Fraction(1, 2), "¼": Fraction(1, 4), "¾": Fraction(3, 4)}
AMOUNT_FRACTIONS = {f"{part.numerator}/{part.denominator}": part for part in AMOUNT_SIGNS.values()}


def amount_text(whole: str, hundredths_below_one: str) -> str:
    """The amounts as a pattern, given the whole numbers (1 up) and the decimals of "0.x"
    it allows: the parser allows any, the API's schema those within ``AMOUNT_RANGE``."""
    signs = "".join(AMOUNT_SIGNS)
    slashed = "|".join(AMOUNT_FRACTIONS)
    return (rf"(?:{whole})(?:[.,][0-9]{{1,2}})?|0[.,](?:{hundredths_below_one})"
            rf"|(?:(?:{whole}) ?)?[{signs}]|(?:(?:{whole}) )?(?:{slashed})")


# A minus is read too, so that "-2" is told the limits, not the shape.
AMOUNT = re.compile("-?(?:" + amount_text("[1-9][0-9]*", "[0-9]{1,2}") + ")")
# The same amounts from 0.01 to 100 (``AMOUNT_RANGE``; tests/test_fields_amounts.py checks they
# agree), as the API's schema states them.
AMOUNT_IN_RANGE_TEXT = amount_text("[1-9][0-9]?", "0[1-9]|[1-9][0-9]?") + r"|100(?:[.,]00?)?"


def parse_amount(text: str) -> Decimal:
    """An amount per intake as written (``amount_text``); ``ValueError`` if it isn't one.
    The medication form, the step plan's form and the API read amounts with this alone."""
    if not AMOUNT.fullmatch(text):
        raise ValueError(text)
    if text.startswith("-"):
        return -parse_amount(text[1:])
    if text[-1] in AMOUNT_SIGNS:
        whole, part = text[:-1], AMOUNT_SIGNS[text[-1]]
    elif "/" in text:
        whole, _, written = text.rpartition(" ")
        part = AMOUNT_FRACTIONS[written]
    else:
        return Decimal(text.replace(",", "."))
    value = int(whole or 0) + part
    return Decimal(value.numerator) / Decimal(value.denominator)


class AmountField(NumberField):
    """An amount per intake (``parse_amount``), kept to hundredths (``Regimen.amount`` is
    Numeric(8, 2)). A text input: number inputs refuse "½"."""

    widget = widgets.TextInput()
    invalid = _l("Enter an amount, like 1, 0.5 or 1/2.")

    def parse(self, text: str) -> Decimal:
        return parse_amount(text)


class WholeNumberField(_ParsedField):
    widget = widgets.NumberInput(step="1")
    invalid = _l("Enter a whole number.")

    def parse(self, text: str) -> int:
        return int(text)


EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)


DAY_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_day(text: str) -> date:
    """A calendar day as a date input sends it (2026-03-31, not 20260331) within the years a
    record can sensibly hold."""
    if not DAY_SHAPE.fullmatch(text):
        raise ValueError(text)
    day = date.fromisoformat(text)
    if not EARLIEST <= day <= LATEST:
        raise ValueError(text)
    return day


class DateInputField(_ParsedField):
    widget = widgets.DateInput()
    invalid = _l("Enter a date like 2026-03-31.")

    def parse(self, text: str) -> date:
        return parse_day(text)

    def format(self, value) -> str:
        return value.isoformat()


class TimeOfDayField(_ParsedField):
    """A local wall-clock time ("21:30"), from a ``time`` input."""

    widget = widgets.TimeInput()
    invalid = _l("Enter a time like 08:00 or 21:30.")

    def parse(self, text: str) -> time:
        value = time.fromisoformat(text)
        if value.tzinfo is not None:
            raise ValueError(text)
        return value.replace(second=0, microsecond=0)

    def format(self, value) -> str:
        return value.strftime("%H:%M")


class MomentField(_ParsedField):
    """A moment: ISO 8601 with an offset (API), or a local date and time from a
    ``datetime-local`` input, read in the form's ``zone_name`` (the client's zone).

    Parsing waits for validation, when the field can see its form and so the zone."""

    widget = widgets.DateTimeLocalInput()
    invalid = _l("Enter a date and time like 2026-03-31T08:30.")

    def process_formdata(self, valuelist):
        self.raw_text = valuelist[0].strip() if valuelist else ""
        self.data = None

    def pre_validate(self, form):
        self.zone_name = getattr(form, "zone_name", "UTC")
        if not self.raw_text:
            return
        try:
            value = datetime.fromisoformat(self.raw_text.replace("Z", "+00:00"))
            if value.tzinfo is None:
                value = value.replace(tzinfo=ZoneInfo(self.zone_name))
            self.data = value.astimezone(ZoneInfo("UTC"))
        except (ValueError, OverflowError):
            raise ValidationError(self.invalid)

    def format(self, value) -> str:
        return value.astimezone(ZoneInfo(getattr(self, "zone_name", "UTC"))).strftime(
            "%Y-%m-%dT%H:%M")


TIME_OF_DAY_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"


class TimesField(Field):
    """Several local times of day ("08:00"), from repeated inputs or a JSON list; at most
    ``max_entries`` different ones. An empty input (a time box left blank) is skipped."""

    widget = widgets.TimeInput()

    def __init__(self, label=None, validators=None, max_entries=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.max_entries = max_entries

    def process_formdata(self, valuelist):
        values = [v for v in valuelist if v]
        self.entries = len(values)  # the limit counts what was sent, repeats included
        if any(not re.match(TIME_OF_DAY_PATTERN, text) for text in values):
            self.data = values
            raise ValueError(_l("Enter times like 08:00 or 21:30."))
        self.data = sorted({text[:5] for text in values})

    def pre_validate(self, form):
        if self.max_entries and getattr(self, "entries", 0) > self.max_entries:
            raise ValidationError(_l("Use at most %(max)d times a day.", max=self.max_entries))

    def _value(self):
        return ""


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class NumberChoiceField(RadioField):
    """A choice among whole numbers (a 1-5 scale): the API takes it as an integer."""


class NumberChoicesField(MultiCheckboxField):
    """Checkboxes whose values are whole numbers (days of the week, record ids): the API
    takes them as a list of integers."""


class Required(DataRequired):
    """Like DataRequired, but a value that failed to parse keeps its own message
    ("Enter a whole number.") instead of being reported as missing."""

    def __call__(self, form, field):
        if field.process_errors:
            raise StopValidation()
        if isinstance(field.data, (int, Decimal)) and not isinstance(field.data, bool):
            return  # a number was given, 0 too: whether it is allowed is the range's to say
        super().__call__(form, field)


def uuid_key(form, field):
    """Idempotency keys are UUIDs made by the client (the offline queue makes them)."""
    if field.data and not UUID_PATTERN.match(field.data):
        raise ValidationError(_l("Use a UUID, like 3f2b6c1e-8d4a-4b9e-9a57-2c1d0e6f7a8b."))


ABOVE_MAXIMUM = _l("That's above the maximum, %(max)s. Enter %(max)s or less.")


class InRange:
    """A number from ``low`` to ``high``, both included (the OpenAPI document reads them).

    ``message`` is said below ``low``, and above ``high`` too unless the rule broken there
    has its own words (``too_high``: a message with ``%(max)s``, given the maximum written
    the locale's way); a message that names only the low end needs them."""

    def __init__(self, low, high, message, too_high=None):
        self.low, self.high, self.message, self.too_high = low, high, message, too_high

    def __call__(self, form, field):
        if field.data is None:
            return
        if field.data > self.high and self.too_high is not None:
            raise ValidationError(str(self.too_high) % {"max": format_decimal(self.high)})
        if not (self.low <= field.data <= self.high):
            raise ValidationError(self.message)
