"""What a supporter's pages read of a client's record.

Every function takes an ``Access`` and queries only a granted category, with the grant's
window as part of the SQL (``Window.dates`` / ``Window.moments``): rows outside it are never
loaded. A function asked for a category that isn't granted returns nothing.

Only the medications grant names a medication, and only one in use within its days
(``medication_names``): a side effect or a logged dose shared through its own category comes
as a plain row (``SharedSideEffect``, ``SharedDose``) holding just the names it may show."""
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from models import (Category, CheckIn, DoseEvent, DoseStatus, Medication, PlannedDose,
                    Regimen, RegimenChange, Severity, SideEffect, SkipReason)
from models.decisions import AppointmentNote, Experiment, NoteKind, Question, Ruler
from models.help import HelpContact
from models.journal import checkin_fields_of
from models.plan import SafetyPlan, SafetyPlanItem
from tend.access import Access, local_today
from tend.services import decisions, doses, red_flags, schedule
from tend.services import help as help_rules
from tend.services import plan as plans
from tend.services import medications as medication_rules



def medications(db: Session, access: Access, now: datetime, day: date | None = None
                ) -> list[medication_rules.Dosing]:
    """Medications in use at some point within the window, current first, each with the
    version in force on ``day`` (today when not given; never after the window) and the
    changes to come that begin within the window."""
    if not access.has(Category.MEDICATIONS):
        return []
    window = access.window(Category.MEDICATIONS)
    client = access.client
    day = min(day or local_today(client, now), window.end or date.max)
    dosings = []
    for med in _medications_in(db, access, window):
        dosing = medication_rules.dosing_on(med, client, day, now)
        if window.end:  # a change beginning after the shared days isn't shared
            dosing = replace(dosing, scheduled=[r for r in dosing.scheduled
                                                if _local_day(r.valid_from, client) <= window.end])
        dosings.append(dosing)
    return dosings


def scheduled_after(dosings: list[medication_rules.Dosing], client, last: date,
                    now: datetime) -> list[Regimen]:
    """The changes still to come that begin after the period ending on ``last``, in date
    order: an update lists them as scheduled (those inside the period are changes in it)."""
    after_period = schedule.start_of_local_day(last + timedelta(days=1), client.timezone)
    return sorted((r for dosing in dosings for r in dosing.scheduled
                   if r.valid_from >= after_period and r.valid_from > now),
                  key=lambda r: r.valid_from)


def _local_day(moment: datetime, client) -> date:
    return moment.astimezone(ZoneInfo(client.timezone)).date()


def in_use_within(window) -> list:
    """SQL conditions: a medication in use at some point within the window."""
    return in_use_between(window.start, window.end)


def in_use_between(first, last) -> list:
    """SQL conditions: a medication in use at some point from day ``first`` to day ``last``
    (dates or SQL expressions; None is open)."""
    conditions = []
    if first is not None:
        conditions.append(or_(Medication.ended_on.is_(None), Medication.ended_on >= first))
    if last is not None:
        conditions.append(Medication.started_on <= last)
    return conditions


def _medications_in(db: Session, access: Access, window) -> list[Medication]:
    query = select(Medication).where(Medication.client_id == access.client.id,
                                     *in_use_within(window))
    meds = db.scalars(query.options(selectinload(Medication.regimens))
                      .order_by(Medication.name)).all()
    return sorted(meds, key=lambda med: med.ended_on is not None)


def medication_names(db: Session, access: Access) -> dict[int, str]:
    """The medications the viewer may see named, by id: with the medications grant, those in
    use within its days (the ones its pages list); without it, none."""
    if not access.has(Category.MEDICATIONS):
        return {}
    return dict(db.execute(
        select(Medication.id, Medication.name)
        .where(Medication.client_id == access.client.id,
               *in_use_within(access.window(Category.MEDICATIONS)))).all())


def medication_changes(db: Session, access: Access, first: date | None = None,
                       last: date | None = None) -> list[Regimen]:
    """Dose or schedule versions that began within the window (and the period, if given)."""
    if not access.has(Category.MEDICATIONS):
        return []
    window = access.window(Category.MEDICATIONS)
    query = (select(Regimen).join(Medication)
             .where(Medication.client_id == access.client.id,
                    Regimen.change != RegimenChange.START, window.moments(Regimen.valid_from))
             .options(joinedload(Regimen.medication)).order_by(Regimen.valid_from.desc()))
    if first:
        query = query.where(Regimen.valid_from >= schedule.start_of_local_day(
            first, access.client.timezone))
    if last:
        query = query.where(Regimen.valid_from < schedule.start_of_local_day(
            last + timedelta(days=1), access.client.timezone))
    return [regimen for regimen in db.scalars(query)
            if medication_rules.ever_in_force(regimen)]


def today_doses(db: Session, access: Access, now: datetime) -> list[doses.DoseRow]:
    """Today's scheduled doses with what happened, if today is within the window."""
    if not access.has(Category.MEDICATIONS):
        return []
    client = access.client
    schedule.plan_doses(db, client, now)
    planned = db.scalars(
        select(PlannedDose)
        .where(PlannedDose.client_id == client.id,
               PlannedDose.local_date == local_today(client, now),
               access.window(Category.MEDICATIONS).dates(PlannedDose.local_date))
        .options(joinedload(PlannedDose.event).joinedload(DoseEvent.logged_by),
                 joinedload(PlannedDose.medication))
        .order_by(PlannedDose.due_at, PlannedDose.medication_id)).unique().all()
    return [doses.DoseRow(p, p.event, doses.state_of(p, p.event, now)) for p in planned]


@dataclass
class AdherenceLine:
    name: str
    on_time: int = 0
    late: int = 0
    skipped: int = 0
    missed: int = 0

    @property
    def taken(self) -> int:
        return self.on_time + self.late

    @property
    def counted(self) -> int:
        return self.taken + self.skipped + self.missed


def adherence(db: Session, access: Access, first: date, last: date, now: datetime
              ) -> list[AdherenceLine]:
    """Per medication: scheduled doses of the period by outcome, as ``doses.state_of`` tells
    them (a dose logged before its time counts). Doses still ahead, due now or a little late
    are not counted yet."""
    if not access.has(Category.MEDICATIONS):
        return []
    rows = db.execute(
        select(PlannedDose, DoseEvent, Medication.name)
        .join(Medication, Medication.id == PlannedDose.medication_id)
        .outerjoin(DoseEvent, DoseEvent.planned_dose_id == PlannedDose.id)
        .where(PlannedDose.client_id == access.client.id,
               PlannedDose.local_date.between(first, last),
               access.window(Category.MEDICATIONS).dates(PlannedDose.local_date))).all()
    lines: dict[str, AdherenceLine] = {}
    for planned, event, name in rows:
        line = lines.setdefault(name, AdherenceLine(name))
        state = doses.state_of(planned, event, now)
        if state == doses.State.TAKEN:
            if doses.taken_late(planned, event):
                line.late += 1
            else:
                line.on_time += 1
        elif state == doses.State.SKIPPED:
            line.skipped += 1
        elif state == doses.State.MISSED:
            line.missed += 1
    return sorted((line for line in lines.values() if line.counted),
                  key=lambda line: line.name.lower())


@dataclass(frozen=True)
class SharedDose:
    """A logged dose as the dose log shares it."""

    status: DoseStatus
    occurred_at: datetime
    timezone: str
    skip_reason: SkipReason | None
    note: str
    medication: str | None  # None unless the medications grant names it
    logged_by: str | None   # who logged it for the client; None when they did


def dose_log(db: Session, access: Access, first: date | None = None, last: date | None = None,
             limit: int = 40) -> list[SharedDose]:
    if not access.has(Category.DOSE_LOG):
        return []
    query = (select(DoseEvent)
             .where(DoseEvent.client_id == access.client.id,
                    access.window(Category.DOSE_LOG).moments(DoseEvent.occurred_at))
             .options(joinedload(DoseEvent.logged_by))
             .order_by(DoseEvent.occurred_at.desc()).limit(limit))
    zone = access.client.timezone
    if first:
        query = query.where(DoseEvent.occurred_at >= schedule.start_of_local_day(first, zone))
    if last:
        query = query.where(DoseEvent.occurred_at < schedule.start_of_local_day(
            last + timedelta(days=1), zone))
    names = medication_names(db, access)
    return [SharedDose(event.status, event.occurred_at, event.timezone, event.skip_reason,
                       event.note, names.get(event.medication_id),
                       event.logged_by.display_name if taken_by_someone_else(event)
                       and event.logged_by else None)
            for event in db.scalars(query)]


@dataclass(frozen=True)
class SharedSideEffect:
    """A side effect as the side-effects category shares it."""

    symptom: str
    severity: Severity
    started_on: date
    ended_on: date | None
    note: str
    medications: list[str]  # those the client linked it to that the medications grant names


def side_effects(db: Session, access: Access, first: date | None = None,
                 last: date | None = None) -> list[SharedSideEffect]:
    """Side effects that started within the window (one that began before the "from" day is
    not shown at all, even if it went on afterwards)."""
    if not access.has(Category.SIDE_EFFECTS):
        return []
    query = (select(SideEffect)
             .where(SideEffect.client_id == access.client.id,
                    access.window(Category.SIDE_EFFECTS).dates(SideEffect.started_on))
             .options(selectinload(SideEffect.medications))
             .order_by(SideEffect.started_on.desc()))
    if first:
        query = query.where(or_(SideEffect.ended_on.is_(None), SideEffect.ended_on >= first))
    if last:
        query = query.where(SideEffect.started_on <= last)
    names = medication_names(db, access)
    return [SharedSideEffect(item.symptom, item.severity, item.started_on, item.ended_on,
                             item.note, sorted(names[med.id] for med in item.medications
                                               if med.id in names))
            for item in db.scalars(query)]


@dataclass
class CheckinValues:
    """One category's check-in values per local day."""

    category: Category
    fields: tuple[str, ...]
    days: list[tuple[date, tuple]] = field(default_factory=list)

    def average(self, name: str) -> float | None:
        index = self.fields.index(name)
        values = [float(v[index]) for _, v in self.days if v[index] is not None]
        return sum(values) / len(values) if values else None


def checkins(db: Session, access: Access, category: Category, first: date, last: date
             ) -> CheckinValues | None:
    """Only the columns of ``category``, only within its window and the period."""
    if not access.has(category):
        return None
    names = checkin_fields_of(category)
    rows = db.execute(
        select(CheckIn.local_date, *(getattr(CheckIn, name) for name in names))
        .where(CheckIn.client_id == access.client.id, CheckIn.local_date.between(first, last),
               access.window(category).dates(CheckIn.local_date))
        .order_by(CheckIn.local_date)).all()
    days = [(row[0], tuple(row[1:])) for row in rows if any(v is not None for v in row[1:])]
    return CheckinValues(category, names, days)


def checkin_notes(db: Session, access: Access, first: date | None = None,
                  last: date | None = None, limit: int = 30) -> list[tuple[date, str]]:
    if not access.has(Category.NOTES):
        return []
    query = (select(CheckIn.local_date, CheckIn.note)
             .where(CheckIn.client_id == access.client.id, CheckIn.note != "",
                    access.window(Category.NOTES).dates(CheckIn.local_date))
             .order_by(CheckIn.local_date.desc()).limit(limit))
    if first:
        query = query.where(CheckIn.local_date >= first)
    if last:
        query = query.where(CheckIn.local_date <= last)
    return [(day, note) for day, note in db.execute(query)]


def urgent(items: list[SharedSideEffect]) -> list[SharedSideEffect]:
    """The side effects among ``items`` that are red flags, at any severity."""
    return [item for item in items if red_flags.is_red_flag(item.symptom)]


def taken_by_someone_else(event: DoseEvent | None) -> bool:
    return event is not None and event.logged_by_id not in (None, event.client_id)


@dataclass
class Questions:
    """What the client wants to bring up: open questions, goals and concerns not yet done,
    and experiments they are trying."""

    questions: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    experiments: list = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.questions or self.notes or self.experiments)


def questions(db: Session, access: Access) -> Questions:
    if not access.has(Category.QUESTIONS):
        return Questions()
    window = access.window(Category.QUESTIONS)
    client_id = access.client.id
    return Questions(
        questions=list(db.scalars(
            select(Question).where(Question.client_id == client_id,
                                   Question.answered_at.is_(None),
                                   window.moments(Question.created_at))
            .order_by(Question.created_at))),
        notes=list(db.scalars(
            select(AppointmentNote).where(AppointmentNote.client_id == client_id,
                                          AppointmentNote.done_at.is_(None),
                                          window.moments(AppointmentNote.created_at))
            .order_by(AppointmentNote.kind, AppointmentNote.created_at))),
        experiments=list(db.scalars(
            select(Experiment).where(Experiment.client_id == client_id,
                                     window.dates(Experiment.changed_on))
            .order_by(Experiment.changed_on.desc()))))


@dataclass(frozen=True)
class SharedRulers:
    """One experiment's readiness rulers as the questions category shares them."""

    title: str
    rulers: list  # (day, checkpoint or None, Ruler), as ``decisions.rulers_over_time``


def readiness(db: Session, access: Access) -> list[SharedRulers]:
    """The rulers of experiments that began within the questions grant's days, those given
    within them: nothing without that grant."""
    if not access.has(Category.QUESTIONS):
        return []
    window = access.window(Category.QUESTIONS)
    experiments = db.scalars(
        select(Experiment).where(Experiment.client_id == access.client.id,
                                 window.dates(Experiment.changed_on))
        .options(selectinload(Experiment.rulers), selectinload(Experiment.checkpoints))
        .order_by(Experiment.changed_on.desc())).all()
    allowed = set(db.scalars(select(Ruler.id).join(Experiment).where(
        Experiment.client_id == access.client.id, window.moments(Ruler.recorded_at))))
    result = []
    for experiment in experiments:
        rulers = [entry for entry in decisions.rulers_over_time(experiment)
                  if entry[2].id in allowed]
        if rulers:
            result.append(SharedRulers(experiment.title, rulers))
    return result


def measured_goals(db: Session, access: Access) -> list[AppointmentNote]:
    """Goals linked to a measure, noted within the questions grant's days. Only what the
    goal says (its measure, direction and target): the record's figures belong to their
    own categories."""
    if not access.has(Category.QUESTIONS):
        return []
    return list(db.scalars(
        select(AppointmentNote).where(
            AppointmentNote.client_id == access.client.id,
            AppointmentNote.kind == NoteKind.GOAL, AppointmentNote.measure != "",
            AppointmentNote.done_at.is_(None),
            access.window(Category.QUESTIONS).moments(AppointmentNote.created_at))
        .order_by(AppointmentNote.created_at)))


def skip_totals(db: Session, access: Access, now: datetime) -> list[doses.MonthOfSkips]:
    """Why doses were skipped, per month, counting only skips within the dose-log grant."""
    if not access.has(Category.DOSE_LOG):
        return []
    window = access.window(Category.DOSE_LOG)
    last = min(local_today(access.client, now), window.end or date.max)
    return doses.skips_by_month(db, access.client, last,
                                within=window.moments(DoseEvent.occurred_at))


@dataclass
class SharedPlan:
    """The client's plan for hard times as a supporter may read it: the sections that have
    entries from within the grant's window, and when the latest of those was written."""

    sections: list = field(default_factory=list)
    updated_at: datetime | None = None


def safety_plan(db: Session, access: Access) -> SharedPlan:
    if not access.has(Category.SAFETY_PLAN):
        return SharedPlan()
    window = access.window(Category.SAFETY_PLAN)
    items = list(db.scalars(
        select(SafetyPlanItem).join(SafetyPlan)
        .where(SafetyPlan.client_id == access.client.id,
               window.moments(SafetyPlanItem.created_at))))
    return SharedPlan(sections=[entry for entry in plans.sections(items) if entry.items],
                      updated_at=max((item.updated_at for item in items), default=None))


def help_contacts(db: Session, access: Access, now: datetime) -> list[HelpContact]:
    """The client's help contacts as they are now, on the days the grant covers (a list of
    people to call has no history of its own to window)."""
    if not access.has(Category.CONTACTS) or \
            not access.window(Category.CONTACTS).covers(local_today(access.client, now)):
        return []
    return help_rules.contacts_of(db, access.client)
