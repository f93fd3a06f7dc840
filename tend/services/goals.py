"""Goals linked to a measure of the client's own record, and how the record stands against
them: in words and figures, never praise or blame ("Sleep: 6.1 h a night over the last 2
weeks, your goal is 7 h").

A goal is an ``AppointmentNote`` of kind goal with a ``measure`` (a check-in answer,
``side_effect:<symptom>`` or ``doses_taken``), a ``direction`` and optionally a ``target``."""
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from flask_babel import format_decimal, lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from models import AppointmentNote, NoteKind, User
from models.journal import CHECKIN_FIELD, HOURS_RANGE, SCALE_RANGE, AnswerKind
from tend.services import decisions, insights
from tend.services.errors import FieldError

DOSES_TAKEN = "doses_taken"
PROGRESS_DAYS = 14
DIRECTIONS = {
    "up": _l("Higher"),
    "down": _l("Lower"),
    "steady": _l("About the same"),
}


SHORT_LABELS = {DOSES_TAKEN: _l("Doses taken"), "sleep_hours": _l("Sleep")}


def measure_label(measure: str) -> str:
    if measure in SHORT_LABELS:
        return str(SHORT_LABELS[measure])
    return decisions.measure_label(measure)


def is_goal_measure(measure: str) -> bool:
    return measure == DOSES_TAKEN or decisions.is_valid_measure(measure)


def target_range(measure: str) -> tuple[Decimal, Decimal]:
    """What a target may be: hours for sleep, the 1-5 scales, 0-3 for a side effect's
    severity, a percentage of doses."""
    if measure == DOSES_TAKEN:
        return Decimal(0), Decimal(100)
    if decisions.symptom_of(measure) is not None:
        return Decimal(0), Decimal(3)
    if CHECKIN_FIELD[measure].kind is AnswerKind.HOURS:
        return Decimal(HOURS_RANGE[0]), Decimal(HOURS_RANGE[1])
    return Decimal(SCALE_RANGE[0]), Decimal(SCALE_RANGE[1])


@dataclass
class GoalLink:
    measure: str
    direction: str
    target: Decimal | None = None

    def check(self) -> None:
        if not is_goal_measure(self.measure):
            raise FieldError("measure", _l("Choose from the list."))
        if self.direction not in DIRECTIONS:
            raise FieldError("direction", _l("Choose which way you'd like it to go."))
        if self.target is not None:
            low, high = target_range(self.measure)
            if not low <= self.target <= high:
                raise FieldError("target", _l("Enter a number from %(low)s to %(high)s.",
                                              low=format_decimal(low), high=format_decimal(high)))


def parse_target(text: str | None) -> Decimal | None:
    text = (text or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise FieldError("target", _l("Enter a number, or leave it empty.")) from None
    if not value.is_finite():
        raise FieldError("target", _l("Enter a number, or leave it empty."))
    return value


# Insights asks on each visit: built once (building the statement and its cache key costs
# about as much as sending it). The open goals ``decisions.notes_of`` lists, in its order, that
# are linked to a measure.
_MEASURED_GOALS = select(AppointmentNote).where(
    AppointmentNote.client_id == bindparam("client_id"), AppointmentNote.kind == NoteKind.GOAL,
    AppointmentNote.done_at.is_(None), AppointmentNote.measure != "",
).order_by(AppointmentNote.created_at, AppointmentNote.id)


def measured_goals(db: Session, client: User) -> list[AppointmentNote]:
    return db.scalars(_MEASURED_GOALS, {"client_id": client.id}).all()


@dataclass
class Progress:
    """Where the record stands on a goal's measure over ``days`` days up to ``last``."""

    goal: AppointmentNote
    first: date
    last: date
    value: float | None     # the average (hours, 1-5, 0-3), or the percentage of doses
    logged: int             # days with an entry (doses: doses taken)
    counted: int            # days in the window (doses: doses due)

    @property
    def label(self) -> str:
        return measure_label(self.goal.measure)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def value_text(self, value) -> str:
        number = format_decimal(round(float(value), 1))
        measure = self.goal.measure
        if measure == DOSES_TAKEN:
            return str(_l("%(value)s%%", value=number))
        if decisions.symptom_of(measure) is not None:
            return str(_l("%(value)s of 3", value=number))
        if CHECKIN_FIELD[measure].kind is AnswerKind.HOURS:
            return str(_l("%(value)s h", value=number))
        return str(_l("%(value)s of 5", value=number))

    @property
    def goal_text(self) -> str:
        if self.goal.target is not None:
            return str(_l("your goal is %(target)s", target=self.value_text(self.goal.target)))
        return str({"up": _l("you'd like it higher"), "down": _l("you'd like it lower"),
                    "steady": _l("you'd like it to stay about the same")}[self.goal.direction])

    @property
    def words(self) -> str:
        """"Sleep: 6.1 h a night over the last 2 weeks, your goal is 7 h"."""
        weeks = self.days // 7 if self.days % 7 == 0 else None
        over = _l("over the last %(num)d weeks", num=weeks) if weeks and weeks > 1 else \
            _l("over the last %(num)d days", num=self.days)
        if self.value is None:
            return str(_l("%(measure)s: nothing logged %(over)s; %(goal)s",
                          measure=self.label, over=over, goal=self.goal_text))
        measure = self.goal.measure
        if measure == DOSES_TAKEN:
            figure = _l("%(taken)d of %(due)d doses taken (%(share)s)", taken=self.logged,
                        due=self.counted, share=self.value_text(self.value))
        elif measure in CHECKIN_FIELD and CHECKIN_FIELD[measure].kind is AnswerKind.HOURS:
            figure = _l("%(value)s a night", value=self.value_text(self.value))
        else:
            figure = _l("%(value)s on average", value=self.value_text(self.value))
        text = _l("%(measure)s: %(figure)s %(over)s, %(goal)s", measure=self.label,
                  figure=figure, over=over, goal=self.goal_text)
        if measure != DOSES_TAKEN and self.logged < self.counted:
            text = _l("%(text)s (logged on %(logged)d of %(days)d days)", text=text,
                      logged=self.logged, days=self.counted)
        return str(text)


def progress(db: Session, client: User, goal: AppointmentNote, last: date, now,
             days: int = PROGRESS_DAYS) -> Progress:
    """The goal's measure over the ``days`` days up to ``last``: arithmetic on what the
    client logged, nothing more."""
    period = insights.Period(last - timedelta(days=days - 1), last)
    if goal.measure == DOSES_TAKEN:
        lines = insights.adherence(db, client, period, now, insights.medications_by_id(db, client))
        taken = sum(line.taken for line in lines)
        due = sum(line.taken + line.skipped + line.missed for line in lines)
        return Progress(goal, period.first, period.last,
                        round(100 * taken / due, 1) if due else None, taken, due)
    values = decisions.daily_values(db, client, [goal.measure], period)[goal.measure]
    logged = [v for v in values if v is not None]
    return Progress(goal, period.first, period.last,
                    round(sum(logged) / len(logged), 2) if logged else None,
                    len(logged), len(values))


def progress_of_all(db: Session, client: User, last: date, now) -> list[Progress]:
    return [progress(db, client, goal, last, now) for goal in measured_goals(db, client)]
