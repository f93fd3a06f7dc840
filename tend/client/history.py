"""History: a day-by-day timeline of everything the client logged, a week per page.

Each kind of entry is read with one query over the week (doses planned and taken as needed in
the same one), so the page costs the same number of queries however long the record is. A week
holds about a hundred entries, so they are read as columns, not ORM objects, and each entry's
texts and addresses are made here, the words said on every entry once a page: the template
only places them, and a dose's entry, the one a week has a hundred of, is written out here."""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import (Date, bindparam, cast, func, inspect, literal_column, null, select,
                        union_all)

from models import (CheckIn, DoseEvent, Medication, PlannedDose, Regimen, SideEffect, db,
                    side_effect_medications)
from models.base import column_rows
from models.journal import CHECKIN_MEASURES
from models.medication import local_date_of
from tend import clock
from tend.access import client_required
from tend.client import bp
from tend.client.display import checkin_answers_in_words, medication_title, skip_reason_name
from tend.formatting import clocks_in_zones, long_date
from tend.services import doses, schedule
from tend.urls import url_pattern

DAYS_PER_PAGE = 7


class SideEffectRow(NamedTuple):
    id: int
    symptom: str
    severity: object
    ended_on: date | None
    note: str
    suspects: str  # the medications it might be from, "Sertraline, Lithium"
    actions: tuple[tuple[str, str], ...]  # (address, word): Edit and Delete


class ChangeRow(NamedTuple):
    regimen: Regimen  # the version (unsaved: read as columns)
    name: str  # its medication's
    form: str


class CheckInRow(NamedTuple):
    answers: str  # the answers in words: "Sleep: 7.5 h · Mood: 4/5"
    note: str


class Entry(NamedTuple):
    kind: str  # dose (planned or as needed), side_effect, change, stopped
    moment: datetime | None
    item: object  # a dose's entry written out (Markup), or what the template writes out


@dataclass
class Day:
    day: date
    iso: str
    heading: str  # "Today" or "Thursday, January 15"
    checkin_address: str
    checkin_delete_address: str
    checkin: CheckInRow | None = None
    entries: list[Entry] = field(default_factory=list)


def _times_of_day():
    """``clock_in_zone`` for one page: a week's hundred doses fall at a few times of day, so
    each (time, zone) is written once per page."""
    written: dict[tuple[time, str], str] = {}
    clock_in_zone = clocks_in_zones()

    def at(moment: datetime, zone_name: str, local_time: time | None = None) -> str:
        local = local_time or moment.astimezone(ZoneInfo(zone_name)).time()
        if (local, zone_name) not in written:
            written[local, zone_name] = clock_in_zone(moment, zone_name, local)
        return written[local, zone_name]
    return at


def _checkin_answers():
    """A check-in's answers in words, each answer's words made once per page."""
    said = _("%(answer)s: %(value)s")
    labels = {answer.name: str(answer.label) for answer in CHECKIN_MEASURES}
    written: dict[tuple[str, object], str] = {}
    in_words = checkin_answers_in_words()

    def answers(checkin) -> str:
        parts = []
        for name, label in labels.items():
            value = getattr(checkin, name)
            if value is not None:
                if (name, value) not in written:
                    written[name, value] = in_words(name, value)
                parts.append(said % {"answer": label, "value": written[name, value]})
        return " · ".join(parts)
    return answers


class _Page:
    """What every entry of one page says and links to, made once: its words, its addresses
    (each kind built once, an entry's id put into it) and its times of day."""

    def __init__(self, now: datetime):
        self.now = now
        here = request.full_path
        self.edit, self.delete, self.log_it = _("Edit"), _("Delete"), _("Log it")
        self.taken_at, self.as_needed = _("Taken at %(time)s"), _("Taken as needed")
        self.skipped, self.not_logged = _("Skipped"), _("Not logged")
        self.late = f' <span class="muted">{escape(_("later than planned"))}</span>'
        self.checkin = url_pattern("client.checkin", "day")
        self.checkin_delete = url_pattern("client.checkin_delete", "day", next=here)
        self.dose_edit = url_pattern("client.dose_edit", "event_id", next=here)
        self.dose_delete = url_pattern("client.dose_delete", "event_id", next=here)
        self.dose_new = url_pattern("client.dose_new", "dose", next=here)
        self.side_effect_edit = url_pattern("client.side_effect_edit", "side_effect_id")
        self.side_effect_delete = url_pattern("client.side_effect_delete", "side_effect_id",
                                              next=here)
        self.at = _times_of_day()
        self.titles: dict[tuple, str] = {}
        self.skip_said: dict[object, str] = {}
        self.escapes: dict[str, Markup] = {}

    def escaped(self, text: str) -> Markup:
        """``text`` escaped, once a page: a week's doses repeat their few names, times and
        words."""
        if text not in self.escapes:
            self.escapes[text] = escape(text)
        return self.escapes[text]

    def dose(self, time: str, title: str, state: str, said: str, late: bool, note: str,
             label: str, links: tuple[tuple[str, str], ...]) -> Markup:
        """A dose's entry (planned or as needed), written here rather than in history.html:
        a week holds about a hundred, and the template's steps for each value it places cost
        more than the rest of the page's work on them. Its time of day, "Sertraline 50 mg",
        its state's look (taken, skipped or missed) and words ("Taken at 8:32 AM", "Skipped ·
        Forgot", "Not logged", "Taken as needed"), whether taken late, its note, and its links
        (address, word): Edit and Delete, or Log it, each about ``label`` for screen readers
        ("Sertraline 8:00 AM"). Every value is escaped, each repeated text once a page."""
        label = self.escaped(label)
        links = "".join([f'\n<a href="{escape(address)}">{self.escaped(word)}'
                         f'<span class="visually-hidden"> {label}</span></a>'
                         for address, word in links])
        note = f'<p class="entry-note">{escape(note)}</p>\n' if note else ""
        return Markup(
            '<div class="entry entry-dose">\n'
            f'<p class="list-title"><span class="entry-time">{self.escaped(time)}</span> '
            f'{self.escaped(title)}</p>\n'
            f'<p><span class="state state-{self.escaped(state)}">{self.escaped(said)}</span>'
            f'{self.late if late else ""}</p>\n'
            f'{note}<p class="entry-actions">{links}\n</p>\n</div>')

    def title(self, row) -> str:
        """"Sertraline 50 mg": the row has the medication's name and the version's strength."""
        version = (row.name, row.strength, row.strength_unit)
        if version not in self.titles:
            self.titles[version] = medication_title(row, row)
        return self.titles[version]

    def skip(self, reason) -> str:
        if reason not in self.skip_said:
            self.skip_said[reason] = (f"{self.skipped} · {skip_reason_name(reason)}" if reason
                                      else self.skipped)
        return self.skip_said[reason]

    def changes(self, event_id: int) -> tuple[tuple[str, str], ...]:
        return ((self.dose_edit(event_id), self.edit), (self.dose_delete(event_id), self.delete))

    def side_effect_actions(self, side_effect_id: int) -> tuple[tuple[str, str], ...]:
        return ((self.side_effect_edit(side_effect_id), self.edit),
                (self.side_effect_delete(side_effect_id), self.delete))


# History's reads, built once (a statement and its cache key built for each request cost
# about as much as sending it): the client and the week are bound on each visit.
_DOSES = union_all(  # the planned doses of the week's days, then the doses taken as needed
    select(PlannedDose.id.label("id"), PlannedDose.local_date, PlannedDose.local_time,
           PlannedDose.timezone, PlannedDose.due_at.label("due_at"), Medication.name,
           Regimen.strength, Regimen.strength_unit, DoseEvent.id.label("event_id"),
           DoseEvent.status, DoseEvent.occurred_at, DoseEvent.timezone.label("event_zone"),
           DoseEvent.skip_reason, DoseEvent.note)
    .join(Medication, Medication.id == PlannedDose.medication_id)
    .join(Regimen, Regimen.id == PlannedDose.regimen_id)
    .outerjoin(DoseEvent, DoseEvent.planned_dose_id == PlannedDose.id)
    .where(PlannedDose.client_id == bindparam("client_id"),
           PlannedDose.local_date >= bindparam("first"),
           PlannedDose.local_date <= bindparam("last")),
    select(null(), null(), null(), null(), null(), Medication.name, null(), null(),
           DoseEvent.id, DoseEvent.status, DoseEvent.occurred_at, DoseEvent.timezone, null(),
           DoseEvent.note)
    .join(Medication, Medication.id == DoseEvent.medication_id)
    .where(DoseEvent.client_id == bindparam("client_id"), DoseEvent.planned_dose_id.is_(None),
           DoseEvent.occurred_at >= bindparam("start"), DoseEvent.occurred_at < bindparam("end")),
).order_by(  # by the result's columns, as a compound's order must be; the as-needed rows
    # (no due time or planned id, sorted first or last as the database puts nulls) are kept
    # apart from the planned ones when read
    literal_column("due_at"), literal_column("id"), literal_column("event_id"))
_SIDE_EFFECTS = (  # a row for each medication it might be from (one with none if none)
    select(SideEffect.id, SideEffect.symptom, SideEffect.severity, SideEffect.started_on,
           SideEffect.ended_on, SideEffect.note, Medication.name)
    .outerjoin(side_effect_medications, side_effect_medications.c.side_effect_id == SideEffect.id)
    .outerjoin(Medication, Medication.id == side_effect_medications.c.medication_id)
    .where(SideEffect.client_id == bindparam("client_id"),
           SideEffect.started_on >= bindparam("first"), SideEffect.started_on <= bindparam("last"))
    .order_by(SideEffect.id, Medication.id))
_CHECKINS = (
    select(CheckIn.local_date, CheckIn.note,
           *(getattr(CheckIn, answer.name) for answer in CHECKIN_MEASURES))
    .where(CheckIn.client_id == bindparam("client_id"), CheckIn.local_date >= bindparam("first"),
           CheckIn.local_date <= bindparam("last")))
# Each version with its medication's name and form, read as columns (the ORM's steps for
# a statement cost more than a week's few versions) and made into unsaved Regimen objects
# for the words the display helpers find for them.
_REGIMEN_FIELDS = tuple(attribute.key for attribute in inspect(Regimen).column_attrs)
_REGIMEN_CHANGES = (
    select(*(getattr(Regimen, key).label(key) for key in _REGIMEN_FIELDS),
           Medication.name.label("medication_name"), Medication.form.label("medication_form"))
    .join(Medication, Medication.id == Regimen.medication_id)
    .where(Medication.client_id == bindparam("client_id"),
           Regimen.valid_from >= bindparam("start"), Regimen.valid_from < bindparam("end")))
_STOPPED = select(Medication.id, Medication.name, Medication.end_reason, Medication.ended_on).where(
    Medication.client_id == bindparam("client_id"), Medication.ended_on >= bindparam("first"),
    Medication.ended_on <= bindparam("last"))
# What may put the client's latest day ahead of today here (after a flight west), in one read:
# the zones of the last day's dose events, and the latest check-in ahead of today.
_AHEAD = union_all(
    select(DoseEvent.timezone, cast(null(), Date)).distinct().where(
        DoseEvent.client_id == bindparam("client_id"), DoseEvent.occurred_at > bindparam("since")),
    select(null(), func.max(CheckIn.local_date)).where(
        CheckIn.client_id == bindparam("client_id"), CheckIn.local_date > bindparam("today")))


def _rows(statement, values: dict):
    """History's small reads of columns (models.base.column_rows)."""
    return column_rows(db.session, statement, values)


def _week(first: date, last: date) -> dict:
    return {"client_id": current_user.id, "first": first, "last": last}


def _span(start: datetime, end: datetime) -> dict:
    return {"client_id": current_user.id, "start": start, "end": end}


def _doses(first: date, last: date, start: datetime, end: datetime,
           page: _Page) -> list[tuple[date, Entry]]:
    """The planned doses of local days ``first``..``last`` (from ``start`` to ``end`` here)
    due by now, with what was logged, then the doses taken as needed, each on its day where
    it happened (one query)."""
    # An event belongs to its day where it happened, which may be a day either side of the
    # same moment's day here: read a day more each side and keep those of the week.
    planned, as_needed = [], []
    for row in _rows(_DOSES, {**_week(first, last), "start": start - timedelta(days=1),
                              "end": end + timedelta(days=1)}):
        if row.id is not None:
            planned += _planned_dose(row, page)
        elif first <= (day := local_date_of(row.occurred_at, row.event_zone)) <= last:
            as_needed.append((day, Entry("dose", row.occurred_at, page.dose(
                page.at(row.occurred_at, row.event_zone), row.name, doses.State.TAKEN,
                page.as_needed, False, row.note, row.name, page.changes(row.event_id)))))
    return planned + as_needed


def _planned_dose(row, page: _Page) -> list[tuple[date, Entry]]:
    """A planned dose with what was logged, unless it is still to come."""
    logged = row if row.event_id is not None else None  # the row has the event's columns
    state = doses.state_of(row, logged, page.now)
    if state == doses.State.UPCOMING:
        return []
    due = page.at(row.due_at, row.timezone, row.local_time)
    if state == doses.State.TAKEN:
        said = page.taken_at % {"time": page.at(row.occurred_at, row.event_zone)}
    elif state == doses.State.SKIPPED:
        said = page.skip(row.skip_reason)
    else:  # due, late or missed: not logged, whichever
        state, said = doses.State.MISSED, page.not_logged
    shown = page.dose(
        due, page.title(row), state, said,
        logged is not None and doses.taken_late(row, logged), row.note if logged else "",
        f"{row.name} {due}",
        page.changes(row.event_id) if logged else ((page.dose_new(row.id), page.log_it),))
    return [(row.local_date, Entry("dose", row.occurred_at if logged else row.due_at, shown))]


def _side_effects(first: date, last: date, page: _Page) -> list[tuple[date, Entry]]:
    rows, suspects = {}, {}
    for row in _rows(_SIDE_EFFECTS, _week(first, last)):
        rows.setdefault(row.id, row)
        suspects.setdefault(row.id, [])
        if row.name is not None:
            suspects[row.id].append(row.name)
    return [(row.started_on, Entry("side_effect", None, SideEffectRow(
        row.id, row.symptom, row.severity, row.ended_on, row.note, ", ".join(suspects[row.id]),
        page.side_effect_actions(row.id))))
        for row in rows.values()]


def _checkins(first: date, last: date) -> list:
    return _rows(_CHECKINS, _week(first, last)).all()


def _regimen_changes(start: datetime, end: datetime) -> list[ChangeRow]:
    return [ChangeRow(Regimen(**{key: getattr(row, key) for key in _REGIMEN_FIELDS}),
                      row.medication_name, row.medication_form)
            for row in _rows(_REGIMEN_CHANGES, _span(start, end))]


def _stopped(first: date, last: date) -> list:
    return _rows(_STOPPED, _week(first, last)).all()


def timeline(first: date, last: date, today: date, now: datetime) -> list[Day]:
    """Days ``last`` back to ``first``, each with its check-in and its entries, newest first."""
    zone = ZoneInfo(current_user.timezone)
    start = schedule.start_of_local_day(first, current_user.timezone)
    end = schedule.start_of_local_day(last + timedelta(days=1), current_user.timezone)
    page = _Page(now)
    days = {}
    for n in range((last - first).days + 1):
        day = first + timedelta(days=n)
        iso = day.isoformat()
        days[day] = Day(day, iso, _("Today") if day == today else long_date(day),
                        page.checkin(day), page.checkin_delete(day))

    entries = _doses(first, last, start, end, page)
    entries += _side_effects(first, last, page)
    entries += [(change.regimen.valid_from.astimezone(zone).date(),
                 Entry("change", change.regimen.valid_from, change))
                for change in _regimen_changes(start, end)]
    entries += [(med.ended_on, Entry("stopped", None, med)) for med in _stopped(first, last)]
    for day, entry in entries:
        days[day].entries.append(entry)
    answers = _checkin_answers()
    for row in _checkins(first, last):
        days[row.local_date].checkin = CheckInRow(answers(row), row.note)
    for day in days.values():
        # Undated entries (side effects, stops) first, then the newest moment first.
        day.entries.sort(key=lambda e: (e.moment is not None,
                                        -(e.moment.timestamp() if e.moment else 0)))
    return sorted(days.values(), key=lambda d: d.day, reverse=True)


def newest_day(now: datetime) -> date:
    """The client's latest local day with something in it: today, or after a flight west the
    day already lived where a dose was logged (or skipped ahead of its time) or a check-in
    made (still ahead here)."""
    today = schedule.local_today(current_user, now)
    days = [today]
    for zone, checkin_day in _rows(_AHEAD, {"client_id": current_user.id, "today": today,
                                            "since": now - timedelta(days=1)}):
        days.append(now.astimezone(ZoneInfo(zone)).date() if zone else checkin_day)
    return max(day for day in days if day)


@bp.get("/history")
@client_required
def history():
    now = clock.now()
    today, newest = schedule.local_today(current_user, now), newest_day(now)
    try:
        last = date.fromisoformat(request.args["until"]) if request.args.get("until") else today
    except ValueError:
        abort(404)
    last = min(last, newest)
    first = last - timedelta(days=DAYS_PER_PAGE - 1)
    if schedule.plan_doses(db.session, current_user, now):
        db.session.commit()  # days not opened yet show as not logged
    return render_template("client/history.html", days=timeline(first, last, today, now),
                           skips=doses.skips_by_month(db.session, current_user, last),
                           earlier=first - timedelta(days=1),
                           newest=newest,
                           later=min(last + timedelta(days=DAYS_PER_PAGE), newest)
                           if last < newest else None)
