"""The record as the state machine of ``test_record_invariants`` drives it: every operation a
client can do to their record, done through the service layer with the clock passed as ``now``,
and every read model it checks, read through the Flask test client as a person would see it.

This module is the only place the machine touches the application. When a service changes its
signature (a function for "the version in force on day D", a travel mode, a check-in ``base``),
only the function here that calls it changes; the machine and the examples stay as they are.

Writes commit like a request does; a refused write (``FieldError``/``Conflict``) rolls back and
raises ``Refused``. Reads return plain values (ids, dates, numbers, strings), never ORM objects,
so the machine's reference model compares like with like."""
import json
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from models import (CareLink, Category, CheckIn, DoseEvent, DoseStatus, Grant, LinkStatus,
                    MedicationKind, PlanKind, PlannedDose, PushSubscription, Reminder,
                    ReminderKind, Role, SkipReason, StepPlan, User, db)
from models.journal import CHECKIN_FIELDS as CHECKIN_VOCABULARY
from tend.reminders import outbox, planner
from tend.reminders.dispatcher import Dispatcher
from tend.services import doses, journal, medications, schedule, step_plans
from tend.services.errors import Conflict, FieldError
from tests.conftest import PASSWORD, Person, empty_all_tables, login

UTC = timezone.utc
CHECKIN_FIELDS = tuple(field.name for field in CHECKIN_VOCABULARY)
STARTED_ON = date(2026, 1, 1)
# Werkzeug's default scrypt takes ~0.1 s a login; the machine signs in twice per sequence.
_CHEAP_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
# The zones a client travels between (home zone first), and what a travel mode may be.
TRAVEL_MODES = ("follow_local", "keep_home")


class Refused(Exception):
    """The application refused the operation with a message for the person."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field


@dataclass(frozen=True)
class Planned:
    id: int
    medication_id: int
    local_date: date
    local_time: str  # "HH:MM"
    timezone: str
    due_at: datetime
    event_id: int | None


@dataclass(frozen=True)
class Event:
    id: int
    medication_id: int
    planned_id: int | None
    status: str  # "taken" / "skipped"
    occurred_at: datetime
    follow_up_at: datetime | None = None  # "did it help?" is asked then
    helped: str | None = None
    helped_at: datetime | None = None


@dataclass(frozen=True)
class FollowUpReminder:
    id: int
    dose_event_id: int | None
    subscription_id: int | None
    status: str
    due_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True)
class AsNeededLogged:
    event_id: int
    sooner_than_planned_after: int | None  # the earlier dose's id: the page says so


def local_moment(day: date, at: str, zone: str) -> datetime:
    """When a scheduled local time happens (the reading the app plans by: a time in a DST gap
    is the moment after the gap, a repeated time its first occurrence)."""
    return schedule.local_moment(day, time.fromisoformat(at), ZoneInfo(zone))


def start_of_day(day: date, zone: str) -> datetime:
    return schedule.start_of_local_day(day, zone)


def local_day(moment: datetime, zone: str) -> date:
    return moment.astimezone(ZoneInfo(zone)).date()


class Record:
    """One client's record on a fresh database, a therapist who may see its medications, and
    two signed-in browsers: the client's and the therapist's."""

    def __init__(self, app, clock, zone: str, now: datetime):
        self.app, self.clock = app, clock
        self._read: dict[str, object] = {}  # what the database held since the last request
        # A person who keeps using the app for weeks stays signed in (not what is tested here).
        app.config.update(TEND_SESSION_IDLE=timedelta(days=3650),
                          TEND_SESSION_ABSOLUTE=timedelta(days=3650))
        db.session.remove()
        empty_all_tables()
        clock.set(now)
        self.client_id = self._person("client@example.com", "Robin", Role.CLIENT, zone)
        self.therapist_id = self._person("therapist@example.com", "Dr Sam", Role.THERAPIST,
                                         "Europe/London")
        link = CareLink(client_id=self.client_id, supporter_id=self.therapist_id,
                        role=Role.THERAPIST, status=LinkStatus.ACTIVE, invitee_name="Dr Sam",
                        expires_at=now + timedelta(days=7), created_at=now - timedelta(days=30),
                        accepted_at=now - timedelta(days=29))
        link.grants = [Grant(category=Category.MEDICATIONS, from_date=STARTED_ON,
                             created_at=now)]
        db.session.add(link)
        db.session.commit()
        self.browser = app.test_client()
        login(self.browser, Person(self.client_id, "client@example.com", "Robin", Role.CLIENT))
        self.therapist = app.test_client()
        login(self.therapist, Person(self.therapist_id, "therapist@example.com", "Dr Sam",
                                     Role.THERAPIST))

    @staticmethod
    def _person(email, name, role, zone) -> int:
        user = User(email=email, display_name=name, role=role, timezone=zone,
                    password_hash=_CHEAP_HASH, created_at=datetime(2026, 1, 1, tzinfo=UTC))
        db.session.add(user)
        db.session.commit()
        return user.id

    # --- the clock and the person --------------------------------------------------------

    @property
    def now(self) -> datetime:
        return self.clock()

    def _client(self) -> User:
        return db.session.get(User, self.client_id)

    @property
    def zone(self) -> str:
        return self._cached("zone", lambda: self._client().timezone)

    def today(self) -> date:
        return local_day(self.now, self.zone)

    def _write(self, action):
        """Run one write as a request would: commit it, or roll back and raise ``Refused``."""
        self._read.clear()
        db.session.expire_all()
        with self.app.test_request_context():  # services translate their messages
            try:
                result = action(self._client(), self.now)
            except FieldError as error:
                db.session.rollback()
                raise Refused(str(error.message), error.field)
            except Conflict as conflict:
                db.session.rollback()
                raise Refused(str(conflict.message))
        db.session.commit()
        return result

    def advance(self, delta: timedelta) -> None:
        """Time passes; the reminder worker keeps planning meanwhile, as it does every minute
        (``planner.plan_for_client`` with no device does nothing, so this plans directly).
        With a device subscribed, the worker's tick runs as it does then (``run_reminders``)."""
        self.clock.set(self.now + delta)
        if self.device is not None:
            self.run_reminders()
        else:
            self._write(lambda client, now: schedule.plan_doses(db.session, client, now))

    # --- the reminder worker and one phone -------------------------------------------------

    device = receiver = dispatcher = None  # the client's phone, once subscribed

    def subscribe(self, receiver) -> None:
        """The client's phone, subscribed to reminders through a real Web Push receiver."""
        self.receiver, self.device = receiver, receiver.subscribe()
        self._write(lambda client, now: db.session.add(PushSubscription(
            user_id=client.id, endpoint=self.device.endpoint, p256dh=self.device.p256dh,
            auth=self.device.auth, user_agent="Mozilla/5.0 (Linux; Android 14) Chrome/130.0",
            created_at=now)))
        self.run_reminders()

    def run_reminders(self) -> None:
        """One tick of the reminder worker (``worker.ReminderWorker.tick``): plan every
        subscribed client's reminders, retire stale ones, then claim and send what is due."""
        self._read.clear()
        db.session.expire_all()
        planner.plan_all(db.session, self.now)
        db.session.commit()
        outbox.expire_stale(db.session, self.now)
        db.session.commit()
        if self.dispatcher is None:  # one for the record's life, like the worker's
            self.dispatcher = Dispatcher(self.app, now=self.clock, pool_size=2, timeout=5)
        self.dispatcher.drain()
        db.session.expire_all()

    def close(self) -> None:
        if self.dispatcher is not None:
            self.dispatcher.close()

    def set_timezone(self, zone: str, mode: str = "follow_local") -> None:
        assert mode in TRAVEL_MODES, mode
        self._write(lambda client, now: planner.set_timezone(
            db.session, client, zone, now, keep_home_times=mode == "keep_home"))

    # --- medications -------------------------------------------------------------------

    @staticmethod
    def _spec(strength: int, times: list[str] | None, follow_up_minutes: int | None = None,
              min_interval_minutes: int | None = None) -> medications.RegimenSpec:
        """As needed (``times=None``): for a reason, at most four a day, with the least
        interval between doses and the "did it help?" delay given."""
        return medications.RegimenSpec(
            amount=Decimal(1), strength=Decimal(strength), strength_unit="mg",
            as_needed=times is None, max_per_day=4 if times is None else None,
            times=list(times or []), reason="when I can't sleep" if times is None else "",
            follow_up_minutes=follow_up_minutes, min_interval_minutes=min_interval_minutes)

    def add_medication(self, name: str, strength: int, times: list[str] | None,
                       follow_up_minutes: int | None = None,
                       min_interval_minutes: int | None = None) -> int:
        """A scheduled medication (``times``), or one taken as needed (``times=None``)."""
        def add(client, now):
            med, _ = medications.create_medication(
                db.session, client, name=name, form="tablet", kind=MedicationKind.PRESCRIBED,
                spec=self._spec(strength, times, follow_up_minutes, min_interval_minutes),
                started_on=STARTED_ON, now=now, idempotency_key=str(uuid.uuid4()))
            return med.id
        return self._write(add)

    def _med(self, client, medication_id):
        return medications.medication_of(db.session, client, medication_id)

    def change_dose(self, medication_id: int, strength: int, times: list[str] | None,
                    effective_on: date, follow_up_minutes: int | None = None,
                    min_interval_minutes: int | None = None) -> None:
        """A new dose (and times, or as needed its follow-up delay and least interval) from
        ``effective_on``: today means from now."""
        def change(client, now):
            starts = medications.change_starts_at(client, effective_on, now)
            medications.change_regimen(
                db.session, client, self._med(client, medication_id),
                self._spec(strength, times, follow_up_minutes, min_interval_minutes), starts,
                now)
        self._write(change)

    def pause(self, medication_id: int) -> None:
        self._write(lambda client, now: medications.pause(
            db.session, client, self._med(client, medication_id), now))

    def resume(self, medication_id: int) -> None:
        self._write(lambda client, now: medications.resume(
            db.session, client, self._med(client, medication_id), now))

    def stop(self, medication_id: int, ended_on: date) -> None:
        self._write(lambda client, now: medications.stop(
            db.session, client, self._med(client, medication_id), ended_on, "", now))

    # --- step plans (a taper or titration of the amount per dose) ------------------------

    def create_plan(self, medication_id: int, amounts: list[Decimal], first_day: date,
                    interval_days: int) -> int:
        def create(client, now):
            kind = PlanKind.TAPER if amounts[1] < amounts[0] else PlanKind.TITRATION
            return step_plans.create_plan(
                db.session, client, self._med(client, medication_id), step_plans.PlanInput(
                    kind=kind, amounts=list(amounts), first_day=first_day,
                    interval_days=interval_days), now).id
        return self._write(create)

    def _plan_write(self, plan_id: int, action) -> None:
        self._write(lambda client, now: action(db.session, client,
                                               step_plans.plan_of(db.session, client, plan_id),
                                               now))

    def hold_plan(self, plan_id: int) -> None:
        self._plan_write(plan_id, step_plans.hold)

    def step_back(self, plan_id: int) -> None:
        self._plan_write(plan_id, step_plans.step_back)

    def pause_plan(self, plan_id: int) -> None:
        self._plan_write(plan_id, step_plans.pause)

    def resume_plan(self, plan_id: int) -> None:
        self._plan_write(plan_id, step_plans.resume)

    def plan_steps(self, plan_id: int) -> list[tuple[int, date, bool]]:
        """Each step of the plan: (number, first day, begun)."""
        db.session.expire_all()
        plan = db.session.get(StepPlan, plan_id)
        return [(step.ordinal, step.starts_on, step_plans.begun(step, self.now))
                for step in plan.steps]

    # --- doses ------------------------------------------------------------------------

    def log_planned(self, planned_id: int, taken: bool, taken_at: datetime | None = None,
                    key: str | None = None) -> int:
        """Taken (at ``taken_at``, default now) or skipped, for a planned dose."""
        def log(client, now):
            planned = db.session.get(PlannedDose, planned_id)
            logged = doses.record(
                db.session, client, medication_id=planned.medication_id,
                planned_dose_id=planned_id, now=now,
                status=DoseStatus.TAKEN if taken else DoseStatus.SKIPPED,
                taken_at=taken_at if taken else None,
                skip_reason=None if taken else SkipReason.OTHER,
                idempotency_key=key or str(uuid.uuid4()))
            return logged.event.id
        return self._write(log)

    def log_as_needed(self, medication_id: int, taken_at: datetime | None = None,
                      note: str = "") -> AsNeededLogged:
        """Taken as needed, through the service Today's form and the API use."""
        def log(client, now):
            logged = doses.record(
                db.session, client, medication_id=medication_id, status=DoseStatus.TAKEN,
                now=now, taken_at=taken_at, note=note, idempotency_key=str(uuid.uuid4()))
            earlier = logged.sooner_than_planned_after
            return AsNeededLogged(logged.event.id, earlier.id if earlier else None)
        return self._write(log)

    def answer_follow_up(self, event_id: int, answer: str) -> None:
        """"Did it help?" answered (on Today or from the follow-up reminder)."""
        self._write(lambda client, now: doses.answer_follow_up(
            doses.event_of(db.session, client, event_id), answer, now))

    def undo(self, event_id: int) -> None:
        self._write(lambda client, now: doses.undo(
            db.session, client, doses.event_of(db.session, client, event_id), now))

    def edit_time(self, event_id: int, taken_at: datetime) -> None:
        self._write(lambda client, now: doses.change_time(
            doses.event_of(db.session, client, event_id), taken_at, now))

    # --- check-ins --------------------------------------------------------------------

    def save_checkin(self, day: date, values: dict, base: dict | None = None,
                     entered_in: str | None = None) -> None:
        """Save a check-in from a device: a field absent from ``values`` is untouched, a field
        given as None is cleared. ``base`` is the saved check-in the device started from (None:
        a blank form); ``entered_in`` the zone the device was in when the entry was made."""
        self._write(lambda client, now: journal.save_checkin(
            db.session, client, day, values, now, idempotency_key=str(uuid.uuid4()),
            base=base, entered_in=entered_in))

    # --- what the database holds -------------------------------------------------------

    def _cached(self, name: str, read):
        if name not in self._read:
            db.session.expire_all()
            self._read[name] = read()
        return self._read[name]

    def planned_doses(self) -> list[Planned]:
        return self._cached("planned", self._planned_doses)

    def _planned_doses(self) -> list[Planned]:
        rows = db.session.execute(
            select(PlannedDose, DoseEvent.id)
            .outerjoin(DoseEvent, DoseEvent.planned_dose_id == PlannedDose.id)
            .where(PlannedDose.client_id == self.client_id).order_by(PlannedDose.due_at)).all()
        return [Planned(p.id, p.medication_id, p.local_date, p.local_time.strftime("%H:%M"),
                        p.timezone, p.due_at, event_id) for p, event_id in rows]

    def dose_events(self) -> dict[int, Event]:
        return self._cached("events", self._dose_events)

    def _dose_events(self) -> dict[int, Event]:
        events = db.session.scalars(select(DoseEvent)
                                    .where(DoseEvent.client_id == self.client_id)).all()
        return {e.id: Event(e.id, e.medication_id, e.planned_dose_id, e.status.value,
                            e.occurred_at, e.follow_up_at, e.helped, e.helped_at)
                for e in events}

    def follow_up_reminders(self) -> list[FollowUpReminder]:
        return self._cached("follow-up reminders", lambda: [
            FollowUpReminder(r.id, r.dose_event_id, r.subscription_id, r.status, r.due_at,
                             r.sent_at)
            for r in db.session.scalars(select(Reminder).where(
                Reminder.user_id == self.client_id, Reminder.kind == ReminderKind.FOLLOW_UP)
                .order_by(Reminder.id))])

    def delivered_follow_ups(self) -> list[int]:
        """The dose events the phone was asked "did it help?" about, one per notification."""
        deliveries = [] if self.device is None else self.receiver.deliveries_for(self.device)
        return [int(d.payload["tag"].removeprefix("follow-up-")) for d in deliveries
                if d.payload.get("kind") == ReminderKind.FOLLOW_UP]

    def checkins(self) -> dict[date, dict]:
        """Every saved check-in's fields; an empty note reads as None, like an empty number."""
        return self._cached("checkins", self._checkins)

    def _checkins(self) -> dict[date, dict]:
        items = db.session.scalars(select(CheckIn)
                                   .where(CheckIn.client_id == self.client_id)).all()
        return {item.local_date: {name: (getattr(item, name) or None) if name == "note"
                                  else getattr(item, name) for name in CHECKIN_FIELDS}
                for item in items}

    # --- read models: the dose each page shows as current, per medication id ------------

    def _json(self, browser, path: str) -> dict:
        self._read.clear()  # a page may plan doses
        response = browser.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response.get_json()

    def _html(self, browser, path: str) -> str:
        self._read.clear()
        response = browser.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response.get_data(as_text=True)

    def shown_follow_ups_on_today(self) -> list[int]:
        """The doses Today asks "did it help?" about, in the order shown."""
        html = self._html(self.browser, "/today")
        return [int(event_id) for event_id in re.findall(r'action="/doses/(\d+)/helped"', html)]

    def shown_in_api_medications(self) -> dict[int, Decimal]:
        body = self._json(self.browser, "/api/v1/medications")
        return {m["id"]: Decimal(str(m["strength"])) for m in body["medications"]}

    def amounts_in_api_medications(self) -> dict[int, Decimal]:
        """The amount per dose the medications API gives as current (a plan's step)."""
        body = self._json(self.browser, "/api/v1/medications")
        return {m["id"]: Decimal(str(m["amount"])) for m in body["medications"]}

    def shown_in_api_today(self) -> tuple[list[tuple[int, int, Decimal]], dict[int, Decimal]]:
        """Today's planned doses as (planned dose id, medication id, strength shown) and the
        as-needed medications with their strength."""
        body = self._json(self.browser, "/api/v1/today")
        rows = [(d["id"], d["medication"]["id"], Decimal(str(d["medication"]["strength"])))
                for d in body["doses"]]
        return rows, {m["id"]: Decimal(str(m["strength"])) for m in body["as_needed"]}

    def shown_on_medications_page(self, names: dict[int, str]) -> dict[int, Decimal]:
        html = self._html(self.browser, "/medications")
        return {int(med_id): Decimal(strength) for med_id, strength in re.findall(
            r'href="/medications/(\d+)">[^<]*? ([\d.]+) mg</a>', html)}

    def shown_in_summary(self, names: dict[int, str]) -> dict[int, Decimal]:
        """The client's one-page summary for the prescriber (/appointment/summary)."""
        html = self._html(self.browser, "/appointment/summary")
        return self._by_name(names, html, r"<strong>{name}</strong> ([\d.]+) mg")

    def shown_to_therapist(self, names: dict[int, str]) -> dict[str, dict[int, Decimal]]:
        """The shared record and the prescriber update, as the therapist sees them."""
        pages = {"therapist: client page": f"/care/clients/{self.client_id}",
                 "therapist: prescriber update": f"/care/clients/{self.client_id}/update"}
        return {label: self._by_name(names, self._html(self.therapist, path),
                                     r'class="list-title">{name} ([\d.]+) mg<')
                for label, path in pages.items()}

    def shown_in_fhir_export(self, names: dict[int, str]) -> dict[int, Decimal]:
        """The MedicationStatement the export marks as current (active, on hold, stopped)."""
        body = json.loads(self._html(self.browser, "/my-data/tend-fhir.json"))
        by_name = {name: med_id for med_id, name in names.items()}
        shown = {}
        for entry in body["entry"]:
            resource = entry["resource"]
            if resource["resourceType"] != "MedicationStatement" or \
                    resource["status"] in ("completed", "intended", "not-taken"):
                continue
            med_id = by_name[resource["medicationCodeableConcept"]["text"]]
            strength = Decimal(resource["dosage"][0]["text"].split()[0])
            assert med_id not in shown or shown[med_id] == strength, \
                f"the export marks two versions of {names[med_id]} as current"
            shown[med_id] = strength
        return shown

    @staticmethod
    def _by_name(names: dict[int, str], html: str, pattern: str) -> dict[int, Decimal]:
        shown = {}
        for med_id, name in names.items():
            found = set(re.findall(pattern.format(name=re.escape(name)), html))
            assert len(found) <= 1, f"{name} is shown with two current doses: {found}"
            if found:
                shown[med_id] = Decimal(found.pop())
        return shown

    # --- read models: how past dose events are shown ---------------------------------

    def shown_dose_events(self, since: date) -> dict[int, tuple[str | None, bool]]:
        """Each logged dose on the History pages back to ``since``: (time of day shown, shown as
        later than planned). A skip shows no time."""
        # From the day after today: after a flight west, History's newest day may be the day
        # already lived where a dose was logged (the page stops at its newest day).
        shown, until = {}, self.today() + timedelta(days=1)
        while until >= since:
            html = self._html(self.browser, f"/history?until={until.isoformat()}")
            for chunk in html.split('<div class="entry entry-dose">')[1:]:
                found = re.search(r"/doses/(\d+)/edit", chunk)
                if not found:
                    continue
                taken = re.search(r"Taken at ([^<]+)<", chunk)
                as_needed = re.search(r'class="entry-time">([^<]+)<', chunk) \
                    if "Taken as needed" in chunk else None
                text = taken or as_needed
                shown[int(found.group(1))] = (_clock_text(text.group(1)) if text else None,
                                              "later than planned" in chunk)
            until -= timedelta(days=7)
        return shown

    def late_in_api(self, first: date, last: date) -> dict[int, bool]:
        body = self._json(self.browser, f"/api/v1/doses?from={first}&to={last}")
        return {d["id"]: d["late"] for d in body["doses"]}


def _clock_text(text: str) -> str:
    """"8:32 AM" out of "8:32 AM" or "8:32 AM, Amsterdam time"."""
    found = re.search(r"\d{1,2}:\d{2}(?:\s?[AP]M)?", text.replace("\u202f", " "))
    return found.group(0) if found else text
