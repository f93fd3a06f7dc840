"""The record tells the truth across time, devices and connectivity: a stateful model-based
test (issue 11). Hypothesis drives a client's record through ``tests.record_model.Record``
(medications, dose changes effective yesterday, today or later, pause, resume, stop, step
plans (create, hold, step back, pause, resume), logging, undo, editing a time, travel between zones, partial check-ins from two devices, the clock
moving across DST days) and keeps a plain reference model of what the client asked for. After
every step it checks:

(a) at most one planned dose per regimen slot (medication + scheduled local time + zone) and
    local day;
(b) every read model (the medications API and page, Today, the appointment summary, the
    therapist's shared record and prescriber update, the FHIR export) shows as current the
    version in force now;
(c) no dose event or check-in value is lost or altered except by an explicit edit or delete;
(d) a zone change leaves every past event's local time and on-time status unchanged;
(e) every slot of every active regimen in the next 48 hours is planned exactly once, no
    unlogged dose ahead belongs to anything else, and a zone change creates none already due;
(f) no check-in field goes from a value to empty without an explicit clear;
(g) each step of a step plan has the first day the reference model gives it, and has begun
    (its version is in force or was) exactly when the model says.
(h) an as-needed dose taken under a version with a follow-up delay asks "did it help?" at its
    (corrected) time plus that delay, never before it, keeps its answer, and Today asks exactly
    about the unanswered ones whose time came in the last day; a least interval only warns;
(i) with a phone subscribed (the worker's tick runs as the clock moves): follow-up reminders
    only for such doses, one per dose and phone, at the follow-up time; none sent before it
    or after the answer; nothing due left pending; each unanswered one ahead is planned, and
    still pending while its time is ahead (a pause and resume before it leaves it to be sent);
    none is sent when its medication was paused at its time (Today asks).

The reference model's rules, where the app had to choose: a decision from moment E on (a
change, pause, resume, stop) replaces whatever was scheduled from E on; a change "from today"
starts now, one from a later day at that day's start in the zone of the moment it was made; a
stop dated ahead leaves the medication active (or paused) until its last day has passed and
stays when a change, pause or resume comes before it (a change after it is refused); a
new medication is tracked from the start of the day it was added; a check-in save sets the
fields it names (None clears), leaves the others alone, and is refused when it names no value
and no check-in exists that day; when two devices changed one field, either write may win.
A step plan's steps are decisions from each step's first day (today: now), with the amount of
the step and the strength and times in force then; hold and pause remove what was to come
after now (a stop dated ahead stays); step back is a decision from now with the previous
step's amount, after which an active plan schedules the step stepped back from again one
interval after today; resume schedules the steps to come, shifted by the days paused and at
the earliest tomorrow. A decision replaces the plan's steps it comes before.

Profiles: ``record`` (seeded, 30 sequences of up to 25 steps; ``make test``), ``record-soak``
(1000 random sequences of up to 60 steps; ``make soak``, TEND_RECORD_PROFILE=soak) and
``record-explore`` (TEND_RECORD_PROFILE=explore: random, unshrunk, for a quick look at a new
failure). TEND_RECORD_EXAMPLES overrides the number of sequences."""
import os
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import HealthCheck, Phase, settings, strategies as st
from hypothesis.stateful import (RuleBasedStateMachine, initialize, invariant, precondition,
                                 rule, run_state_machine_as_test)

from models.medication import HELPED_ANSWERS
from models import ReminderStatus
from tests.push_receiver import PushReceiver
from tests.record_model import (CHECKIN_FIELDS, TRAVEL_MODES, Record, Refused, local_day,
                                local_moment, start_of_day)

UTC = timezone.utc
HORIZON = timedelta(hours=48)
ON_TIME = timedelta(hours=1)

settings.register_profile(
    "record", max_examples=int(os.environ.get("TEND_RECORD_EXAMPLES", 30)),
    stateful_step_count=25, derandomize=True, database=None, deadline=None, print_blob=False,
    report_multiple_bugs=False,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.filter_too_much])
settings.register_profile(
    "record-soak", parent=settings.get_profile("record"),
    max_examples=int(os.environ.get("TEND_RECORD_EXAMPLES", 1000)), stateful_step_count=60,
    derandomize=False)
settings.register_profile(  # while developing: every distinct failure, unshrunk
    "record-explore", parent=settings.get_profile("record"), report_multiple_bugs=True,
    phases=[Phase.generate], derandomize=False)
PROFILE = {"soak": "record-soak", "explore": "record-explore"}.get(
    os.environ.get("TEND_RECORD_PROFILE"), "record")

# Zones with DST on both hemispheres, a half-hour DST, and the ±12 h edges of the map.
ZONES = ["Europe/Amsterdam", "America/New_York", "Asia/Tokyo", "Pacific/Auckland",
         "Australia/Lord_Howe", "Pacific/Kiritimati", "Etc/GMT+12", "Asia/Kolkata"]
# Starting moments just before the 2026 DST days: US spring (8 Mar), EU spring (29 Mar),
# Auckland autumn (5 Apr), Auckland spring (27 Sep), EU autumn (25 Oct), US autumn (1 Nov).
START_DAYS = [date(2026, 3, 7), date(2026, 3, 28), date(2026, 4, 4), date(2026, 9, 26),
              date(2026, 10, 24), date(2026, 10, 31)]
NAMES = ["Sertraline", "Lithium", "Quetiapine", "Melatonin"]
STRENGTHS = [25, 50, 75, 100, 150, 200]
TIMES = ["00:30", "01:30", "02:30", "07:00", "08:00", "09:00", "13:00", "20:00", "23:30"]
# A plan's amounts per dose: tapers and titrations of two or three steps.
PLAN_STEPS = [(Decimal("0.75"), Decimal("0.5")), (Decimal("0.75"), Decimal("0.5"), Decimal("0.25")),
              (Decimal("1.5"), Decimal(2)), (Decimal("1.5"), Decimal(2), Decimal("2.5"))]
STEPS = [timedelta(minutes=5), timedelta(minutes=55), timedelta(hours=3), timedelta(hours=7),
         timedelta(hours=11), timedelta(days=1), timedelta(days=2)]

FOLLOW_UPS = st.sampled_from([None, 30, 60, 240])     # Regimen.follow_up_minutes
MIN_INTERVALS = st.sampled_from([None, 60, 240])     # Regimen.min_interval_minutes
FOLLOW_UP_WINDOW = timedelta(hours=3)                # a follow-up reminder's (kinds.follow_up)
FOLLOW_UP_KEPT = timedelta(hours=24)                 # Today asks for a day (doses.FOLLOW_UP_KEPT)
PLANNING_HORIZON = timedelta(hours=6)                # the worker's pass (planner.HORIZON)

schedules = st.one_of(st.none(), st.lists(st.sampled_from(TIMES), min_size=1, max_size=3,
                                          unique=True).map(sorted))


def checkin_value(name: str, n: int):
    if name == "sleep_hours":
        return Decimal(n) + Decimal("2.5")
    if name == "note":
        return f"note {n}"
    return n


# A partial check-in: up to four fields, each set to a value or explicitly cleared (None).
checkin_values = st.lists(
    st.tuples(st.sampled_from(CHECKIN_FIELDS), st.one_of(st.none(), st.integers(1, 5))),
    max_size=4, unique_by=lambda item: item[0]).map(
    lambda items: {name: None if n is None else checkin_value(name, n) for name, n in items})


# --- The reference model -------------------------------------------------------------------

@dataclass(frozen=True)
class Version:
    start: datetime
    strength: int
    times: tuple[str, ...] | None  # None: as needed
    active: bool = True            # False: paused or stopped from ``start``
    amount: Decimal = Decimal(1)   # per dose: a plan's steps change it
    follow_up: int | None = None     # as needed: minutes to "did it help?" (None: not asked)
    min_interval: int | None = None  # as needed: the least minutes between doses


@dataclass
class Step:
    ordinal: int
    amount: Decimal
    day: date                       # its first day
    begins: datetime | None = None  # when its version begins; None: not scheduled


@dataclass
class Plan:
    id: int
    steps: list[Step]
    interval: int
    amount_before: Decimal
    status: str = "active"          # "active", "paused" or "held"
    paused_on: date | None = None

    def current(self, now: datetime) -> Step | None:
        return next((s for s in reversed(self.steps)
                     if s.begins is not None and s.begins <= now), None)

    def to_come(self, now: datetime) -> list[Step]:
        current = self.current(now)
        return [s for s in self.steps if current is None or s.ordinal > current.ordinal]


@dataclass
class Med:
    id: int
    name: str
    versions: list[Version]
    decided: str = "active"  # "active", "paused" or "stopped": the last pause, resume or stop
    last_day: date | None = None     # a stop's last day
    stops_at: datetime | None = None  # the end of that day, for a stop dated ahead
    plans: list[Plan] = field(default_factory=list)

    def status(self, today: date) -> str:
        """A stop dated ahead leaves the medication active (or paused) until its last day has
        passed (in the client's zone of the moment); then it is stopped for good."""
        return "stopped" if self.last_day is not None and today > self.last_day \
            else self.decided

    def settle(self, today: date) -> None:
        """What the planner does as time passes (and after a move): a stop whose last day has
        passed is final, even if a move west makes that day come round again."""
        self.decided = self.status(today)

    def decide(self, version: Version) -> None:
        """From ``version.start`` on, this replaces whatever was planned, except a stop dated
        ahead: that stays."""
        kept = [v for v in self.versions if v.start < version.start] + [version]
        if self.stops_at is not None:
            kept.append(replace(version, start=self.stops_at, active=False))
        self.versions = kept
        self.unschedule_steps(lambda begins: begins >= version.start)

    def unschedule_steps(self, replaced) -> None:
        for plan in self.plans:
            for step in plan.steps:
                if step.begins is not None and replaced(step.begins):
                    step.begins = None

    def keep_current(self, now: datetime) -> None:
        """Hold or pause a plan: what was to come after now goes, a stop dated ahead stays
        (ending the version in force now)."""
        current = self.at(now)
        self.versions = [v for v in self.versions if v.start <= now]
        if self.stops_at is not None and self.stops_at > now:
            self.versions.append(replace(current, start=self.stops_at, active=False))
        self.unschedule_steps(lambda begins: begins > now)

    def open_plan(self) -> Plan | None:
        return next((p for p in self.plans if p.status in ("active", "paused")), None)

    def at(self, moment: datetime) -> Version:
        started = [v for v in self.versions if v.start <= moment]
        return started[-1] if started else self.versions[0]

    @property
    def scheduled(self) -> bool:
        return self.versions[0].times is not None


@dataclass
class LoggedDose:
    medication_id: int
    planned_id: int | None
    status: str
    occurred_at: datetime
    strength: int | None = None  # of the version the dose was planned under when logged
    follow_up: int | None = None  # as needed: minutes after it "did it help?" is asked
    helped: str | None = None
    answered_at: datetime | None = None

    @property
    def follow_up_at(self) -> datetime | None:
        return None if self.follow_up is None else \
            self.occurred_at + timedelta(minutes=self.follow_up)


@dataclass
class Device:
    """The second phone: what it last saw of each day's check-in, and what it saved offline."""
    seen: dict = field(default_factory=dict)
    queue: list = field(default_factory=list)  # (day, values, base)


def pick(items, n):
    return items[n % len(items)] if items else None


def half_spacing(times: tuple[str, ...]) -> timedelta:
    """Half the shortest time between two consecutive doses of a daily schedule."""
    minutes = sorted(int(t[:2]) * 60 + int(t[3:]) for t in times)
    gaps = [b - a for a, b in zip(minutes, minutes[1:])] + [minutes[0] + 1440 - minutes[-1]]
    return timedelta(minutes=min(gaps)) / 2


class RecordMachine(RuleBasedStateMachine):
    app = clock = receiver = None  # set by the test that runs the machine

    def __init__(self):
        super().__init__()
        self.record: Record | None = None
        self.meds: dict[int, Med] = {}
        self.events: dict[int, LoggedDose] = {}
        self.checkins: dict[date, dict] = {}
        self.maybe: dict[tuple[date, str], set] = {}  # fields two devices wrote at once
        self.device_b = Device()
        # Slots a move left unplanned by schedule rule 3: too soon after the last dose.
        self.spaced_out: set[tuple] = set()
        # Read models are re-read only after a step that can change what they show.
        self.shown_may_change = True
        self.reminders_ran = False  # the worker's tick ran in the last step
        self.follow_ups_may_change = False  # Today's "did it help?" is re-read after such a step
        self.delivered_checked: set[int] = set()  # follow-up reminders whose send was checked

    # --- set-up ---------------------------------------------------------------------

    @initialize(zone=st.sampled_from(ZONES), day=st.sampled_from(START_DAYS),
                hour=st.integers(0, 23))
    def start(self, zone, day, hour):
        self.record = Record(self.app, self.clock, zone, datetime.combine(
            day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=hour))

    @property
    def now(self) -> datetime:
        return self.record.now

    def zone(self) -> str:
        return self.record.zone

    def today(self) -> date:
        return self.record.today()

    def names(self) -> dict[int, str]:
        return {med.id: med.name for med in self.meds.values()}

    # --- medications ---------------------------------------------------------------

    @precondition(lambda self: len(self.meds) < len(NAMES))
    @rule(strength=st.sampled_from(STRENGTHS), times=schedules, follow_up=FOLLOW_UPS,
          min_interval=MIN_INTERVALS)
    def add_medication(self, strength, times, follow_up, min_interval):
        self.shown_may_change = True
        name = NAMES[len(self.meds)]
        if times:
            follow_up = min_interval = None
        med_id = self.record.add_medication(name, strength, times, follow_up, min_interval)
        start = start_of_day(self.today(), self.zone())
        self.meds[med_id] = Med(med_id, name, [Version(start, strength,
                                                       tuple(times) if times else None,
                                                       follow_up=follow_up,
                                                       min_interval=min_interval)])

    @precondition(lambda self: self.meds)
    @rule(n=st.integers(0, 3), strength=st.sampled_from(STRENGTHS), times=schedules,
          days_ahead=st.sampled_from([-1, 0, 1, 2]), follow_up=FOLLOW_UPS,
          min_interval=MIN_INTERVALS)
    def change_dose(self, n, strength, times, days_ahead, follow_up, min_interval):
        """A new dose; as needed also a new follow-up delay and least interval (a logged
        dose keeps the follow-up moment it was given)."""
        self.shown_may_change = True
        med = pick(list(self.meds.values()), n)
        times = None if not med.scheduled else tuple(times or ("08:00",))
        if times:
            follow_up = min_interval = None
        day = self.today() + timedelta(days=days_ahead)
        start = self.now if days_ahead == 0 else start_of_day(day, self.zone())
        status = med.status(self.today())
        after_stop = med.stops_at is not None and start >= med.stops_at
        try:
            self.record.change_dose(med.id, strength, times and list(times), day, follow_up,
                                    min_interval)
        except Refused as refused:
            assert days_ahead < 0 or status != "active" or after_stop, \
                f"change refused: {refused}"
            return
        assert days_ahead >= 0, "a dose change effective yesterday was accepted"
        assert status == "active", f"a {status} medication's dose was changed"
        assert not after_stop, "a dose change after the last day of a stop was accepted"
        med.decide(Version(start, strength, times, follow_up=follow_up,
                           min_interval=min_interval))

    @precondition(lambda self: self.meds)
    @rule(n=st.integers(0, 3))
    def pause(self, n):
        self.shown_may_change = True
        med = pick(list(self.meds.values()), n)
        status = med.status(self.today())
        try:
            self.record.pause(med.id)
        except Refused:
            assert status != "active", "pausing an active medication was refused"
            return
        assert status == "active", f"a {status} medication was paused"
        med.decide(replace(med.at(self.now), start=self.now, active=False))
        med.decided = "paused"

    @precondition(lambda self: self.meds)
    @rule(n=st.integers(0, 3))
    def resume(self, n):
        self.shown_may_change = True
        med = pick(list(self.meds.values()), n)
        status = med.status(self.today())
        try:
            self.record.resume(med.id)
        except Refused:
            assert status != "paused", "resuming a paused medication was refused"
            return
        assert status == "paused", f"a {status} medication was resumed"
        med.decide(replace(med.at(self.now), start=self.now, active=True))
        med.decided = "active"
        self.reminders_ran = self.record.device is not None  # a resume plans them at once

    @precondition(lambda self: self.meds)
    @rule(n=st.integers(0, 3), days_ahead=st.sampled_from([-1, 0, 1, 3]))
    def stop(self, n, days_ahead):
        self.shown_may_change = True
        med = pick(list(self.meds.values()), n)
        ended_on = self.today() + timedelta(days=days_ahead)
        status = med.status(self.today())
        try:
            self.record.stop(med.id, ended_on)
        except Refused:
            assert status == "stopped", "stopping a medication was refused"
            return
        assert status != "stopped", "a stopped medication was stopped again"
        end = start_of_day(ended_on + timedelta(days=1), self.zone()) if days_ahead > 0 \
            else self.now
        if med.stops_at is not None:  # a stop dated ahead, moved: this one replaces it
            med.versions = [v for v in med.versions if v.start < med.stops_at]
            med.stops_at = None
        # A stopped medication shows the dose it was last taken at: the version in force just
        # before the end, not one that would have begun at that very moment.
        med.decide(replace(med.at(end - timedelta(microseconds=1)), start=end, active=False))
        med.last_day = ended_on
        if days_ahead > 0:
            med.stops_at = end  # active (or paused) until then
        else:
            med.decided = "stopped"

    # --- step plans ---------------------------------------------------------------------

    def step_start(self, day: date) -> datetime:
        return self.now if day == self.today() else start_of_day(day, self.zone())

    def schedule_steps(self, med: Med, steps: list[Step]) -> None:
        for step in steps:
            start = self.step_start(step.day)
            med.decide(replace(med.at(start), start=start, amount=step.amount, active=True))
            step.begins = start

    def steps_after_stop(self, med: Med, days: list[date]) -> bool:
        return med.stops_at is not None and any(self.step_start(day) >= med.stops_at
                                                for day in days)

    @precondition(lambda self: self.meds)
    @rule(n=st.integers(0, 3), amounts=st.sampled_from(PLAN_STEPS),
          days_ahead=st.sampled_from([0, 1]), interval=st.sampled_from([1, 2]))
    def create_plan(self, n, amounts, days_ahead, interval):
        self.shown_may_change = True
        med = pick(list(self.meds.values()), n)
        first = self.today() + timedelta(days=days_ahead)
        days = [first + timedelta(days=interval * k) for k in range(len(amounts))]
        status = med.status(self.today())
        refused_for = [reason for reason, applies in [
            ("not active", status != "active"), ("as needed", not med.scheduled),
            ("a plan under way", med.open_plan() is not None),
            ("a step after the stop", self.steps_after_stop(med, days))] if applies]
        try:
            plan_id = self.record.create_plan(med.id, list(amounts), first, interval)
        except Refused as refused:
            assert refused_for, f"a plan was refused: {refused}"
            return
        assert not refused_for, f"a plan was accepted for a medication with {refused_for}"
        plan = Plan(plan_id, [Step(k + 1, amount, day) for k, (amount, day)
                              in enumerate(zip(amounts, days))], interval,
                    med.at(self.step_start(first)).amount)
        med.plans.append(plan)
        self.schedule_steps(med, plan.steps)

    def plans(self):
        return [(med, plan) for med in self.meds.values() for plan in med.plans]

    @precondition(lambda self: self.plans())
    @rule(n=st.integers(0, 7))
    def hold_plan(self, n):
        self.shown_may_change = True
        med, plan = pick(self.plans(), n)
        try:
            self.record.hold_plan(plan.id)
        except Refused:
            assert plan.status == "held", "holding a plan under way was refused"
            return
        assert plan.status != "held", "a held plan was held again"
        med.keep_current(self.now)
        plan.status, plan.paused_on = "held", None

    @precondition(lambda self: self.plans())
    @rule(n=st.integers(0, 7))
    def pause_plan(self, n):
        self.shown_may_change = True
        med, plan = pick(self.plans(), n)
        can = plan.status == "active" and plan.to_come(self.now)
        try:
            self.record.pause_plan(plan.id)
        except Refused:
            assert not can, "pausing a plan with steps to come was refused"
            return
        assert can, f"a {plan.status} plan with nothing to come was paused"
        med.keep_current(self.now)
        plan.status, plan.paused_on = "paused", self.today()

    @precondition(lambda self: self.plans())
    @rule(n=st.integers(0, 7))
    def resume_plan(self, n):
        self.shown_may_change = True
        med, plan = pick(self.plans(), n)
        today = self.today()
        remaining = plan.to_come(self.now)
        days = []
        if plan.status == "paused" and remaining:
            first = max(remaining[0].day + (today - plan.paused_on), today + timedelta(days=1))
            days = [first + timedelta(days=plan.interval * k) for k in range(len(remaining))]
        can = plan.status == "paused" and med.status(today) == "active" \
            and not self.steps_after_stop(med, days)
        try:
            self.record.resume_plan(plan.id)
        except Refused:
            assert not can, "resuming a paused plan was refused"
            return
        assert can, f"a {plan.status} plan was resumed ({med.status(today)} medication)"
        for step, day in zip(remaining, days):
            step.day = day
        self.schedule_steps(med, remaining)
        plan.status, plan.paused_on = "active", None

    @precondition(lambda self: self.plans())
    @rule(n=st.integers(0, 7))
    def step_back(self, n):
        self.shown_may_change = True
        med, plan = pick(self.plans(), n)
        today, current = self.today(), plan.current(self.now)
        again = [s for s in plan.steps if current is not None and s.ordinal >= current.ordinal] \
            if plan.status == "active" else []
        days = [today + timedelta(days=plan.interval * (k + 1)) for k in range(len(again))]
        can = plan.status in ("active", "held") and current is not None \
            and med.status(today) == "active" and not self.steps_after_stop(med, days)
        try:
            self.record.step_back(plan.id)
        except Refused as refused:
            assert not can, f"stepping back was refused: {refused}"
            return
        assert can, "stepping back was accepted with no step to go back from"
        previous = next((s for s in plan.steps if s.ordinal == current.ordinal - 1), None)
        med.decide(replace(med.at(self.now), start=self.now, active=True,
                           amount=previous.amount if previous else plan.amount_before))
        current.begins = None
        if previous is not None:
            previous.begins = self.now
        for step, day in zip(again, days):
            step.day = day
        self.schedule_steps(med, again)

    # --- doses ------------------------------------------------------------------------

    def loggable(self):
        """Unlogged planned doses of yesterday, today and tomorrow (taking one early is fine)."""
        today = self.today()
        return [p for p in self.record.planned_doses() if p.event_id is None
                and today - timedelta(days=1) <= p.local_date <= today + timedelta(days=1)]

    @precondition(lambda self: self.meds)
    @rule(n=st.integers(0, 50), taken=st.booleans(), minutes_ago=st.sampled_from([0, 20, 95]))
    def log_dose(self, n, taken, minutes_ago):
        planned = pick(self.loggable(), n)
        if planned is None:
            return
        taken_at = self.now - timedelta(minutes=minutes_ago)
        event_id = self.record.log_planned(planned.id, taken, taken_at)
        self.events[event_id] = LoggedDose(
            planned.medication_id, planned.id, "taken" if taken else "skipped",
            taken_at if taken else planned.due_at,
            self.meds[planned.medication_id].at(planned.due_at).strength)

    @precondition(lambda self: any(not m.scheduled for m in self.meds.values()))
    @rule(n=st.integers(0, 3), minutes_ago=st.sampled_from([0, 30]), note=st.booleans())
    def take_as_needed(self, n, minutes_ago, note):
        """One tap on Today (or a time and a note): recorded whatever the least interval
        says, with the follow-up delay of the version in force when it was taken."""
        med = pick([m for m in self.meds.values() if not m.scheduled], n)
        taken_at = self.now - timedelta(minutes=minutes_ago)
        version = med.at(taken_at)
        sooner = {i for i, e in self.events.items() if e.medication_id == med.id
                  and e.status == "taken" and version.min_interval is not None
                  and taken_at - timedelta(minutes=version.min_interval) < e.occurred_at
                  <= taken_at}
        logged = self.record.log_as_needed(med.id, taken_at, "couldn't sleep" if note else "")
        # A warning at most: the dose is recorded (invariant (c) finds it), and the warning
        # names a dose taken within the least interval before, exactly when there is one.
        assert (logged.sooner_than_planned_after is None) == (not sooner), (
            f"(h) {med.name} taken at {taken_at:%Y-%m-%d %H:%M} UTC, least interval "
            f"{version.min_interval} min: warned about {logged.sooner_than_planned_after}, "
            f"doses within it: {sorted(sooner)}")
        assert logged.sooner_than_planned_after in sooner | {None}
        self.events[logged.event_id] = LoggedDose(med.id, None, "taken", taken_at,
                                                  follow_up=version.follow_up)
        self.follow_ups_may_change = version.follow_up is not None

    def follow_up_events(self, answered=None) -> list[int]:
        return sorted(i for i, e in self.events.items() if e.follow_up is not None
                      and (answered is None or (e.helped is not None) == answered))

    @precondition(lambda self: self.follow_up_events())
    @rule(n=st.integers(0, 50), answer=st.sampled_from(HELPED_ANSWERS))
    def answer_did_it_help(self, n, answer):
        """Before or after its time, first answer or a changed one."""
        event_id = pick(self.follow_up_events(), n)
        self.record.answer_follow_up(event_id, answer)
        self.events[event_id].helped, self.events[event_id].answered_at = answer, self.now
        self.follow_ups_may_change = True

    def teardown(self):
        """After each sequence (hypothesis calls it): the record's reminder dispatcher."""
        if self.record is not None:
            self.record.close()

    @precondition(lambda self: self.record is not None and self.record.device is None)
    @rule()
    def subscribe_phone(self):
        """From now on the reminder worker plans and sends to this phone as time passes."""
        self.record.subscribe(self.receiver)
        self.reminders_ran = True

    @precondition(lambda self: self.events)
    @rule(n=st.integers(0, 50))
    def undo(self, n):
        event_id = pick(sorted(self.events), n)
        self.record.undo(event_id)
        self.follow_ups_may_change = self.events.pop(event_id).follow_up is not None

    @precondition(lambda self: any(e.status == "taken" for e in self.events.values()))
    @rule(n=st.integers(0, 50), minutes_ago=st.sampled_from([0, 10, 70, 200]))
    def edit_time(self, n, minutes_ago):
        event_id = pick(sorted(i for i, e in self.events.items() if e.status == "taken"), n)
        taken_at = self.now - timedelta(minutes=minutes_ago)
        self.record.edit_time(event_id, taken_at)
        self.events[event_id].occurred_at = taken_at
        self.follow_ups_may_change = self.events[event_id].follow_up is not None

    # --- time and place ---------------------------------------------------------------

    @rule(step=st.sampled_from(STEPS))
    def advance_clock(self, step):
        self.shown_may_change = True
        self.record.advance(step)
        self.reminders_ran = self.record.device is not None
        self.follow_ups_may_change = bool(self.follow_up_events())
        for med in self.meds.values():
            med.settle(self.today())

    @rule(zone=st.sampled_from(ZONES), mode=st.sampled_from(TRAVEL_MODES))
    def change_timezone(self, zone, mode):
        self.shown_may_change = True
        if zone == self.zone():
            return
        first = min([local_day(e.occurred_at, self.zone()) for e in self.events.values()],
                    default=self.today())
        shown_before = self.record.shown_dose_events(first - timedelta(days=1))
        late_before = self.record.late_in_api(first - timedelta(days=2),
                                              self.today() + timedelta(days=1))
        rows_before = self.record.planned_doses()
        planned_before = {p.id for p in rows_before}
        last_came = self.last_dose_that_came(rows_before)
        moved = mode == "follow_local"
        self.record.set_timezone(zone, mode)
        if moved:
            self.spaced_out |= {
                key for key, moment in self.expected_slots().items()
                if moment > self.now and key[0] in last_came
                and moment - last_came[key[0]] < half_spacing(self.meds[key[0]].at(moment).times)}
        for med in self.meds.values():
            med.settle(self.today())
        # (d) the past keeps its local time and its on-time status.
        shown_after = self.record.shown_dose_events(first - timedelta(days=2))
        for event_id, before in shown_before.items():
            assert shown_after.get(event_id) == before, (
                f"(d) after moving to {zone}, dose event {event_id} shows as "
                f"{shown_after.get(event_id)} instead of {before} (time shown, late)")
        late_after = self.record.late_in_api(first - timedelta(days=2),
                                             self.today() + timedelta(days=1))
        for event_id, late in late_before.items():
            assert late_after.get(event_id) == late, \
                f"(d) after moving to {zone}, dose event {event_id}'s late flag changed"
        # (e) nothing planned already due at the moment of the move.
        for p in self.record.planned_doses():
            assert p.id in planned_before or p.event_id is not None or p.due_at > self.now, (
                f"(e) moving to {zone} at {self.now:%Y-%m-%d %H:%M} UTC planned "
                f"{self.meds[p.medication_id].name} {p.local_date} {p.local_time} "
                f"({p.timezone}) already past due")

    # --- check-ins from two devices -------------------------------------------------

    def _expect_saved(self, day, values) -> bool:
        """False when the save must be refused: the day's check-in would hold nothing."""
        after = {**self.checkins.get(day, {}), **values}
        return any(v is not None for v in after.values())

    @rule(days_ago=st.sampled_from([0, 1]), values=checkin_values)
    def checkin_on_device_a(self, days_ago, values):
        day = self.today() - timedelta(days=days_ago)
        base = dict(self.checkins.get(day) or {}) or None
        self._save(day, values, base, device_b=False)

    @rule(values=checkin_values.filter(lambda v: any(x is not None for x in v.values())))
    def checkin_offline_on_device_b(self, values):
        """Device B, offline, saves a check-in for today from what it last saw."""
        day = self.today()
        self.device_b.queue.append((day, values, self.device_b.seen.get(day), self.zone()))

    @precondition(lambda self: self.device_b.queue)
    @rule()
    def device_b_syncs(self):
        queue, self.device_b.queue = self.device_b.queue, []
        for day, values, base, zone in queue:
            self._save(day, values, base, device_b=True, entered_in=zone)
        self.device_b.seen = {day: dict(values) for day, values in self.checkins.items()}

    def _save(self, day, values, base, device_b, entered_in=None):
        try:
            self.record.save_checkin(day, values, base, entered_in)
        except Refused:
            # Device B's edit may lose to a later one from A, which can leave nothing to save.
            contested = device_b and any((base or {}).get(name) != self.checkins.get(day, {})
                                         .get(name) for name in values)
            assert contested or not self._expect_saved(day, values), \
                f"a check-in for {day} with {values} was refused"
            return
        assert self._expect_saved(day, values), \
            f"an empty check-in for {day} was saved ({values})"
        saved = self.checkins.setdefault(day, {name: None for name in CHECKIN_FIELDS})
        for name, value in values.items():
            if device_b and (base or {}).get(name) != saved[name] and value != saved[name]:
                # Both devices changed this field: either write may win.
                self.maybe[(day, name)] = {saved[name], value}
            saved[name] = value
        if device_b:
            actual = self.record.checkins().get(day, {})
            for name in values:
                if (day, name) in self.maybe and actual.get(name) in self.maybe[(day, name)]:
                    saved[name] = actual[name]
                self.maybe.pop((day, name), None)

    # --- invariants ---------------------------------------------------------------------

    def schedule_zone(self) -> str:
        return self.zone()  # follow local time: the only travel mode today

    def expected_slots(self) -> dict[tuple, datetime]:
        """(medication, local date, time, zone) -> moment, for every slot the reference model
        has planned from yesterday to three days ahead."""
        zone, today = self.schedule_zone(), self.today()
        slots = {}
        for med in self.meds.values():
            if not med.scheduled:
                continue
            for offset in range(-1, 4):
                day = today + timedelta(days=offset)
                for at in sorted({t for v in med.versions for t in v.times or ()}):
                    moment = local_moment(day, at, zone)
                    version = med.at(moment)
                    if version.active and at in version.times:
                        slots[(med.id, day, at, zone)] = moment
        return slots

    def last_dose_that_came(self, planned) -> dict[int, datetime]:
        """Per medication, when its last dose that was logged or whose time had come was
        taken (or was due): rule 3 spaces a move's first doses from it."""
        events, last = self.record.dose_events(), {}
        for p in planned:
            if p.event_id is None and p.due_at > self.now:
                continue
            event = events.get(p.event_id)
            came = event.occurred_at if event and event.status == "taken" else p.due_at
            last[p.medication_id] = max(came, last.get(p.medication_id, came))
        return last

    def kept_at_old_zone_time(self, p) -> bool:
        """A dose still ahead at the time of the zone it was planned in, whose slot's time in
        the client's zone has passed: going east, the dose the jump skipped over (schedule
        rule 2). Its version must still plan it then."""
        med, zone = self.meds[p.medication_id], self.schedule_zone()
        version = med.at(p.due_at)
        return p.timezone != zone and version.active and p.local_time in version.times \
            and local_moment(p.local_date, p.local_time, zone) <= self.now

    @invariant()
    def a_one_planned_dose_per_slot_and_day(self):
        if self.record is None:
            return
        seen = {}
        for p in self.record.planned_doses():
            key = (p.medication_id, p.local_date, p.local_time, p.timezone)
            assert key not in seen, (
                f"(a) {self.meds[p.medication_id].name} {p.local_date} {p.local_time} "
                f"({p.timezone}) is planned twice: {seen[key]} and {p}")
            seen[key] = p

    @invariant()
    def b_every_read_model_shows_the_version_in_force(self):
        if self.record is None or not self.meds or not self.shown_may_change:
            return
        self.shown_may_change = False
        names, now = self.names(), self.now
        expected = {med.id: Decimal(med.at(now).strength) for med in self.meds.values()}
        today_rows, as_needed = self.record.shown_in_api_today()
        shown = {"GET /api/v1/medications": self.record.shown_in_api_medications(),
                 "GET /api/v1/today (as needed)": as_needed,
                 "/medications": self.record.shown_on_medications_page(names),
                 "/appointment/summary": self.record.shown_in_summary(names),
                 "/my-data/tend-fhir.json": self.record.shown_in_fhir_export(names),
                 **self.record.shown_to_therapist(names)}
        amounts = {med.id: med.at(now).amount for med in self.meds.values()}
        for med_id, amount in self.record.amounts_in_api_medications().items():
            assert amount == amounts[med_id], (
                f"(b) GET /api/v1/medications shows {names[med_id]} at {amount} a dose at "
                f"{now:%Y-%m-%d %H:%M} UTC; the version in force has {amounts[med_id]}")
        for source, strengths in shown.items():
            for med_id, strength in strengths.items():
                assert strength == expected[med_id], (
                    f"(b) {source} shows {names[med_id]} {strength} mg at "
                    f"{now:%Y-%m-%d %H:%M} UTC; the version in force is {expected[med_id]} mg")
        due = {p.id: p.due_at for p in self.record.planned_doses()}
        for planned_id, med_id, strength in today_rows:
            med = self.meds[med_id]
            # A dose logged ahead keeps the version it was logged under, whatever came after.
            logged = {e.strength for e in self.events.values() if e.planned_id == planned_id}
            allowed = {Decimal(med.at(now).strength), Decimal(med.at(due[planned_id]).strength),
                       *(Decimal(x) for x in logged if x is not None)}
            assert strength in allowed, (
                f"(b) GET /api/v1/today shows {names[med_id]} {strength} mg for the dose due "
                f"{due[planned_id]:%Y-%m-%d %H:%M} UTC; in force: {sorted(allowed)} mg")

    @invariant()
    def g_every_plan_step_begins_as_planned(self):
        """(g) each step of a plan has the first day the model gave it, and has begun exactly
        when the model's version for it has."""
        if self.record is None:
            return
        for _, plan in self.plans():
            expected = [(s.ordinal, s.day, s.begins is not None and s.begins <= self.now)
                        for s in plan.steps]
            assert self.record.plan_steps(plan.id) == expected, (
                f"(g) plan {plan.id} steps are {self.record.plan_steps(plan.id)}, "
                f"expected {expected}")

    @invariant()
    def c_no_dose_event_lost_or_altered(self):
        if self.record is None:
            return
        actual = self.record.dose_events()
        assert set(actual) == set(self.events), (
            f"(c) dose events lost: {sorted(set(self.events) - set(actual))}, "
            f"appeared: {sorted(set(actual) - set(self.events))}")
        for event_id, logged in self.events.items():
            event = actual[event_id]
            assert (event.medication_id, event.planned_id, event.status, event.occurred_at) \
                == (logged.medication_id, logged.planned_id, logged.status,
                    logged.occurred_at), f"(c) dose event {event_id} changed: {event} vs {logged}"

    @invariant()
    def h_did_it_help_is_asked_once_at_its_time(self):
        """(h) an as-needed dose taken under a version with a follow-up delay is asked "did it
        help?" at its time plus that delay (never before it), keeps its answer, and Today asks
        exactly about those whose time has come in the last day and that have no answer."""
        if self.record is None:
            return
        now, actual = self.now, self.record.dose_events()
        for event_id, logged in self.events.items():
            event = actual[event_id]
            assert event.follow_up_at == logged.follow_up_at, (
                f"(h) dose {event_id} taken {event.occurred_at:%Y-%m-%d %H:%M} UTC asks "
                f"'did it help?' at {event.follow_up_at}, expected {logged.follow_up_at}")
            assert event.follow_up_at is None or event.follow_up_at >= event.occurred_at
            assert event.helped == logged.helped, \
                f"(h) dose {event_id}'s answer is {event.helped!r}, given {logged.helped!r}"
        if not self.follow_ups_may_change:
            return
        self.follow_ups_may_change = False
        due = sorted((e.follow_up_at, i) for i, e in self.events.items()
                     if e.follow_up is not None and e.helped is None
                     and e.follow_up_at <= now < e.follow_up_at + FOLLOW_UP_KEPT)
        shown = self.record.shown_follow_ups_on_today()
        assert sorted(shown) == sorted(i for _, i in due), (
            f"(h) Today at {now:%Y-%m-%d %H:%M} UTC asks 'did it help?' about doses {shown}; "
            f"due and unanswered: {due}")
        assert [self.events[i].follow_up_at for i in shown] == [at for at, _ in due], \
            f"(h) Today's follow-ups {shown} are not in the order of their time"

    @invariant()
    def i_follow_up_reminders_only_for_unanswered_doses(self):
        """(i) with a phone: a follow-up reminder exists only for a dose asked "did it help?",
        at that time, one per dose and phone; none is sent before its time or after the
        answer; after the worker's tick nothing due is left pending, and every unanswered
        follow-up of an active medication within the planning horizon has its reminder."""
        if self.record is None or self.record.device is None:
            return
        now, rows = self.now, self.record.follow_up_reminders()
        per_event = {}
        for r in rows:
            assert r.dose_event_id in self.events, \
                f"(i) follow-up reminder {r.id} is for dose {r.dose_event_id}, not in the record"
            logged = self.events[r.dose_event_id]
            assert logged.follow_up is not None, \
                f"(i) follow-up reminder {r.id} for dose {r.dose_event_id}, which asks nothing"
            key = (r.dose_event_id, r.subscription_id)
            assert key not in per_event, f"(i) two follow-up reminders for {key}"
            per_event[key] = r
            if r.status in (ReminderStatus.PENDING, ReminderStatus.CLAIMED) and \
                    self.reminders_ran:
                assert r.due_at == logged.follow_up_at, (
                    f"(i) follow-up reminder {r.id} is due {r.due_at:%Y-%m-%d %H:%M} UTC; dose "
                    f"{r.dose_event_id} asks at {logged.follow_up_at:%Y-%m-%d %H:%M} UTC")
                assert r.due_at > now, \
                    f"(i) follow-up reminder {r.id} due {r.due_at} is left {r.status} at {now}"
            if r.status == ReminderStatus.SENT and r.id not in self.delivered_checked:
                self.delivered_checked.add(r.id)
                assert r.sent_at >= logged.follow_up_at >= logged.occurred_at, (
                    f"(i) follow-up reminder {r.id} sent {r.sent_at}, before dose "
                    f"{r.dose_event_id}'s follow-up time {logged.follow_up_at}")
                assert self.meds[logged.medication_id].at(logged.follow_up_at).active, (
                    f"(i) follow-up reminder {r.id} sent {r.sent_at} for dose "
                    f"{r.dose_event_id}, whose medication was paused at its time")
                assert logged.answered_at is None or logged.answered_at > r.sent_at, (
                    f"(i) follow-up reminder {r.id} sent {r.sent_at} after dose "
                    f"{r.dose_event_id} was answered ({logged.answered_at})")
        delivered = self.record.delivered_follow_ups()
        assert len(delivered) == len(set(delivered)), \
            f"(i) the phone was asked twice about one dose: {sorted(delivered)}"
        if not self.reminders_ran:
            return
        self.reminders_ran = False
        for event_id, logged in self.events.items():
            med = self.meds[logged.medication_id]
            if logged.follow_up is not None and logged.helped is None \
                    and med.status(self.today()) == "active" and med.at(now).active \
                    and now - FOLLOW_UP_WINDOW < logged.follow_up_at <= now + PLANNING_HORIZON:
                assert any(key[0] == event_id for key in per_event), (
                    f"(i) dose {event_id}'s follow-up at {logged.follow_up_at:%Y-%m-%d %H:%M} "
                    f"UTC has no reminder at {now:%Y-%m-%d %H:%M} UTC")
                # Paused and resumed (or corrected) before its time: it is still to be sent.
                assert logged.follow_up_at <= now or all(
                    r.status == ReminderStatus.PENDING for key, r in per_event.items()
                    if key[0] == event_id), (
                    f"(i) dose {event_id}'s follow-up at {logged.follow_up_at:%Y-%m-%d %H:%M} "
                    f"UTC, still ahead at {now:%Y-%m-%d %H:%M} UTC, has reminders "
                    f"{[r.status for key, r in per_event.items() if key[0] == event_id]}")

    @invariant()
    def c_no_checkin_value_altered(self):
        if self.record is None:
            return
        actual = self.record.checkins()
        assert set(actual) == set(self.checkins), \
            f"(c) check-in days {sorted(actual)} instead of {sorted(self.checkins)}"
        for day, fields in self.checkins.items():
            for name, value in fields.items():
                if value is not None and actual[day][name] is not None:
                    assert actual[day][name] == value, \
                        f"(c) check-in {day} {name} is {actual[day][name]!r}, set to {value!r}"

    @invariant()
    def f_no_checkin_field_emptied_without_a_clear(self):
        if self.record is None:
            return
        actual = self.record.checkins()
        for day, fields in self.checkins.items():
            for name, value in fields.items():
                assert value is None or actual.get(day, {}).get(name) is not None, (
                    f"(f) check-in {day} {name} was {value!r} and is now empty, "
                    f"with no clear")
                assert value is not None or actual.get(day, {}).get(name) is None, \
                    f"(c) check-in {day} {name} was cleared and holds {actual[day][name]!r}"

    @invariant()
    def e_every_slot_ahead_planned_exactly_once(self):
        if self.record is None:
            return
        now, expected = self.now, self.expected_slots()
        planned = self.record.planned_doses()
        counts = {}
        for p in planned:
            key = (p.medication_id, p.local_date, p.local_time, p.timezone)
            counts[key] = counts.get(key, 0) + 1
            if p.event_id is None and p.due_at > now and not self.kept_at_old_zone_time(p):
                assert expected.get(key) == p.due_at, (
                    f"(e) {self.meds[p.medication_id].name} {p.local_date} {p.local_time} "
                    f"({p.timezone}) is planned ahead, but nothing in force plans it then")
        for key, moment in expected.items():
            if now < moment <= now + HORIZON and key not in self.spaced_out:
                med_id, day, at, zone = key
                assert counts.get(key, 0) == 1, (
                    f"(e) {self.meds[med_id].name} {day} {at} ({zone}) due "
                    f"{moment:%Y-%m-%d %H:%M} UTC is planned {counts.get(key, 0)} times")


def test_the_record_keeps_its_invariants(app, clock):
    """On SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""
    with PushReceiver(clock=clock) as receiver:
        machine = type("Machine", (RecordMachine,),
                       {"app": app, "clock": clock, "receiver": receiver})
        run_state_machine_as_test(machine, settings=settings.get_profile(PROFILE))
