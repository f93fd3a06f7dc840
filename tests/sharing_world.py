"""A client's record seeded with distinctive markers per category and per date, and helpers to
link supporters with chosen grants. Used by the sharing tests and the authorization matrix.

Every grant made here starts on ``FROM_DAY``. Each category has one marker dated before it
(must never be seen by a supporter) and one after it (seen only where that category is
granted). Check-in values are numbers, so their rows carry ``data-category``/``data-day``
attributes and the sleep hours are unusual values."""
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from sqlalchemy import select

from models import (CareLink, Category, DoseStatus, ExperimentKind, Grant, HelpContactKind,
                    LinkStatus, Medication, MedicationKind, NoteKind, PlannedDose, Role, Severity,
                    SkipReason, User, db)
from models.plan import PlanSection
from tend.services import decisions, doses, goals, journal, medications, schedule
from tend.services import help as help_rules
from tend.services import plan as plans

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=timezone.utc)   # Europe/London = UTC in March
FROM_DAY = date(2026, 3, 10)
OLD_DAY = date(2026, 3, 7)    # before FROM_DAY: never visible to a supporter
NEW_DAY = date(2026, 3, 13)   # after FROM_DAY: visible where granted


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.utc)


# Strings that identify one category's data on one side of FROM_DAY.
MARKERS = {
    Category.MEDICATIONS: {"old": "MkOldStoppedMed", "new": "MK-CHANGE-NEW"},
    Category.DOSE_LOG: {"old": "MK-DOSE-OLD", "new": "MK-DOSE-NEW"},
    Category.SIDE_EFFECTS: {"old": "mk-se-old", "new": "mk-se-new"},
    Category.SLEEP: {"old": "11.3", "new": "13.7"},
    Category.NOTES: {"old": "MK-NOTE-OLD", "new": "MK-NOTE-NEW"},
    Category.QUESTIONS: {"old": "MK-Q-OLD", "new": "MK-Q-NEW"},
    Category.SAFETY_PLAN: {"old": "MK-PLAN-OLD", "new": "MK-PLAN-NEW"},
    # Help contacts are a current list, not dated entries: there is no "old" one.
    Category.CONTACTS: {"old": None, "new": "MK-CONTACT-NEW"},
}
# Readiness rulers (their reasons) and goals linked to a measure: shared only within the
# questions and experiments category, like its other markers.
DECISION_MARKERS = {"old": ("MK-RULER-OLD", "MK-GOALM-OLD"),
                    "new": ("MK-RULER-NEW", "MK-GOALM-NEW")}
# Only visible to the medications category, but from before FROM_DAY: never shown.
ALWAYS_HIDDEN = ["MK-CHANGE-OLD"]
# Named only where the medications grant is: each logged dose and each side effect is of it
# (the side effects also name the stopped medication, which no supporter may see named).
CURRENT_MED = "Mkcurrentmed"


def _client(person) -> User:
    return db.session.get(User, person.id)


def seed_record(person) -> dict:
    """Alice's record: two medications, changes, doses, side effects and check-ins on both
    sides of FROM_DAY. Returns ids the matrix needs for URLs."""
    client = _client(person)
    spec = medications.RegimenSpec(amount=Decimal(1), strength=Decimal(50), strength_unit="mg",
                                   times=["08:00", "20:00"])
    start = at(date(2026, 2, 1), 6)
    med, _ = medications.create_medication(
        db.session, client, name=CURRENT_MED, form="tablet", kind=MedicationKind.PRESCRIBED,
        spec=spec, started_on=date(2026, 2, 1), now=start)
    old, _ = medications.create_medication(
        db.session, client, name=MARKERS[Category.MEDICATIONS]["old"], form="tablet",
        kind=MedicationKind.PRESCRIBED, spec=spec, started_on=date(2026, 2, 1), now=start)
    medications.stop(db.session, client, old, date(2026, 3, 1), "", at(date(2026, 3, 1), 9))
    medications.change_regimen(db.session, client, med, spec, at(OLD_DAY, 6), at(OLD_DAY, 6),
                               note="MK-CHANGE-OLD")
    newer = medications.RegimenSpec(amount=Decimal(1), strength=Decimal(75), strength_unit="mg",
                                    times=["08:00", "20:00"])
    medications.change_regimen(db.session, client, med, newer, at(NEW_DAY, 6), at(NEW_DAY, 6),
                               note=MARKERS[Category.MEDICATIONS]["new"])
    schedule.plan_doses(db.session, client, NOW)
    for day, key in ((OLD_DAY, "old"), (NEW_DAY, "new")):
        planned = db.session.scalar(select(PlannedDose).where(
            PlannedDose.medication_id == med.id, PlannedDose.local_date == day,
            PlannedDose.due_at == at(day, 8)))
        doses.record(db.session, client, medication_id=med.id, planned_dose_id=planned.id,
                     status=DoseStatus.TAKEN, now=at(day, 9), taken_at=at(day, 8, 10),
                     note=MARKERS[Category.DOSE_LOG][key])
        journal.record_side_effect(
            db.session, client,
            journal.SideEffectInput(symptom=MARKERS[Category.SIDE_EFFECTS][key],
                                    severity=Severity.MODERATE, started_on=day,
                                    ended_on=day + timedelta(days=1),
                                    medication_ids=[med.id, old.id]),
            at(day + timedelta(days=2), 10))
        journal.save_checkin(
            db.session, client, day,
            {"sleep_hours": Decimal(MARKERS[Category.SLEEP][key]), "sleep_quality": 3,
             "energy": 4, "mood": 2, "work": 3, "relationships": 4, "self_care": 5,
             "note": MARKERS[Category.NOTES][key]}, at(day, 20))
        decisions.add_question(db.session, client, MARKERS[Category.QUESTIONS][key],
                               at(day, 21))
        plans.add_item(db.session, client, PlanSection.WARNING_SIGNS,
                       MARKERS[Category.SAFETY_PLAN][key], at(day, 22))
        ruler_marker, goal_marker = DECISION_MARKERS[key]
        decisions.create_experiment(db.session, client, decisions.ExperimentInput(
            kind=ExperimentKind.START, title=f"Walks ({key})", changed_on=day,
            hopes="Feel steadier", strategy="exercise", measures=["mood"],
            checkpoints=[day + timedelta(days=14)],
            rulers=decisions.RulerInput(7, ruler_marker, 5, "")), at(day, 21))
        decisions.add_note(db.session, client, NoteKind.GOAL, goal_marker, at(day, 21),
                           link=goals.GoalLink("sleep_hours", "up", Decimal(8)))
    contact = help_rules.add_contact(db.session, client, help_rules.ContactInput(
        kind=HelpContactKind.TRUSTED_PERSON, name=MARKERS[Category.CONTACTS]["new"],
        phone="+44 7700 900123", texting=True, note="evenings"), at(OLD_DAY, 9))
    db.session.commit()
    today = db.session.scalars(select(PlannedDose).where(
        PlannedDose.medication_id == med.id, PlannedDose.local_date == NOW.date())
        .order_by(PlannedDose.due_at)).first()
    return {"medication_id": med.id, "planned_dose_id": today.id, "contact_id": contact.id}


def link(client, supporter, categories=(), status=LinkStatus.ACTIVE, from_date=FROM_DAY,
         until_date=None, now=NOW) -> CareLink:
    """A link as if invited and accepted, with grants for ``categories``."""
    care_link = CareLink(client_id=client.id, supporter_id=supporter.id,
                         role=Role(supporter.role), status=status,
                         invitee_name=supporter.name, expires_at=now + timedelta(days=7),
                         created_at=now - timedelta(days=30), accepted_at=now - timedelta(days=29),
                         ended_at=now if status is LinkStatus.ENDED else None)
    care_link.grants = [Grant(category=Category(c), from_date=from_date, until_date=until_date,
                              created_at=now) for c in categories]
    db.session.add(care_link)
    db.session.commit()
    return care_link


@dataclass
class Seen:
    """What a page showed of the markers."""

    body: str

    def shows(self, category: Category, which: str) -> bool:
        marker = MARKERS.get(category, {}).get(which)
        return marker is not None and marker in self.body

    def sections(self) -> set[str]:
        return set(re.findall(r'data-category="([a-z_]+)"', self.body))


# Evidence for each caseload flag, all after FROM_DAY, in the categories named: a supporter
# without that category's grant must see none of these flags (tests/test_access_matrix.py).
FLAG_EVIDENCE = {
    "side_effect": Category.SIDE_EFFECTS, "red_flag": Category.SIDE_EFFECTS,
    "skipped_for_side_effects": Category.DOSE_LOG, "checkpoint": Category.QUESTIONS,
    "quiet": Category.SLEEP, "as_needed_above_limit": Category.MEDICATIONS,
    "change_ahead": Category.MEDICATIONS,
}


def seed_flag_evidence(person, medication_id: int) -> None:
    from models.decisions import Checkpoint, Experiment, ExperimentKind, Verdict
    client = _client(person)
    yesterday = NOW.date() - timedelta(days=1)
    for symptom, severity in (("mk-flag-severe", Severity.SEVERE), ("chest pain", Severity.MILD)):
        journal.record_side_effect(db.session, client, journal.SideEffectInput(
            symptom=symptom, severity=severity, started_on=yesterday, ended_on=None,
            medication_ids=[]), at(yesterday, 10))
    planned = db.session.scalar(select(PlannedDose).where(
        PlannedDose.medication_id == medication_id, PlannedDose.local_date == yesterday)
        .order_by(PlannedDose.due_at))
    doses.record(db.session, client, medication_id=medication_id, planned_dose_id=planned.id,
                 status=DoseStatus.SKIPPED, skip_reason=SkipReason.SIDE_EFFECTS,
                 now=at(yesterday, 9))
    spec = medications.RegimenSpec(amount=Decimal(1), as_needed=True, max_per_day=1)
    as_needed, _ = medications.create_medication(
        db.session, client, name="MkAsNeeded", form="tablet",
        kind=MedicationKind.OVER_THE_COUNTER, spec=spec, started_on=NEW_DAY,
        now=at(NEW_DAY, 6))
    for hour in (9, 13, 18):
        doses.record(db.session, client, medication_id=as_needed.id, status=DoseStatus.TAKEN,
                     now=at(yesterday, hour), taken_at=at(yesterday, hour))
    med = db.session.get(Medication, medication_id)
    medications.change_regimen(db.session, client, med, medications.RegimenSpec(
        amount=Decimal(1), strength=Decimal(100), strength_unit="mg", times=["08:00", "20:00"]),
        NOW + timedelta(days=5), NOW)
    experiment = Experiment(client_id=client.id, kind=ExperimentKind.CHANGE, title="MK-EXP",
                            changed_on=NEW_DAY, hopes="", created_at=at(NEW_DAY, 7))
    experiment.checkpoints = [Checkpoint(due_on=yesterday, verdict=Verdict.NOT_HELPING,
                                         completed_at=at(yesterday, 19))]
    db.session.add(experiment)
    db.session.commit()
