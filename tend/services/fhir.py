"""The client's record as a FHIR R4 Bundle (type "collection"), for other health software.

- MedicationStatement: one per regimen version (what was taken, how, from when to when); a
  step of a taper or titration plan is such a version, its ``Dosage.sequence`` the step's
  number;
- MedicationAdministration: one per logged dose, taken ("completed") or skipped ("not-done"),
  at the local time and offset of the zone it happened in;
- Observation: each check-in answer, its text the check-in vocabulary's label (sleep hours
  with LOINC 93832-4; the 1-5 scales and the note with Tend's own code system), and each
  side effect with its severity;
- Observation, too: each readiness ruler given ("how important is this to me", "how confident
  am I", 0-10), with the client's reasons as its note;
- Goal: one per goal the client noted, with the measure it is linked to (if any) as its target:
  the target value with its comparator (>= for up, <= for down), or the direction alone;
- Consent: one per person the client shares with, each granted category a nested provision.

Resources are linked with ``urn:uuid`` ids that stay the same between exports. The bundle is
checked with the ``fhir.resources`` models (R4B, the R4 line; these five resource types are
the same as in 4.0.1) before it is handed out."""
import uuid
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models import (AppointmentNote, CareLink, CheckIn, DoseEvent, DoseStatus, Experiment,
                    LinkStatus, Medication, MedicationStatus, NoteKind, Regimen, Ruler,
                    SideEffect, User)
from models.journal import CHECKIN_FIELD, CHECKIN_FIELDS, AnswerKind
from tend.services import decisions, goals, medications, step_plans

UCUM = "http://unitsofmeasure.org"
LOINC = "http://loinc.org"
LOINC_CODES = {"sleep_hours": ("93832-4", "Sleep duration")}  # answers with a LOINC code
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CONSENT_STATUS = {LinkStatus.PENDING: "proposed", LinkStatus.ACTIVE: "active",
                  LinkStatus.ENDED: "inactive"}


def _urn(base_url: str, *parts) -> str:
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(map(str, [base_url, *parts]))))


def _ref(urn: str) -> dict:
    return {"reference": urn}


def _when(value: datetime | date) -> str:
    return value.isoformat()


def _concept(text: str, system: str | None = None, code: str | None = None) -> dict:
    concept = {"text": text}
    if system and code:
        concept["coding"] = [{"system": system, "code": code, "display": text}]
    return concept


def _dose(amount: Decimal, unit: str) -> dict:
    """A ``doseAndRate`` entry: the amount per intake (fractions as decimals) in its unit."""
    return {"doseQuantity": {"value": float(amount), "unit": unit}}


class _Builder:
    def __init__(self, base_url: str, client: User):
        self.base = base_url.rstrip("/")
        self.client = client
        self.patient = _urn(self.base, "patient", client.id)
        self.entries = [{"fullUrl": self.patient, "resource": {
            "resourceType": "Patient", "name": [{"text": client.display_name}]}}]

    @property
    def codes(self) -> str:
        return f"{self.base}/fhir/CodeSystem"

    def add(self, urn: str, resource: dict) -> None:
        self.entries.append({"fullUrl": urn, "resource": resource})

    def medication(self, med: Medication) -> dict:
        return _concept(med.name)

    def statements(self, med: Medication, now: datetime,
                   plan_steps: dict[int, int] | None = None) -> None:
        """One statement per version that applies at some point: the one in force now takes
        the medication's status, earlier ones are "completed", later ones "intended".
        ``plan_steps`` maps a version carrying a plan's step to that step's number."""
        in_force = medications.version_at(med, now)
        for regimen in med.regimens:
            if regimen is not in_force and not medications.ever_in_force(regimen):
                continue  # a change replaced before it began: never taken
            if regimen is in_force:
                status = {MedicationStatus.ACTIVE: "active", MedicationStatus.PAUSED: "on-hold",
                          MedicationStatus.STOPPED: "stopped"}[med.status]
            else:
                status = "intended" if regimen.valid_from > now else "completed"
            dosage = self.dosages(med, regimen)
            if regimen.id in (plan_steps or {}):  # a plan's step: its number in the plan
                for each in dosage:
                    each.setdefault("sequence", plan_steps[regimen.id])
            period = {"start": _when(regimen.valid_from)}
            if regimen.valid_to:
                period["end"] = _when(regimen.valid_to)
            resource = {"resourceType": "MedicationStatement", "status": status,
                        "medicationCodeableConcept": self.medication(med),
                        "subject": _ref(self.patient), "effectivePeriod": period,
                        "dateAsserted": _when(med.created_at), "dosage": dosage}
            if med.purpose:
                resource["reasonCode"] = [_concept(med.purpose)]
            self.add(_urn(self.base, "regimen", regimen.id), resource)

    def dosages(self, med: Medication, regimen: Regimen) -> list[dict]:
        """``Dosage`` of a version: its timing by schedule kind, its ``doseAndRate`` in its
        unit; amounts that differ by weekday give one dosage per amount (``sequence``)."""
        unit = regimen.amount_unit or med.form
        base: dict = {}
        if regimen.strength is not None:
            base["text"] = f"{regimen.strength.normalize():f} {regimen.strength_unit}".strip()
        if regimen.amount_words:
            base["patientInstruction"] = regimen.amount_words
        if regimen.as_needed:
            base["asNeededCodeableConcept" if regimen.reason else "asNeededBoolean"] = \
                _concept(regimen.reason) if regimen.reason else True
            if regimen.max_per_day:
                base["maxDosePerPeriod"] = {
                    "numerator": {"value": regimen.max_per_day},
                    "denominator": {"value": 1, "unit": "d", "system": UCUM, "code": "d"}}
            if regimen.min_interval_minutes:
                base["additionalInstruction"] = [_concept(
                    f"at least {regimen.min_interval_minutes} min between doses",
                    f"{self.codes}/min-interval-minutes", str(regimen.min_interval_minutes))]
            return [{**base, "doseAndRate": [_dose(regimen.amount, unit)]}]
        base["asNeededBoolean"] = False
        by_amount: dict = {}
        for day in regimen.weekdays or range(7):
            amount = Decimal((regimen.weekday_amounts or {}).get(str(day), regimen.amount))
            by_amount.setdefault(amount, []).append(day)
        if len(by_amount) == 1 or regimen.schedule_kind not in ("fixed", "every_hours"):
            return [{**base, "timing": self.timing(regimen, regimen.weekdays),
                     "doseAndRate": [_dose(regimen.amount, unit)]}]
        return [{**base, "sequence": n, "timing": self.timing(regimen, days),
                 "doseAndRate": [_dose(amount, unit)]}
                for n, (amount, days) in enumerate(by_amount.items(), start=1)]

    def timing(self, regimen: Regimen, days) -> dict:
        """``Timing`` by kind: times on weekdays; every N hours (``period`` in hours with the
        times it gives); every N days (``period`` in days from ``boundsPeriod.start``); a
        cycle (daily times from its first day, days on and off and that day, which may come
        before the medication's start in Tend, in Tend's extension)."""
        repeat: dict = {"timeOfDay": [f"{t}:00" for t in regimen.times]}
        kind = regimen.schedule_kind
        if kind == "every_hours":
            repeat.update(frequency=1, period=regimen.interval_hours, periodUnit="h")
        elif kind == "every_days":
            repeat.update(frequency=len(regimen.times), period=regimen.interval_days,
                          periodUnit="d", boundsPeriod={"start": regimen.anchor_on.isoformat()})
        elif kind == "cycle":
            repeat.update(frequency=len(regimen.times), period=1, periodUnit="d",
                          boundsPeriod={"start": regimen.anchor_on.isoformat()})
        if kind in ("fixed", "every_hours") and days and len(days) < 7:
            repeat["dayOfWeek"] = [WEEKDAYS[d] for d in sorted(days)]
        timing: dict = {"repeat": repeat}
        if kind == "cycle":
            timing["extension"] = [{"url": f"{self.codes}/cycle", "extension": [
                {"url": "days-on", "valueInteger": regimen.cycle_on_days},
                {"url": "days-off", "valueInteger": regimen.cycle_off_days},
                {"url": "first-day", "valueDate": regimen.anchor_on.isoformat()}]}]
            timing["code"] = {"text": f"{regimen.cycle_on_days} days on, "
                                      f"{regimen.cycle_off_days} days off"}
        return timing

    def administration(self, event: DoseEvent) -> None:
        resource = {"resourceType": "MedicationAdministration",
                    "status": "completed" if event.status is DoseStatus.TAKEN else "not-done",
                    "medicationCodeableConcept": self.medication(event.medication),
                    "subject": _ref(self.patient), "effectiveDateTime": _when(
                        event.occurred_at.astimezone(ZoneInfo(event.timezone)))}
        if event.status is DoseStatus.SKIPPED and event.skip_reason:
            resource["statusReason"] = [_concept(event.skip_reason.value,
                                                 f"{self.codes}/skip-reason",
                                                 event.skip_reason.value)]
        if event.amount is not None:
            regimen = event.planned_dose.regimen if event.planned_dose else \
                medications.version_at(event.medication, event.occurred_at)
            resource["dosage"] = {"dose": _dose(event.amount, regimen.amount_unit
                                                or event.medication.form)["doseQuantity"]}
        if event.helped:
            resource["note"] = [{"text": f"did it help? {event.helped.replace('_', ' ')}"}]
        if event.note:
            resource.setdefault("note", []).append({"text": event.note})
        self.add(_urn(self.base, "dose-event", event.id), resource)

    def observation(self, urn: str, code: dict, effective: dict, value: dict,
                    note: str = "") -> None:
        resource = {"resourceType": "Observation", "status": "final",
                    "category": [{"coding": [{
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "survey"}]}],
                    "code": code, "subject": _ref(self.patient), **effective, **value}
        if note:
            resource["note"] = [{"text": note}]
        self.add(urn, resource)

    def checkin(self, item: CheckIn) -> None:
        """One Observation per answer given, named by the check-in vocabulary's label."""
        day = {"effectiveDateTime": _when(item.local_date)}
        for answer in CHECKIN_FIELDS:
            value = getattr(item, answer.name)
            if value is None or value == "":
                continue
            code = _concept(str(answer.label), f"{self.codes}/checkin", answer.name)
            if answer.name in LOINC_CODES:
                loinc, display = LOINC_CODES[answer.name]
                code["coding"] = [{"system": LOINC, "code": loinc, "display": display}]
            self.observation(_urn(self.base, "checkin", item.id, answer.name), code, day,
                             self.checkin_value(answer.kind, value))

    @staticmethod
    def checkin_value(kind: AnswerKind, value) -> dict:
        if kind is AnswerKind.HOURS:
            return {"valueQuantity": {"value": float(value), "unit": "h", "system": UCUM,
                                      "code": "h"}}
        if kind is AnswerKind.SCALE:
            return {"valueInteger": value}
        return {"valueString": value}

    def side_effect(self, item: SideEffect) -> None:
        period = {"start": _when(item.started_on)}
        if item.ended_on:
            period["end"] = _when(item.ended_on)
        self.observation(_urn(self.base, "side-effect", item.id),
                         _concept(item.symptom, f"{self.codes}/side-effect", "side-effect"),
                         {"effectivePeriod": period},
                         {"valueCodeableConcept": _concept(item.severity.value,
                                                           f"{self.codes}/severity",
                                                           item.severity.value)},
                         item.note)

    def ruler(self, ruler: Ruler, title: str) -> None:
        """Each ruler the client gave, as its own Observation (the reasons as its note)."""
        for name, label, reason in (
                ("importance", "How important is this to me (0-10)", ruler.importance_reason),
                ("confidence", "How confident am I (0-10)", ruler.confidence_reason)):
            value = getattr(ruler, name)
            if value is None:
                continue
            self.observation(_urn(self.base, "ruler", ruler.id, name),
                             _concept(label, f"{self.codes}/readiness", name),
                             {"effectiveDateTime": _when(ruler.recorded_at)},
                             {"valueInteger": value,
                              "focus": [{"display": title}]}, reason)

    def measure_concept(self, measure: str) -> dict:
        """A goal's measure: a check-in answer (sleep with its LOINC code too), a side
        effect's severity, or the doses taken."""
        label = goals.measure_label(measure)
        symptom = decisions.symptom_of(measure)
        if symptom is not None:
            return _concept(label, f"{self.codes}/side-effect", "side-effect")
        if measure == goals.DOSES_TAKEN:
            return _concept(label, f"{self.codes}/measure", goals.DOSES_TAKEN)
        code = _concept(label, f"{self.codes}/checkin", measure)
        if measure in LOINC_CODES:
            loinc, display = LOINC_CODES[measure]
            code["coding"].append({"system": LOINC, "code": loinc, "display": display})
        return code

    def goal_target_unit(self, measure: str) -> dict:
        if measure == goals.DOSES_TAKEN:
            return {"unit": "%", "system": UCUM, "code": "%"}
        if measure in CHECKIN_FIELD and CHECKIN_FIELD[measure].kind is AnswerKind.HOURS:
            return {"unit": "h", "system": UCUM, "code": "h"}
        return {"unit": "{score}", "system": UCUM, "code": "{score}"}

    def goal(self, note: AppointmentNote) -> None:
        resource = {"resourceType": "Goal",
                    "lifecycleStatus": "completed" if note.done_at else "active",
                    "description": {"text": note.text}, "subject": _ref(self.patient),
                    "startDate": _when(note.created_at.date())}
        if note.measure:
            target = {"measure": self.measure_concept(note.measure)}
            if note.target is not None:
                quantity = {"value": float(note.target), **self.goal_target_unit(note.measure)}
                comparator = {"up": ">=", "down": "<="}.get(note.direction)
                if comparator:
                    quantity["comparator"] = comparator
                target["detailQuantity"] = quantity
            else:
                target["detailCodeableConcept"] = _concept(
                    str(goals.DIRECTIONS[note.direction]), f"{self.codes}/goal-direction",
                    note.direction)
            resource["target"] = [target]
        if note.done_at:
            resource["statusDate"] = _when(note.done_at.date())
        self.add(_urn(self.base, "goal", note.id), resource)

    def consent(self, link: CareLink) -> None:
        period = {}
        if link.accepted_at:
            period["start"] = _when(link.accepted_at)
        if link.ended_at:
            period["end"] = _when(link.ended_at)
        grants = []
        for grant in link.grants:
            provision = {"type": "permit", "code": [_concept(
                grant.category.value, f"{self.codes}/share-category", grant.category.value)]}
            window = {}
            if grant.from_date:
                window["start"] = _when(grant.from_date)
            if grant.until_date:
                window["end"] = _when(grant.until_date)
            if window:
                provision["dataPeriod"] = window
            grants.append(provision)
        provision = {"type": "permit", "actor": [{
            "role": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                                 "code": "IRCP", "display": "information recipient"}]},
            "reference": {"display": f"{link.name} ({link.role.value})"}}]}
        if period:
            provision["period"] = period
        if grants:
            provision["provision"] = grants
        self.add(_urn(self.base, "care-link", link.id), {
            "resourceType": "Consent", "status": CONSENT_STATUS[link.status],
            "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope",
                                  "code": "patient-privacy"}]},
            "category": [{"coding": [{"system": LOINC, "code": "59284-0",
                                      "display": "Patient Consent"}]}],
            "patient": _ref(self.patient), "dateTime": _when(link.created_at),
            "policyRule": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                                       "code": "OPTIN"}]},
            "provision": provision})


def bundle(db: Session, client: User, now: datetime, base_url: str) -> dict:
    """The client's record as a FHIR Bundle document (a dict ready for JSON)."""
    builder = _Builder(base_url, client)
    meds = db.scalars(select(Medication).where(Medication.client_id == client.id)
                      .options(selectinload(Medication.regimens)).order_by(Medication.id)).all()
    plan_steps = {regimen_id: step.ordinal for regimen_id, step
                  in step_plans.steps_of_versions(db, client).items()}
    for med in meds:
        builder.statements(med, now, plan_steps)
    for event in db.scalars(select(DoseEvent).where(DoseEvent.client_id == client.id)
                            .order_by(DoseEvent.occurred_at, DoseEvent.id)):
        builder.administration(event)
    for item in db.scalars(select(CheckIn).where(CheckIn.client_id == client.id)
                           .order_by(CheckIn.local_date)):
        builder.checkin(item)
    for item in db.scalars(select(SideEffect).where(SideEffect.client_id == client.id)
                           .order_by(SideEffect.started_on, SideEffect.id)):
        builder.side_effect(item)
    for experiment in db.scalars(select(Experiment).where(Experiment.client_id == client.id)
                                 .options(selectinload(Experiment.rulers))
                                 .order_by(Experiment.id)):
        for ruler in experiment.rulers:
            builder.ruler(ruler, experiment.title)
    for note in db.scalars(select(AppointmentNote).where(
            AppointmentNote.client_id == client.id, AppointmentNote.kind == NoteKind.GOAL)
            .order_by(AppointmentNote.id)):
        builder.goal(note)
    for link in db.scalars(select(CareLink).where(CareLink.client_id == client.id)
                           .options(selectinload(CareLink.grants)).order_by(CareLink.id)):
        builder.consent(link)
    return {"resourceType": "Bundle", "id": str(uuid.uuid4()), "type": "collection",
            "timestamp": _when(now), "entry": builder.entries}


def validate(document: dict) -> None:
    """Raise ``pydantic.ValidationError`` unless the document is a valid FHIR Bundle."""
    Bundle.model_validate(document)
