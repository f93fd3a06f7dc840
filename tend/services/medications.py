"""The client's medication list: adding, changing dose or schedule, pausing, stopping, supply."""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload

from models import (Medication, MedicationKind, MedicationStatus, Regimen, RegimenChange,
                    User)
from tend.services import lookup, schedule
from tend.services.errors import Conflict, FieldError


@dataclass
class RegimenSpec:
    """Dose and schedule as a person enters them; one value object for forms and the API."""

    amount: Decimal = Decimal(1)
    strength: Decimal | None = None
    strength_unit: str = ""
    as_needed: bool = False
    max_per_day: int | None = None
    times: list[str] = field(default_factory=list)
    weekdays: list[int] = field(default_factory=list)
    # The schedule's kind and what it needs (see ``tend.services.schedule``); for every_hours
    # ``times`` holds only the first time.
    schedule_kind: str = "fixed"
    interval_hours: int | None = None
    last_time: str = ""
    interval_days: int | None = None
    cycle_on_days: int | None = None
    cycle_off_days: int | None = None
    anchor_on: date | None = None
    cycle_day: int | None = None  # a cycle: the day of it the client is on today (1: its first)
    weekday_amounts: dict[str, Decimal] = field(default_factory=dict)
    amount_unit: str = ""
    amount_words: str = ""
    reason: str = ""
    min_interval_minutes: int | None = None
    follow_up_minutes: int | None = None

    def apply_to(self, regimen: Regimen) -> None:
        regimen.amount = self.amount
        regimen.strength = self.strength
        regimen.strength_unit = self.strength_unit
        regimen.amount_unit = self.amount_unit
        regimen.amount_words = self.amount_words.strip()
        regimen.as_needed = self.as_needed
        needed, kind = self.as_needed, self.schedule_kind
        regimen.max_per_day = self.max_per_day if needed else None
        regimen.reason = self.reason.strip() if needed else ""
        regimen.min_interval_minutes = self.min_interval_minutes if needed else None
        regimen.follow_up_minutes = self.follow_up_minutes if needed else None
        regimen.schedule_kind = "fixed" if needed else kind
        every_hours = not needed and kind == "every_hours"
        regimen.interval_hours = self.interval_hours if every_hours else None
        regimen.last_time = self.last_time if every_hours else ""
        regimen.times = [] if needed else schedule.every_hours_times(
            self.times[0], self.last_time, self.interval_hours) if every_hours \
            else sorted(self.times)
        regimen.interval_days = self.interval_days if kind == "every_days" and not needed \
            else None
        cycle = not needed and kind == "cycle"
        regimen.cycle_on_days = self.cycle_on_days if cycle else None
        regimen.cycle_off_days = self.cycle_off_days if cycle else None
        regimen.anchor_on = self.anchor_on if not needed and kind in ("every_days", "cycle") \
            else None
        weekly = not needed and kind in ("fixed", "every_hours")
        regimen.weekdays = [] if not weekly or len(self.weekdays) == 7 \
            else sorted(self.weekdays)
        other_amounts = {str(day): str(amount) for day, amount in
                         sorted(self.weekday_amounts.items()) if amount != self.amount}
        regimen.weekday_amounts = other_amounts if weekly and other_amounts else None


# Built once: nearly every client page sends it (a statement built for each request, and its
# cache key, cost about as much as the query).
_MEDICATIONS_OF = (select(Medication).where(Medication.client_id == bindparam("client_id"))
                   .options(joinedload(Medication.regimens)).order_by(Medication.name))


def medications_of(db: Session, client: User) -> list[Medication]:
    """The whole list, active first, with their regimens in the same query."""
    order = {MedicationStatus.ACTIVE: 0, MedicationStatus.PAUSED: 1, MedicationStatus.STOPPED: 2}
    meds = db.scalars(_MEDICATIONS_OF, {"client_id": client.id}).unique().all()
    return sorted(meds, key=lambda med: order[med.status])


def medication_of(db: Session, client: User, medication_id) -> Medication | None:
    """The client's own medication by id, or None (never someone else's), with its versions
    (nearly every caller needs the current one)."""
    return lookup.owned(db, Medication, client.id, medication_id,
                        options=[joinedload(Medication.regimens)])


# --- Which version applies when -----------------------------------------------------------
#
# Every page, API answer, export, shared record and message that shows "the dose" asks these
# functions; none reads ``med.regimens`` for it.

def ever_in_force(regimen: Regimen) -> bool:
    """False for a version that ends where (or before) it begins: it never applied."""
    return regimen.valid_to is None or regimen.valid_to > regimen.valid_from


def _in_order(med: Medication) -> list[Regimen]:
    """By start; of two starting at the same moment, the one written later last."""
    return sorted(med.regimens, key=lambda r: (r.valid_from, r.id is None, r.id or 0))


def version_at(med: Medication, moment: datetime) -> Regimen:
    """The regimen version in force at ``moment`` (a UTC moment).

    A version is in force from its ``valid_from`` (inclusive) to its ``valid_to`` (exclusive,
    open when None); one that ends where it begins never is. Should two overlap, the one that
    began later is in force. When none is in force at ``moment``:
    - after a stop (or any end), the version that began last before ``moment``: what was last
      taken, shown on a stopped medication;
    - before the first one begins (a medication that starts on a later day), the first one."""
    versions = [r for r in _in_order(med) if ever_in_force(r)] or _in_order(med)
    begun = [r for r in versions if r.valid_from <= moment]
    if not begun:
        return versions[0]
    in_force = [r for r in begun if schedule.in_force_at(r, moment)]
    return (in_force or begun)[-1]


def moment_of_day(client: User, day: date, now: datetime) -> datetime:
    """The moment that stands for the client's local day ``day``: the moment within that day
    nearest to ``now``. That is ``now`` itself for today, the day's first moment for a later
    day, and its last moment for an earlier one."""
    start = schedule.start_of_local_day(day, client.timezone)
    end = schedule.start_of_local_day(day + timedelta(days=1), client.timezone)
    return min(max(now, start), end - timedelta(microseconds=1))


def version_on(med: Medication, client: User, day: date, now: datetime) -> Regimen:
    """The version in force on the client's local day ``day``, read at ``moment_of_day``.

    Today that is the version in force now: a change effective later today applies from its
    own moment, and a change from tomorrow is not today's dose. A later day gets the version
    in force when it begins; an earlier day the one it ended with."""
    return version_at(med, moment_of_day(client, day, now))


def scheduled_versions(med: Medication, moment: datetime) -> list[Regimen]:
    """The versions that come into force after ``moment``, in order: changes still to come.
    Versions that never apply are left out, and so is the first version of a medication that
    hasn't started yet (``version_at`` already gives it as the dose)."""
    current = version_at(med, moment)
    return [r for r in _in_order(med)
            if r.valid_from > moment and r is not current and ever_in_force(r)]


@dataclass(frozen=True)
class Dosing:
    """One medication as it stands on a day: the version in force and the changes to come."""

    medication: Medication
    regimen: Regimen
    scheduled: list[Regimen]


def dosing_on(med: Medication, client: User, day: date, now: datetime) -> Dosing:
    moment = moment_of_day(client, day, now)
    return Dosing(med, version_at(med, moment), scheduled_versions(med, moment))


def find_by_key(db: Session, client: User, key: str | None) -> Medication | None:
    if not key:
        return None
    return db.scalar(select(Medication).where(Medication.client_id == client.id,
                                              Medication.idempotency_key == key))


def create_medication(db: Session, client: User, *, name: str, form: str,
                      kind: MedicationKind, spec: RegimenSpec, started_on: date, now: datetime,
                      purpose: str = "", prescriber: str = "",
                      missed_dose_instructions: str = "",
                      units_on_hand: Decimal | None = None, idempotency_key: str | None = None,
                      tracking_from: datetime | None = None,
                      ends_on: date | None = None) -> tuple[Medication, bool]:
    """Add a medication; returns (medication, created). Doses are tracked from the start of
    the day it was added (or its start date, if later), never years of "missed" history.
    Every-N-days and cycles count from ``started_on``; a last day (``ends_on``) is a stop
    dated ahead (see ``stop``)."""
    existing = find_by_key(db, client, idempotency_key)
    if existing:
        return existing, False
    if ends_on is not None and ends_on < max(started_on, schedule.local_today(client, now)):
        raise FieldError("ends_on", _l("Choose a last day on or after the start day and today."))
    start = schedule.start_of_local_day(started_on, client.timezone)
    today = schedule.start_of_local_day(schedule.local_today(client, now), client.timezone)
    med = Medication(client_id=client.id, name=name.strip(), form=form, kind=kind,
                     purpose=purpose.strip(), prescriber=prescriber.strip(),
                     missed_dose_instructions=missed_dose_instructions.strip(),
                     started_on=started_on, units_on_hand=units_on_hand,
                     idempotency_key=idempotency_key, created_at=now)
    regimen = Regimen(change=RegimenChange.START, valid_from=tracking_from or max(start, today))
    count_from(spec, client, now, started_on)
    spec.apply_to(regimen)
    if ends_on is not None:
        med.ended_on = ends_on
        regimen.valid_to = schedule.start_of_local_day(ends_on + timedelta(days=1),
                                                       client.timezone)
    med.regimens.append(regimen)
    db.add(med)
    db.flush()
    schedule.plan_doses(db, client, now)
    return med, True


def update_details(med: Medication, *, name: str, form: str, kind: MedicationKind,
                   purpose: str, prescriber: str, started_on: date,
                   missed_dose_instructions: str = "") -> None:
    """What the medication is can be corrected in place; dose and schedule cannot."""
    med.name, med.form, med.kind = name.strip(), form, kind
    med.purpose, med.prescriber, med.started_on = purpose.strip(), prescriber.strip(), started_on
    med.missed_dose_instructions = missed_dose_instructions.strip()


# --- Decisions: what is scheduled from a moment on --------------------------------------
#
# A decision from moment E (a change of dose or schedule, a pause, a resume, a stop) replaces
# whatever was scheduled from E on, including changes recorded earlier to start later:
# - a version in force before E and after it ends at E;
# - a version that was to start at or after E never applies: it is removed, or, when one of
#   its doses was logged already (taken ahead of time) or it is the medication's only one (a
#   medication stopped the moment it began), kept with ``valid_to = valid_from`` so that
#   dose keeps the version it was taken under;
# - their doses from E on that nobody logged are dropped; the new version plans its own, and
#   never a slot that exists or was logged (``schedule``).
# A pause or resume copies the dose of the version in force at E, never a scheduled one.

def _replace_from(db: Session, med: Medication, moment: datetime) -> Regimen:
    """End at ``moment`` everything scheduled from then on (see above); returns the version
    that was in force at ``moment``."""
    in_force = version_at(med, moment)
    replaced = [r for r in med.regimens if r.valid_to is None or r.valid_to > moment]
    for regimen in replaced:
        regimen.valid_to = max(regimen.valid_from, moment)
    db.flush()
    schedule.drop_future_doses(db, [r.id for r in replaced], moment)
    for regimen in replaced:
        if regimen.valid_from >= moment and not schedule.has_planned_doses(db, regimen) \
                and len(med.regimens) > 1:  # the last one stays: what the medication was
            med.regimens.remove(regimen)
    db.flush()
    return in_force


def stop_ahead(med: Medication) -> datetime | None:
    """When a medication with a stop date still to come stops (the end of its last day), or
    None: it has none, or it has stopped (``schedule.mark_stops_that_came``)."""
    if med.ended_on is None or med.status is MedicationStatus.STOPPED:
        return None
    return max(r.valid_to for r in med.regimens if r.valid_to is not None)


def _new_version(db: Session, client: User, med: Medication, change: RegimenChange,
                 effective: datetime, now: datetime, spec: RegimenSpec | None = None,
                 note: str = "") -> Regimen:
    """From ``effective`` on, the next version instead of whatever was scheduled then; a
    stop still to come stays, and the new version ends there."""
    ends = stop_ahead(med)
    if ends is not None and effective >= ends:
        raise FieldError("effective_on", _l(
            "This medication stops before that date. Choose its last day or earlier."))
    in_force = _replace_from(db, med, effective)
    regimen = Regimen(change=change, valid_from=effective, valid_to=ends, note=note.strip())
    (spec or spec_of(in_force)).apply_to(regimen)
    med.regimens.append(regimen)
    db.flush()
    schedule.plan_doses(db, client, now)
    return regimen


def keep_current(db: Session, client: User, med: Medication, now: datetime) -> Regimen:
    """The version in force now goes on; the changes scheduled after it are removed (a stop
    still to come stays, and the version ends there). Returns that version.

    Unlike a decision from now (``_new_version``), no version begins: the doses planned up to
    the first change to come keep their version, and the planner continues the current one
    from that change's day on."""
    coming = scheduled_versions(med, now)
    current = version_at(med, now)
    if not coming:
        return current
    ends, first = stop_ahead(med), coming[0].valid_from
    _replace_from(db, med, first)
    current.valid_to = ends
    first_day = first.astimezone(ZoneInfo(client.timezone)).date()
    if current.planned_through is not None:  # plan again from the first change's day
        current.planned_through = min(current.planned_through, first_day - timedelta(days=1))
    db.flush()
    schedule.plan_doses(db, client, now)
    return current


def spec_of(regimen: Regimen) -> RegimenSpec:
    """The spec that makes a copy of ``regimen`` (a pause or resume keeps a cycle's day)."""
    times = regimen.times[:1] if regimen.schedule_kind == "every_hours" else regimen.times
    return RegimenSpec(amount=regimen.amount, strength=regimen.strength,
                       strength_unit=regimen.strength_unit, as_needed=regimen.as_needed,
                       max_per_day=regimen.max_per_day, times=list(times),
                       weekdays=list(regimen.weekdays),
                       schedule_kind=regimen.schedule_kind or "fixed",
                       interval_hours=regimen.interval_hours, last_time=regimen.last_time,
                       interval_days=regimen.interval_days,
                       cycle_on_days=regimen.cycle_on_days,
                       cycle_off_days=regimen.cycle_off_days, anchor_on=regimen.anchor_on,
                       weekday_amounts={int(day): Decimal(amount) for day, amount in
                                        (regimen.weekday_amounts or {}).items()},
                       amount_unit=regimen.amount_unit, amount_words=regimen.amount_words,
                       reason=regimen.reason,
                       min_interval_minutes=regimen.min_interval_minutes,
                       follow_up_minutes=regimen.follow_up_minutes)


def change_regimen(db: Session, client: User, med: Medication, spec: RegimenSpec,
                   effective: datetime, now: datetime, note: str = "") -> Regimen:
    """A new dose or schedule from ``effective`` on; the old version stays in history."""
    schedule.mark_stops_that_came(db, client, now)
    _require_status(med, MedicationStatus.ACTIVE,
                    _l("Resume this medication before changing its dose."))
    count_from(spec, client, now, effective.astimezone(ZoneInfo(client.timezone)).date())
    return _new_version(db, client, med, RegimenChange.CHANGE, effective, now, spec, note)


def paused_at(med: Medication, moment: datetime) -> bool:
    """Whether ``med`` was (or is to be) paused at ``moment``: a pause is in force then."""
    return version_at(med, moment).is_paused


def count_from(spec: RegimenSpec, client: User, now: datetime, first_day: date) -> None:
    """The day every-N-days and cycles count from (``anchor_on``): for a cycle the client is
    already in ("today is day 10"), the day it began; else the one given, or ``first_day``."""
    if spec.schedule_kind == "cycle" and spec.cycle_day is not None:
        spec.anchor_on = schedule.local_today(client, now) - timedelta(days=spec.cycle_day - 1)
    spec.anchor_on = spec.anchor_on or first_day


def cycle_day_on(regimen: Regimen, day: date) -> int | None:
    """Which day of its cycle ``day`` is under a cycle schedule (1 to days on + days off), or
    None: not a cycle, or before its first day."""
    if regimen.schedule_kind != "cycle" or regimen.anchor_on is None or day < regimen.anchor_on:
        return None
    length = (regimen.cycle_on_days or 1) + (regimen.cycle_off_days or 0)
    return (day - regimen.anchor_on).days % length + 1


def _require_status(med: Medication, status: MedicationStatus, message) -> None:
    if med.status is not status:
        raise Conflict(str(message), med)


def change_starts_at(client: User, day: date, now: datetime) -> datetime:
    """When a change "from <day>" begins: that day's start, or now for today, so doses
    already logged today keep the version they were taken under. Changes can't be back-dated
    for the same reason."""
    today = schedule.local_today(client, now)
    if day < today:
        raise FieldError("effective_on", _l("Choose today or a later date."))
    return now if day == today else schedule.start_of_local_day(day, client.timezone)


def pause(db: Session, client: User, med: Medication, now: datetime, note: str = "") -> None:
    schedule.mark_stops_that_came(db, client, now)
    _require_status(med, MedicationStatus.ACTIVE, _l("Only an active medication can be paused."))
    _new_version(db, client, med, RegimenChange.PAUSE, now, now, note=note)
    med.status = MedicationStatus.PAUSED


def resume(db: Session, client: User, med: Medication, now: datetime) -> None:
    schedule.mark_stops_that_came(db, client, now)
    _require_status(med, MedicationStatus.PAUSED, _l("Only a paused medication can be resumed."))
    _new_version(db, client, med, RegimenChange.RESUME, now, now)
    med.status = MedicationStatus.ACTIVE


def stop(db: Session, client: User, med: Medication, ended_on: date, reason: str,
         now: datetime) -> None:
    """Stop taking ``med`` after ``ended_on``. Today or earlier ends the schedule now; a later
    date is the last day taken: the medication stays active (or paused) with its doses and
    reminders until that day has passed, then the planner marks it stopped. A stop still to
    come can be moved, earlier or later."""
    schedule.mark_stops_that_came(db, client, now)
    if med.status is MedicationStatus.STOPPED:
        raise Conflict(str(_l("This medication is already stopped.")), med)
    if ended_on < med.started_on:
        raise FieldError("ended_on", _l("The stop date can't be before the start date."))
    end = schedule.start_of_local_day(ended_on + timedelta(days=1), client.timezone) \
        if ended_on > schedule.local_today(client, now) else now
    ends, last_day = stop_ahead(med), med.ended_on
    if ends is not None and end > ends:  # a stop to come, moved later: the last version goes on
        last = version_at(med, ends - timedelta(microseconds=1))
        last.valid_to = end
        last.planned_through = min(last.planned_through or last_day, last_day)
    _replace_from(db, med, end)
    med.ended_on, med.end_reason = ended_on, reason.strip()
    if end <= now:
        med.status = MedicationStatus.STOPPED
    schedule.plan_doses(db, client, now)


def refill(med: Medication, units: Decimal) -> None:
    med.units_on_hand = (med.units_on_hand or Decimal(0)) + units


def daily_use(regimen: Regimen) -> Decimal:
    """Units used on an average day by a fixed schedule (as-needed use is unknown: 0)."""
    if regimen.as_needed or regimen.is_paused or not regimen.times:
        return Decimal(0)
    per_day = len(regimen.times)
    if regimen.schedule_kind == "every_days":
        return regimen.amount * per_day / (regimen.interval_days or 1)
    if regimen.schedule_kind == "cycle":
        on, off = regimen.cycle_on_days or 1, regimen.cycle_off_days or 0
        return regimen.amount * per_day * on / (on + off)
    week = [date(2024, 1, 1) + timedelta(days=n) for n in range(7)]  # a Monday to Sunday
    return sum(schedule.amount_on(regimen, day) * per_day for day in week
               if schedule.is_dose_day(regimen, day)) / 7


def runs_out_on(med: Medication, client: User, now: datetime) -> date | None:
    """The day the supply is expected to run out, if it is tracked and the schedule uses it.

    Today's version is used up to the day a scheduled change begins, that version from then
    on (a dose going up from next week empties the pack sooner), and none after the last day
    of a stop dated ahead."""
    if med.units_on_hand is None or med.status is not MedicationStatus.ACTIVE:
        return None
    zone = ZoneInfo(client.timezone)
    today = schedule.local_today(client, now)
    dosing = dosing_on(med, client, today, now)
    # Each version with its first local day: today's, then every change still to come.
    steps = [(dosing.regimen, today)] + [(r, r.valid_from.astimezone(zone).date())
                                         for r in dosing.scheduled]
    stops = med.ended_on + timedelta(days=1) if med.ended_on else None
    left = max(med.units_on_hand, Decimal(0))
    for index, (regimen, first) in enumerate(steps):
        until = steps[index + 1][1] if index + 1 < len(steps) else stops
        per_day = daily_use(regimen)
        if per_day > 0 and (until is None or left < per_day * (until - first).days):
            return first + timedelta(days=int(left / per_day))
        if until is not None:
            left -= per_day * (until - first).days
    return None
