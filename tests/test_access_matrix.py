"""The authorization matrix: every route of the app, for every kind of visitor.

``ROUTES`` says, for each endpoint in ``app.url_map``, which class of route it is:

- ``PUBLIC``: anyone (the front door, sign-in, the installable shell). Must never show a
  client's data.
- ``OWN_ACCOUNT``: any signed-in person, about their own account only.
- ``CLIENT_ONLY``: a client's own record. Signed out: sent to sign in (401 for the API);
  therapists and caregivers: 403; another client: 403/404 for anything that is the client's,
  and never a marker of the client's data.
- ``SUPPORTER_OWN``: a therapist's or caregiver's own pages (their caseload); clients 403.
- ``SUPPORTER_SCOPED``: about one client, through ``access.require``: 404 without an active
  link (none, revoked, invitation expired), 403 with a link but without the route's grant
  or role, otherwise the page, showing each granted category and nothing else. With
  ``authors_only``, the id names the visitor's own writing: another's (or none) is 404.

A new route without an entry fails ``test_every_route_has_an_expectation``: add it to
``ROUTES``. Alice's record (tests/sharing_world.py) has a marker per category before and after
the grants' "from" day; no visitor but Alice may ever see one that isn't granted to them, and
nobody but Alice sees one from before the "from" day."""
import re
from dataclasses import dataclass, field, replace
from datetime import timedelta
from decimal import Decimal

import pytest
from flask import url_for
from sqlalchemy import func, select

from models import (CareLink, Category, CheckIn, DoseEvent, Grant, HelpContact, LinkStatus,
                    Medication, Regimen, Role, SideEffect, User, UserSession, db)
from models.decisions import NoteKind, Side
from models.plan import SafetyPlanItem
from models.step_plan import PlanKind
from tend.access import GRANTABLE, access_for_link
from tend.services import update_content
from tend.services import care_team, decisions, prescriber_updates, step_plans
from tests.conftest import CSRF_META, Person, login, make_person
from tests.sharing_world import (ALWAYS_HIDDEN, CURRENT_MED, DECISION_MARKERS, FLAG_EVIDENCE,
                                 FROM_DAY, MARKERS, NEW_DAY, NOW, OLD_DAY, link,
                                 seed_flag_evidence, seed_record)

PUBLIC = "public"
OWN_ACCOUNT = "own-account"
CLIENT_ONLY = "client-only"
SUPPORTER_OWN = "supporter-own"
SUPPORTER_SCOPED = "supporter-scoped"
MISSING = 987654  # an id that belongs to nobody


@dataclass(frozen=True)
class Expect:
    kind: str
    # URL argument -> key in the seeded ids (or a literal value for non-id arguments).
    params: dict = field(default_factory=dict)
    category: Category | tuple | None = None  # supporter-scoped: the grant(s) it needs
    role: Role | None = None          # supporter-scoped: only for this supporter role
    shows: tuple = ()                 # supporter-scoped GET: categories it must show if granted
    # query-string argument -> key in the seeded ids (or a literal value)
    query: dict = field(default_factory=dict)
    methods: tuple | None = None      # methods to try (default: all the route has)
    authors_only: bool = False        # the id names the visitor's own writing (MISSING: 404)
    shows_decision_work: bool = False  # GET: rulers and measured goals, with the questions grant
    # A supporter's own page that shows each client's record within its grants (the
    # caseload's flags name a medication with the medications grant).
    within_grants: bool = False


CLIENT = {"client_id": "client_id"}
MED = {"medication_id": "medication_id"}
EVENT = {"event_id": "event_id"}
SIDE_EFFECT = {"side_effect_id": "side_effect_id", "item_id": "side_effect_id"}
DAY = {"day": NEW_DAY.isoformat()}

ROUTES: dict[str, Expect] = {
    # Anyone
    "main.index": Expect(PUBLIC),
    "auth.login": Expect(PUBLIC, methods=("GET",)),
    "auth.signup": Expect(PUBLIC, methods=("GET",)),
    "auth.logout": Expect(PUBLIC, methods=()),  # tried, it would sign the visitor out
    "pwa.manifest": Expect(PUBLIC),
    "pwa.offline": Expect(PUBLIC),
    "help.offline": Expect(PUBLIC),  # the offline Get help page: names nobody
    "pwa.ping": Expect(PUBLIC),
    "pwa.service_worker": Expect(PUBLIC),
    "pwa.push_handlers": Expect(PUBLIC),
    "help.plan_offline": Expect(PUBLIC),  # the offline copy's empty shell: names nobody
    "pwa.static": Expect(PUBLIC, params={"filename": "icons/icon-192.png"}),
    "ops.healthz": Expect(PUBLIC),
    "api.openapi": Expect(PUBLIC),
    "reminders.act": Expect(PUBLIC),  # authorized by a signed token in the body, not a session
    # authorized by the old subscription's auth secret in the body, not a session
    "reminders.subscription_changed": Expect(PUBLIC),
    "care.invitation": Expect(PUBLIC, params={"code": "code"}, methods=("GET",)),
    "recovery.forgot_password": Expect(PUBLIC, methods=("GET",)),
    "recovery.reset_password": Expect(PUBLIC, params={"token": "not-a-token"}),
    "auth.confirm_signup": Expect(PUBLIC, params={"token": "not-a-token"}),
    # Any signed-in person, about themselves
    "auth.account": Expect(OWN_ACCOUNT),
    "auth.change_password": Expect(OWN_ACCOUNT),
    "auth.theme": Expect(OWN_ACCOUNT),
    "auth.language": Expect(OWN_ACCOUNT),
    "auth.end_device": Expect(OWN_ACCOUNT, params={"session_id": "session_id"}),
    "api.me": Expect(OWN_ACCOUNT),
    "api.update_me": Expect(OWN_ACCOUNT),
    "export.delete_account": Expect(OWN_ACCOUNT, methods=("GET",)),  # POST: tested by export
    # The client's own record
    "client.today": Expect(CLIENT_ONLY),
    "auth.zone_notice": Expect(CLIENT_ONLY, query={"zone": "Asia/Tokyo"}),
    "auth.change_zone": Expect(CLIENT_ONLY),
    "client.more": Expect(CLIENT_ONLY),
    "help.index": Expect(CLIENT_ONLY),
    "start.index": Expect(CLIENT_ONLY),
    "start.medication": Expect(CLIENT_ONLY),
    "start.reminders": Expect(CLIENT_ONLY),
    "start.install": Expect(CLIENT_ONLY),
    "start.checkin": Expect(CLIENT_ONLY),
    "start.skip": Expect(CLIENT_ONLY, params={"step": "reminders"}),
    "start.put_away": Expect(CLIENT_ONLY),
    "help.plan": Expect(CLIENT_ONLY),
    "help.plan_add": Expect(CLIENT_ONLY, params={"section": "warning_signs"}),
    "help.plan_item": Expect(CLIENT_ONLY, params={"item_id": "plan_item_id"}),
    "help.plan_item_move": Expect(CLIENT_ONLY, params={"item_id": "plan_item_id"}),
    "help.plan_item_remove": Expect(CLIENT_ONLY, params={"item_id": "plan_item_id"}),
    "help.region": Expect(CLIENT_ONLY),
    "help.contact_new": Expect(CLIENT_ONLY),
    "help.contact_edit": Expect(CLIENT_ONLY, params={"contact_id": "contact_id"}),
    "help.contact_delete": Expect(CLIENT_ONLY, params={"contact_id": "contact_id"}),
    "help.offline_copy": Expect(CLIENT_ONLY),
    "client.history": Expect(CLIENT_ONLY),
    "client.checkin": Expect(CLIENT_ONLY, params=DAY),
    "client.checkin_delete": Expect(CLIENT_ONLY, params=DAY),
    "client.dose_new": Expect(CLIENT_ONLY, query={"dose": "planned_dose_id"}),
    "client.dose_log": Expect(CLIENT_ONLY),
    "client.dose_edit": Expect(CLIENT_ONLY, params=EVENT),
    "client.dose_delete": Expect(CLIENT_ONLY, params=EVENT),
    "client.dose_helped": Expect(CLIENT_ONLY, params=EVENT),
    "client.medications_list": Expect(CLIENT_ONLY),
    "client.medication_new": Expect(CLIENT_ONLY),
    "client.medication": Expect(CLIENT_ONLY, params=MED),
    "client.medication_edit": Expect(CLIENT_ONLY, params=MED),
    "client.medication_change": Expect(CLIENT_ONLY, params=MED),
    "client.medication_pause": Expect(CLIENT_ONLY, params=MED),
    "client.medication_resume": Expect(CLIENT_ONLY, params=MED),
    "client.medication_refill": Expect(CLIENT_ONLY, params=MED),
    "client.medication_stop": Expect(CLIENT_ONLY, params=MED),
    "client.plan_new": Expect(CLIENT_ONLY, params=MED),
    "client.plan_action": Expect(CLIENT_ONLY, params={**MED, "plan_id": "plan_id",
                                                      "action": "pause"}),
    "client.side_effect_new": Expect(CLIENT_ONLY),
    "client.side_effect": Expect(CLIENT_ONLY, params=SIDE_EFFECT),
    "client.side_effect_edit": Expect(CLIENT_ONLY, params=SIDE_EFFECT),
    "client.side_effect_delete": Expect(CLIENT_ONLY, params=SIDE_EFFECT),
    "insights.overview": Expect(CLIENT_ONLY),
    "api.today": Expect(CLIENT_ONLY),
    "api.list_medications": Expect(CLIENT_ONLY),
    "api.create_medication": Expect(CLIENT_ONLY),
    "api.change_medication": Expect(CLIENT_ONLY, params=MED),
    "api.get_medication": Expect(CLIENT_ONLY, params=MED),
    "api.pause_medication": Expect(CLIENT_ONLY, params=MED),
    "api.resume_medication": Expect(CLIENT_ONLY, params=MED),
    "api.refill_medication": Expect(CLIENT_ONLY, params=MED),
    "api.stop_medication": Expect(CLIENT_ONLY, params=MED),
    "api.list_doses": Expect(CLIENT_ONLY),
    "api.log_dose": Expect(CLIENT_ONLY),
    "api.undo_dose": Expect(CLIENT_ONLY, params=EVENT),
    "api.answer_helped": Expect(CLIENT_ONLY, params=EVENT),
    "api.list_side_effects": Expect(CLIENT_ONLY),
    "api.record_side_effect": Expect(CLIENT_ONLY),
    "api.delete_side_effect": Expect(CLIENT_ONLY, params=SIDE_EFFECT),
    "api.list_checkins": Expect(CLIENT_ONLY),
    "api.save_checkin": Expect(CLIENT_ONLY),
    "api.delete_checkin": Expect(CLIENT_ONLY, params={"item_id": "checkin_id"}),
    "reminders.settings": Expect(CLIENT_ONLY),
    "reminders.save_settings": Expect(CLIENT_ONLY),
    "reminders.history": Expect(CLIENT_ONLY),
    "reminders.confirm_dose": Expect(CLIENT_ONLY, params={"planned_dose_id": "planned_dose_id"}),
    "reminders.subscribe": Expect(CLIENT_ONLY),
    "reminders.this_device": Expect(CLIENT_ONLY),
    "reminders.renew_this_device": Expect(CLIENT_ONLY),
    "reminders.unsubscribe": Expect(CLIENT_ONLY, params={"subscription_id": MISSING}),
    "reminders.remove_device": Expect(CLIENT_ONLY, params={"subscription_id": MISSING}),
    "reminders.test_device": Expect(CLIENT_ONLY, params={"subscription_id": MISSING}),
    "decisions.experiments": Expect(CLIENT_ONLY),
    "decisions.experiment_new": Expect(CLIENT_ONLY),
    "decisions.experiment": Expect(CLIENT_ONLY, params={"experiment_id": MISSING}),
    "decisions.experiment_end": Expect(CLIENT_ONLY, params={"experiment_id": MISSING}),
    "decisions.experiment_reopen": Expect(CLIENT_ONLY, params={"experiment_id": MISSING}),
    "decisions.checkpoint_add": Expect(CLIENT_ONLY, params={"experiment_id": MISSING}),
    "decisions.experiment_agreed": Expect(CLIENT_ONLY, params={"experiment_id": MISSING}),
    "decisions.experiment_expectation": Expect(CLIENT_ONLY, params={"experiment_id": MISSING}),
    "decisions.medication_expectation": Expect(CLIENT_ONLY, params=MED),
    "decisions.checkpoint": Expect(CLIENT_ONLY, params={"experiment_id": MISSING,
                                                        "checkpoint_id": MISSING}),
    "decisions.appointment": Expect(CLIENT_ONLY),
    "decisions.summary": Expect(CLIENT_ONLY),
    "decisions.note_add": Expect(CLIENT_ONLY, params={"kind": "concern"}),
    "decisions.note_done": Expect(CLIENT_ONLY, params={"note_id": "note_id"}),
    "decisions.balance_add": Expect(CLIENT_ONLY),
    "decisions.balance_done": Expect(CLIENT_ONLY, params={"balance_id": "balance_id"}),
    "decisions.reason_add": Expect(CLIENT_ONLY, params={"balance_id": "balance_id",
                                                        "side": "pro"}),
    "decisions.reason_delete": Expect(CLIENT_ONLY, params={"balance_id": "balance_id",
                                                           "reason_id": "reason_id"}),
    "decisions.question_add": Expect(CLIENT_ONLY),
    "decisions.question_asked": Expect(CLIENT_ONLY, params={"question_id": "question_id"}),
    "decisions.question_answer": Expect(CLIENT_ONLY, params={"question_id": "question_id"}),
    "decisions.question_reopen": Expect(CLIENT_ONLY, params={"question_id": "question_id"}),
    "decisions.question_delete": Expect(CLIENT_ONLY, params={"question_id": "question_id"}),
    "export.overview": Expect(CLIENT_ONLY),
    "export.download_zip": Expect(CLIENT_ONLY),
    "export.download_fhir": Expect(CLIENT_ONLY),
    "export.import_file": Expect(CLIENT_ONLY),
    "sharing.team": Expect(CLIENT_ONLY),
    "sharing.invite": Expect(CLIENT_ONLY),
    "sharing.person": Expect(CLIENT_ONLY, params={"link_id": "link_id"}),
    "sharing.new_code": Expect(CLIENT_ONLY, params={"link_id": "link_id"}),
    "sharing.end": Expect(CLIENT_ONLY, params={"link_id": "link_id"}),
    "sharing.ask_to_end": Expect(CLIENT_ONLY, params={"link_id": "link_id"}),
    "sharing.undo_end": Expect(CLIENT_ONLY, params={"link_id": "link_id"}),
    "sharing.alerts": Expect(CLIENT_ONLY, params={"link_id": "caregiver_link_id"}),
    "sharing.preview": Expect(CLIENT_ONLY, params={"link_id": "link_id"}),
    "sharing.access_log": Expect(CLIENT_ONLY),
    "sharing.notes": Expect(CLIENT_ONLY),
    "sharing.updates_list": Expect(CLIENT_ONLY),
    "sharing.update": Expect(CLIENT_ONLY, params={"update_id": "update_id"}),
    "sharing.approve_update": Expect(CLIENT_ONLY, params={"update_id": "update_id"}),
    "sharing.updates_without_asking": Expect(CLIENT_ONLY, params={"link_id": "link_id"}),
    "sharing.observations": Expect(CLIENT_ONLY),
    "sharing.decide_observation": Expect(CLIENT_ONLY, params={"observation_id": MISSING}),
    # Therapists' and caregivers' own pages
    "care.home": Expect(SUPPORTER_OWN, within_grants=True),
    "care.subscribe_device": Expect(SUPPORTER_OWN, role=Role.CAREGIVER),
    # About one client, through the client's grants
    "care.client": Expect(SUPPORTER_SCOPED, params=CLIENT,
                          shows=(Category.MEDICATIONS, Category.DOSE_LOG, Category.SIDE_EFFECTS,
                                 Category.SLEEP, Category.ENERGY, Category.MOOD,
                                 Category.FUNCTIONING, Category.NOTES, Category.QUESTIONS,
                                 Category.SAFETY_PLAN, Category.CONTACTS),
                          shows_decision_work=True),
    "care.prescriber_update": Expect(SUPPORTER_SCOPED, params=CLIENT, role=Role.THERAPIST,
                                     shows=(Category.MEDICATIONS, Category.SIDE_EFFECTS,
                                            Category.SLEEP, Category.NOTES,
                                            Category.QUESTIONS)),
    "care.notes": Expect(SUPPORTER_SCOPED, params=CLIENT, role=Role.THERAPIST),
    "care.save_update": Expect(SUPPORTER_SCOPED, params=CLIENT, role=Role.THERAPIST),
    # A saved update is its author's link's: another therapist's id (or none) is a 404.
    "care.update_version": Expect(SUPPORTER_SCOPED, params={**CLIENT, "update_id": MISSING},
                                  role=Role.THERAPIST, authors_only=True),
    "care.mark_update_sent": Expect(SUPPORTER_SCOPED, params={**CLIENT, "update_id": MISSING},
                                    role=Role.THERAPIST, authors_only=True),
    "care.download_update": Expect(SUPPORTER_SCOPED, params={**CLIENT, "update_id": MISSING},
                                   role=Role.THERAPIST, authors_only=True),
    "care.observations": Expect(SUPPORTER_SCOPED, params=CLIENT, role=Role.CAREGIVER),
    "care.note_edit": Expect(SUPPORTER_SCOPED, params={**CLIENT, "note_id": MISSING},
                             role=Role.THERAPIST, authors_only=True),
    "care.note_remove": Expect(SUPPORTER_SCOPED, params={**CLIENT, "note_id": MISSING},
                               role=Role.THERAPIST, authors_only=True),
    "care.log_dose": Expect(SUPPORTER_SCOPED, params={**CLIENT,
                                                      "planned_dose_id": "planned_dose_id"},
                            category=Category.MEDICATIONS, role=Role.CAREGIVER),
    "care.reminders": Expect(SUPPORTER_SCOPED, params=CLIENT, role=Role.CAREGIVER,
                             category=Category.MANAGE_REMINDERS),
    "care.reminder_checkin": Expect(SUPPORTER_SCOPED, params=CLIENT, role=Role.CAREGIVER,
                                    category=Category.MANAGE_REMINDERS),
    "care.reminder_medications": Expect(SUPPORTER_SCOPED, params=CLIENT, role=Role.CAREGIVER,
                                        category=(Category.MANAGE_REMINDERS,
                                                  Category.MEDICATIONS)),
}
IGNORED = {"static"}  # files from static/: no data


# --- The visitors -------------------------------------------------------------------------------

@dataclass
class Visitor:
    name: str
    role: Role | None = None          # None: signed out
    is_self: bool = False
    linked: bool = False              # has an active link with Alice
    granted: frozenset = frozenset()  # categories granted to them now
    client: object = None             # the test client, signed in
    token: str = ""                   # its CSRF token
    representative: bool = True       # also tried on routes that aren't supporter-scoped
    link_id: int | None = None        # their link with Alice (for her "see as" preview)


def _grants_now(categories) -> frozenset:
    return frozenset(Category(c) for c in categories)


@pytest.fixture
def world(app, clock, alice, dave):
    """Alice's record, and one visitor per case of the matrix."""
    clock.set(NOW)
    ids = seed_record(alice)
    client_user = db.session.get(User, alice.id)
    question = decisions.add_question(db.session, client_user, "MK-QUESTION", NOW)
    decisions.record_answer(question, "MK-ANSWERED", NOW)  # answered: not shown
    note = decisions.add_note(db.session, client_user, NoteKind.CONCERN, "MK-CONCERN", NOW)
    note.done_at = NOW  # done: not shown
    plan = step_plans.create_plan(db.session, client_user, db.session.get(
        Medication, ids["medication_id"]), step_plans.PlanInput(
        kind=PlanKind.TAPER, amounts=[Decimal("0.75"), Decimal("0.5")],
        first_day=NOW.date() + timedelta(days=1), interval_days=7), NOW)
    balance = decisions.add_balance(db.session, client_user, "MK-BALANCE", NOW)
    reason = decisions.add_reason(db.session, balance, Side.PRO, "MK-REASON", NOW)
    db.session.commit()
    ids.update(client_id=alice.id, question_id=question.id, note_id=note.id,
               balance_id=balance.id, reason_id=reason.id, plan_id=plan.id,
               event_id=db.session.scalar(select(func.min(DoseEvent.id))),
               side_effect_id=db.session.scalar(select(func.max(SideEffect.id))),
               checkin_id=db.session.scalar(select(func.max(CheckIn.id))),
               plan_item_id=db.session.scalar(select(func.max(SafetyPlanItem.id))))

    visitors = [Visitor("anonymous"), Visitor("client self", Role.CLIENT, is_self=True),
                Visitor("other client", Role.CLIENT)]
    for role in (Role.THERAPIST, Role.CAREGIVER):
        everything = GRANTABLE[role]
        cases = [(f"{role.value} without grants", (), {}),
                 (f"{role.value} with every grant", everything, {})]
        cases += [(f"{role.value} with {c.value}", (c,), {}) for c in everything]
        if role is Role.CAREGIVER:  # the reminders page names medications with both
            cases.append(("caregiver with manage_reminders and medications",
                          (Category.MANAGE_REMINDERS, Category.MEDICATIONS), {}))
        for name, categories, extra in cases:
            person = make_person(f"{name.replace(' ', '.')}@example.com", name, role)
            care_link = link(alice, person, categories)
            visitors.append(Visitor(name, role, linked=True, granted=_grants_now(categories),
                                    representative=categories in ((), everything),
                                    link_id=care_link.id))
            if categories == everything:
                ids["link_id" if role is Role.THERAPIST else "caregiver_link_id"] = care_link.id
    revoked = make_person("revoked@example.com", "Revoked therapist", Role.THERAPIST)
    link(alice, revoked, GRANTABLE[Role.THERAPIST], status=LinkStatus.ENDED)
    visitors.append(Visitor("revoked therapist", Role.THERAPIST))
    ended = make_person("until@example.com", "Grant ended", Role.CAREGIVER)
    link(alice, ended, GRANTABLE[Role.CAREGIVER], until_date=NOW.date() - timedelta(days=1))
    visitors.append(Visitor("caregiver whose grants ended", Role.CAREGIVER, linked=True))
    expired = make_person("expired@example.com", "Expired invitee", Role.THERAPIST)
    with app.test_request_context():  # the log entry is written in the request's language
        care_team.invite(db.session, client_user, Role.THERAPIST, "Expired invitee",
                     NOW - timedelta(days=8))
        _, ids["code"] = care_team.invite(db.session, client_user, Role.THERAPIST, "Fresh", NOW)
    visitors.append(Visitor("therapist whose invitation expired", Role.THERAPIST))
    db.session.commit()
    # A prescriber update the therapist with every grant saved (for Alice's approval pages).
    therapist_link = db.session.get(CareLink, ids["link_id"])
    with app.test_request_context():
        content = update_content.gather(access_for_link(therapist_link, NOW), FROM_DAY,
                                        NOW.date(), NOW)
    update = prescriber_updates.save_new(db.session, therapist_link, FROM_DAY, NOW.date(),
                                         "MK-THERAPIST-OBS", "", content, NOW)
    db.session.commit()
    ids["update_id"] = update.id

    people = {"client self": alice, "other client": dave, "revoked therapist": revoked,
              "caregiver whose grants ended": ended,
              "therapist whose invitation expired": expired}
    for visitor in visitors:
        visitor.client = app.test_client()
        if visitor.role is None:
            visitor.token = CSRF_META.search(
                visitor.client.get("/login").get_data(as_text=True)).group(1)
            continue
        person = people.get(visitor.name)
        if person is None:
            user = db.session.scalar(select(User).where(User.display_name == visitor.name))
            person = Person(user.id, user.email, user.display_name, user.role)
        login(visitor.client, person)
        visitor.token = CSRF_META.search(
            visitor.client.get("/account").get_data(as_text=True)).group(1)
    ids["session_id"] = db.session.scalar(select(UserSession.id).where(
        UserSession.user_id == alice.id))
    return ids, visitors


# --- What a response may show ---------------------------------------------------------------

def forbidden_strings(visitor: Visitor, expect: Expect) -> list[str]:
    """What this visitor must never see on this route."""
    if visitor.is_self:
        return []
    hidden = list(ALWAYS_HIDDEN) + [f'data-day="{OLD_DAY.isoformat()}"']
    hidden += [m["old"] for m in MARKERS.values() if m["old"]]
    hidden += DECISION_MARKERS["old"]
    scoped = expect.kind == SUPPORTER_SCOPED or expect.within_grants
    granted = visitor.granted if scoped and visitor.linked else frozenset()
    for category, marker in MARKERS.items():
        if category not in granted:
            hidden.append(marker["new"])
    if Category.QUESTIONS not in granted:
        hidden += DECISION_MARKERS["new"]
    for category in Category:
        if category not in granted:
            hidden.append(f'data-category="{category.value}"')
    if Category.MEDICATIONS not in granted:
        hidden.append(CURRENT_MED)  # only the medications grant names a medication
    hidden += ["MK-QUESTION", "MK-ANSWERED", "MK-CONCERN"]
    if Category.QUESTIONS not in granted:  # decision work is shared with "questions"
        hidden += ["MK-BALANCE", "MK-REASON"]
    return hidden


def required_strings(visitor: Visitor, expect: Expect) -> list[str]:
    """What a granted visitor must see on a supporter-scoped page (the right data)."""
    required = [MARKERS[c]["new"] for c in expect.shows if c in visitor.granted and c in MARKERS]
    if expect.shows_decision_work and Category.QUESTIONS in visitor.granted:
        required += DECISION_MARKERS["new"]
    return required


def expected_status(visitor: Visitor, expect: Expect, method: str, path: str):
    """A set of acceptable status codes, or "ok" for a successful page."""
    api = path.startswith("/api/")
    if expect.kind == PUBLIC:
        return "any"
    if visitor.role is None:
        return {401} if api else "login"
    if expect.kind == OWN_ACCOUNT:
        return "own"
    if expect.kind == CLIENT_ONLY:
        if visitor.role is not Role.CLIENT:
            return {403}
        if visitor.is_self:
            return "self"
        has_ids = any(isinstance(v, str) and v.endswith("_id") or v == MISSING
                      for v in {**expect.params, **expect.query}.values())
        if not has_ids:
            return "own"
        # An invalid body is refused before any lookup (400 for every id alike): no leak.
        return {403, 404} if method == "GET" else {400, 403, 404}
    if visitor.role is Role.CLIENT:
        return {403}
    if expect.kind == SUPPORTER_OWN:
        return {403} if expect.role not in (None, visitor.role) else "ok"
    if not visitor.linked:
        return {404}
    if expect.role is not None and visitor.role is not expect.role:
        return {403}
    if expect.authors_only:
        return {404}
    needed = expect.category if isinstance(expect.category, tuple) else (expect.category,)
    if any(c is not None and c not in visitor.granted for c in needed):
        return {403}
    return "ok"


def _request(visitor: Visitor, method: str, path: str):
    client, token = visitor.client, visitor.token
    if path.startswith("/api/"):
        return client.open(path, method=method, json={},
                           headers={"X-CSRFToken": token} if method != "GET" else {})
    data = {"csrf_token": token} if method != "GET" else None
    return client.open(path, method=method, data=data)


def _fingerprint() -> dict:
    """Alice's record as far as anyone but her could change it."""
    return {
        "medications": sorted(db.session.execute(select(
            Medication.id, Medication.name, Medication.status, Medication.units_on_hand)).all()),
        "regimens": db.session.scalar(select(func.count()).select_from(Regimen)),
        "own doses": sorted(db.session.execute(select(DoseEvent.id, DoseEvent.status).where(
            DoseEvent.logged_by_id.is_(None))).all()),
        "side effects": sorted(db.session.execute(select(SideEffect.id, SideEffect.symptom))
                               .all()),
        "check-ins": sorted(db.session.execute(select(CheckIn.id, CheckIn.note)).all()),
        "links": sorted(db.session.execute(select(CareLink.id, CareLink.status)).all()),
        "grants": db.session.scalar(select(func.count()).select_from(Grant)),
        "plan": sorted(db.session.execute(select(
            SafetyPlanItem.id, SafetyPlanItem.text, SafetyPlanItem.position)).all()),
        "help contacts": sorted(db.session.execute(select(
            HelpContact.id, HelpContact.name, HelpContact.phone)).all()),
    }


# --- The tests --------------------------------------------------------------------------------

def test_every_route_has_an_expectation(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - IGNORED
    missing = sorted(endpoints - set(ROUTES))
    assert missing == [], f"add these routes to ROUTES in {__file__}: {missing}"


def _routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint in IGNORED:
            continue
        expect = ROUTES[rule.endpoint]
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        if expect.methods is not None:
            methods = [m for m in methods if m in expect.methods]
        yield rule, expect, methods


def _path(app, rule, expect: Expect, ids: dict) -> str:
    values = {name: ids.get(value, value) if isinstance(value, str) else value
              for name, value in expect.params.items()}
    values = {name: values.get(name, MISSING) for name in rule.arguments}
    values.update({name: ids.get(key, key) for name, key in expect.query.items()})
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


OUT_OF_RANGE = 2**40  # fits no 32-bit key (PostgreSQL refuses to even compare with one)
INT_ARGUMENT = re.compile(r"<int:(\w+)>")


def test_an_id_too_large_for_any_key_is_not_found_rather_than_an_error(app, world):
    ids, visitors = world
    signed_in = [v for v in visitors if v.role is not None and (v.is_self or v.representative)]
    failures = []
    for rule, expect, methods in _routes(app):
        int_arguments = INT_ARGUMENT.findall(rule.rule)
        if not int_arguments:
            continue
        path = _path(app, rule, replace(expect, params={
            **expect.params, **{name: OUT_OF_RANGE for name in int_arguments}}), ids)
        for visitor in signed_in:
            for method in methods:
                status = _request(visitor, method, path).status_code
                if status not in (400, 403, 404):
                    failures.append(f"{visitor.name}: {method} {path} answered {status}")
    assert failures == []


def test_no_visitor_sees_more_than_they_were_granted(app, world):
    ids, visitors = world
    before = _fingerprint()
    problems = []
    for rule, expect, methods in _routes(app):
        path = _path(app, rule, expect, ids)
        for method in methods:
            for visitor in visitors:
                if not visitor.representative and expect.kind != SUPPORTER_SCOPED:
                    continue  # one grant more or less changes nothing off the care pages
                if visitor.is_self and method != "GET":
                    continue  # Alice changing her own record is tested where it is built
                if expect.kind in (PUBLIC, OWN_ACCOUNT) and visitor.role is not None and \
                        method != "GET" and rule.endpoint.startswith("auth."):
                    continue  # would change the visitor's own session or password
                try:
                    response = _request(visitor, method, path)
                except Exception as error:  # TESTING propagates errors: report, go on
                    db.session.rollback()
                    problems.append(f"{visitor.name}: {method} {path}: raised {error!r}")
                    continue
                problems += _check(visitor, expect, method, path, response)
    db.session.rollback()
    assert problems == [], "\n".join(problems)
    after = _fingerprint()
    assert after == before, "someone other than Alice changed her record"


def _check(visitor, expect, method, path, response) -> list[str]:
    where = f"{visitor.name}: {method} {path} -> {response.status_code}"
    status = response.status_code
    body = response.get_data().decode("utf-8", errors="replace")
    expected = expected_status(visitor, expect, method, path)
    problems = []
    if status >= 500:
        problems.append(f"{where}: server error")
    elif expected == "login":
        if not (status == 302 and response.headers["Location"].startswith("/login")):
            problems.append(f"{where}: expected a redirect to sign in")
    elif expected == "ok":
        if method == "GET" and status != 200:
            problems.append(f"{where}: expected the page")
        elif method != "GET" and status not in (200, 302, 400):
            problems.append(f"{where}: expected it to be allowed")
        if method == "GET":
            for text in required_strings(visitor, expect):
                if text not in body:
                    problems.append(f"{where}: granted {text!r} is missing")
    elif expected == "own":
        if status not in (200, 302, 400, 404):
            problems.append(f"{where}: expected their own page")
    elif expected == "self":
        if status >= 400 and MISSING not in expect.params.values():
            problems.append(f"{where}: Alice can't reach her own page")
    elif isinstance(expected, set) and status not in expected:
        problems.append(f"{where}: expected {sorted(expected)}")
    for text in forbidden_strings(visitor, expect):
        if text in body:
            problems.append(f"{where}: shows {text!r}")
    return problems


# --- Medication names, and the reminders page -----------------------------------------------

def _visitor(visitors, name: str) -> Visitor:
    return next(v for v in visitors if v.name == name)


def _page(visitor: Visitor, path: str) -> str:
    response = visitor.client.get(path)
    assert response.status_code == 200, (visitor.name, path)
    return response.get_data(as_text=True)


@pytest.mark.parametrize("category", [Category.SIDE_EFFECTS, Category.DOSE_LOG])
def test_a_side_effects_or_dose_log_only_supporter_sees_no_medication_name(app, world,
                                                                          category):
    """A side effect names the medications it may come from, a dose its medication: only the
    medications grant may show those names, on every page and in Alice's "see as"."""
    ids, visitors = world
    alice = _visitor(visitors, "client self")
    for role in (Role.THERAPIST, Role.CAREGIVER):
        supporter = _visitor(visitors, f"{role.value} with {category.value}")
        pages = [_page(supporter, f"/care/clients/{ids['client_id']}"),
                 _page(alice, f"/sharing/people/{supporter.link_id}/preview")]
        for body in pages:
            assert MARKERS[category]["new"] in body, supporter.name  # the entry is there
        if role is Role.THERAPIST:  # the update has side effects (and no dose log)
            pages.append(_page(supporter, f"/care/clients/{ids['client_id']}/update"))
        for body in pages:
            assert CURRENT_MED not in body, supporter.name
            assert MARKERS[Category.MEDICATIONS]["old"] not in body, supporter.name


def test_with_the_medications_grant_a_side_effect_names_only_medications_in_its_days(app, world):
    ids, visitors = world
    supporter = _visitor(visitors, "therapist with every grant")
    for path in (f"/care/clients/{ids['client_id']}",
                 f"/care/clients/{ids['client_id']}/update"):
        body = _page(supporter, path)
        side_effects = body[body.index('data-category="side_effects"'):]
        side_effects = side_effects[:side_effects.index("</section>")]
        assert MARKERS[Category.SIDE_EFFECTS]["new"] in side_effects
        assert CURRENT_MED in side_effects
        # stopped before the medications grant's "from" day: not named
        assert MARKERS[Category.MEDICATIONS]["old"] not in body


def _log_rows(client_id, viewer_name):
    from models import AccessLogEntry
    return db.session.execute(select(AccessLogEntry.page, AccessLogEntry.categories).where(
        AccessLogEntry.client_id == client_id, AccessLogEntry.viewer_name == viewer_name)
    ).all()


def test_the_caregiver_reminders_page_is_logged_and_names_medications_only_with_that_grant(
        app, world):
    ids, visitors = world
    reminders = f"/care/clients/{ids['client_id']}/reminders"
    only = _visitor(visitors, "caregiver with manage_reminders")
    body = _page(only, reminders)
    assert CURRENT_MED not in body
    assert _log_rows(ids["client_id"], only.name) == [("Reminders", ["manage_reminders"])]

    both = _visitor(visitors, "caregiver with manage_reminders and medications")
    body = _page(both, reminders)
    assert CURRENT_MED in body
    assert MARKERS[Category.MEDICATIONS]["old"] not in body  # stopped: not reminded
    assert _log_rows(ids["client_id"], both.name) == [
        ("Reminders", ["medications", "manage_reminders"])]


# --- The caseload's flags --------------------------------------------------------------------

def test_caseload_flags_come_only_from_granted_categories_and_days(app, world, alice):
    """Each flag has evidence in one category: a therapist sees it only with that grant, and
    nothing dated before their grant's "from" day shows on the caseload."""
    ids, visitors = world
    seed_flag_evidence(alice, ids["medication_id"])
    for visitor in visitors:
        if visitor.role is not Role.THERAPIST or not visitor.linked:
            continue
        body = _page(visitor, "/care/")
        shown = dict(re.findall(r'data-flag="([a-z_]+)" data-flag-category="([a-z_]+)"', body))
        expected = {kind for kind, category in FLAG_EVIDENCE.items()
                    if category in visitor.granted}
        assert set(shown) - {"quiet", "below_usual"} <= expected, visitor.name
        assert expected <= set(shown), visitor.name
        assert {Category(c) for c in shown.values()} <= visitor.granted, visitor.name
        for category in MARKERS:
            if MARKERS[category]["old"]:
                assert MARKERS[category]["old"] not in body, visitor.name

