"""My plan for hard times: the client's own page (add, change, move, remove, in their order),
who can read it (supporters with the grant, read-only, access-logged) and its offline copy."""
import html
import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from models import AccessLogEntry, Category, LogAction, User, db
from models.plan import SafetyPlan, SafetyPlanItem
from tend.services import plan as plans
from tests.conftest import csrf_token, login
from tests.sharing_world import link

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)
PLAN = "/help/plan"


def section_words(app) -> dict:
    """Each section's heading and its line for when it is empty, as the pages write them."""
    with app.test_request_context():
        return {section.value: (str(text.title), str(text.empty))
                for section, text in plans.SECTION_TEXT.items()}


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def entries(body: str, section: str) -> list[str]:
    """The entries the page shows in one section, in order."""
    part = re.search(rf'data-plan-section="{section}"(.*?)</section>', body, re.S).group(1)
    return [html.unescape(text) for text in re.findall(r"data-plan-text>([^<]*)<", part)]


def add(client, section: str, text: str, token=None):
    return client.post(f"{PLAN}/{section}", data={
        f"{section}-text": text, "csrf_token": token or csrf_token(client, PLAN)})


def item_id(text: str) -> int:
    db.session.commit()
    return db.session.scalar(select(SafetyPlanItem.id).where(SafetyPlanItem.text == text))


def test_it_shows_each_section_with_one_calm_line_while_it_is_empty(app, client, alice, clock):
    clock.set(NOW)
    login(client, alice)
    response = client.get(PLAN)
    body = page_text(response)
    assert response.status_code == 200
    for title, empty in section_words(app).values():
        assert title in body and empty in body
    assert "Who can see it: only you." in body
    assert 'href="/sharing/"' in body and 'href="/help"' in body
    assert "data-print hidden" in body  # shown by static/js/print.js, no inline script


def test_it_adds_changes_moves_and_removes_entries_in_the_clients_own_order(app, client, alice,
                                                                            clock):
    clock.set(NOW)
    login(client, alice)
    for text in ("Not sleeping", "Skipping meals", "Pulling away from Sam"):
        response = add(client, "warning_signs", text)
        assert response.status_code == 302
    assert add(client, "what_helps", "  A walk   by the river ").status_code == 302
    body = page_text(client.get(PLAN))
    assert entries(body, "warning_signs") == ["Not sleeping", "Skipping meals",
                                              "Pulling away from Sam"]
    assert entries(body, "what_helps") == ["A walk by the river"]
    words = section_words(app)
    assert words["warning_signs"][1] not in body and words["safer"][1] in body

    last = item_id("Pulling away from Sam")
    token = csrf_token(client, PLAN)
    response = client.post(f"{PLAN}/items/{last}/move", data={"direction": "up",
                                                              "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#item-{last}")
    first = item_id("Not sleeping")
    client.post(f"{PLAN}/items/{first}/move", data={"direction": "up", "csrf_token": token})
    assert entries(page_text(client.get(PLAN)), "warning_signs") == [
        "Not sleeping", "Pulling away from Sam", "Skipping meals"]

    form = page_text(client.get(f"{PLAN}/items/{first}"))
    assert "Not sleeping</textarea>" in form
    clock.advance(hours=2)
    response = client.post(f"{PLAN}/items/{first}", data={
        "text": "Sleeping under 5 hours", "csrf_token": token})
    assert response.status_code == 302
    response = client.post(f"{PLAN}/items/{item_id('Skipping meals')}/remove",
                           data={"csrf_token": token})
    assert response.status_code == 302
    body = page_text(client.get(PLAN))
    assert entries(body, "warning_signs") == ["Sleeping under 5 hours", "Pulling away from Sam"]
    plan = db.session.scalars(select(SafetyPlan)).one()
    assert plan.updated_at == NOW + timedelta(hours=2)
    assert "Last changed Dec 1, 2026" in body  # the day of the last change, as the page writes days


def test_a_change_without_the_forms_token_changes_nothing(client, alice, clock):
    clock.set(NOW)
    login(client, alice)
    assert add(client, "safer", "Give the pills to Jo").status_code == 302
    entry = item_id("Give the pills to Jo")
    assert client.post(f"{PLAN}/safer", data={"safer-text": "More"}).status_code == 400
    assert client.post(f"{PLAN}/items/{entry}", data={"text": "Changed"}).status_code == 400
    assert client.post(f"{PLAN}/items/{entry}/move", data={"direction": "up"}).status_code == 400
    assert client.post(f"{PLAN}/items/{entry}/remove").status_code == 400
    db.session.commit()
    assert db.session.scalars(select(SafetyPlanItem.text)).all() == ["Give the pills to Jo"]


def test_a_missing_or_too_long_entry_is_refused_at_its_field_and_the_words_are_kept(
        client, alice, clock):
    clock.set(NOW)
    login(client, alice)
    response = add(client, "people_places", "   ")
    body = page_text(response)
    assert response.status_code == 400
    assert re.search(r'id="people_places-text-error">Write a few words first\.<', body)
    assert 'aria-invalid="true"' in body
    assert body.count("field-error") == 1  # only at that section's field

    long_text = "The café on Mill Road, " * 15
    response = add(client, "people_places", long_text)
    body = page_text(response)
    assert response.status_code == 400
    assert "Use at most 300 characters." in body
    assert long_text in body  # kept, to shorten rather than type again
    assert add(client, "nonsense", "x").status_code == 404

    add(client, "contacts", "Crisis line, any time")
    entry = item_id("Crisis line, any time")
    token = csrf_token(client, PLAN)
    response = client.post(f"{PLAN}/items/{entry}", data={"text": "", "csrf_token": token})
    assert response.status_code == 400
    assert 'id="text-error">Write a few words first.<' in page_text(response)
    response = client.post(f"{PLAN}/items/{entry}/move", data={"direction": "sideways",
                                                               "csrf_token": token})
    assert response.status_code == 400
    db.session.commit()
    assert db.session.scalars(select(SafetyPlanItem.text)).all() == ["Crisis line, any time"]


def test_a_section_holds_twenty_entries_and_says_so_at_the_field(client, alice, clock):
    clock.set(NOW)
    login(client, alice)
    token = csrf_token(client, PLAN)
    for n in range(plans.MAX_ITEMS_PER_SECTION):
        assert add(client, "what_helps", f"Thing {n}", token).status_code == 302
    response = add(client, "what_helps", "One more", token)
    assert response.status_code == 400
    body = page_text(response)
    assert re.search(r'id="what_helps-text-error">This part of your plan holds up to 20', body)
    assert "One more</textarea>" in body


def test_another_clients_entries_are_not_found(client, alice, dave, clock):
    clock.set(NOW)
    login(client, alice)
    add(client, "safer", "Alice's own step")
    entry = item_id("Alice's own step")
    as_dave = client.application.test_client()
    login(as_dave, dave)
    token = csrf_token(as_dave, PLAN)
    assert as_dave.get(f"{PLAN}/items/{entry}").status_code == 404
    for action, data in (("", {"text": "Mine now"}), ("/move", {"direction": "down"}),
                         ("/remove", {})):
        assert as_dave.post(f"{PLAN}/items/{entry}{action}",
                            data={**data, "csrf_token": token}).status_code == 404
    assert "Alice's own step" not in page_text(as_dave.get(PLAN))
    db.session.commit()
    assert db.session.scalars(select(SafetyPlanItem.text)).all() == ["Alice's own step"]


def _logged_categories(client_id: int) -> list[list[str]]:
    db.session.commit()
    return [entry.categories for entry in db.session.scalars(
        select(AccessLogEntry).where(AccessLogEntry.client_id == client_id,
                                     AccessLogEntry.action == LogAction.VIEW))]


def test_a_supporter_reads_the_plan_only_with_its_grant_and_the_view_is_logged(
        app, alice, bob, carol, clock):
    clock.set(NOW)
    as_alice = app.test_client()
    login(as_alice, alice)
    add(as_alice, "warning_signs", "MK-SIGN sleeping badly")
    add(as_alice, "contacts", "MK-CONTACT Dr Lee 020 7946 0000")
    therapist_link = link(alice, bob, [Category.SAFETY_PLAN], from_date=None, now=NOW)
    link(alice, carol, [Category.SLEEP], from_date=None, now=NOW)

    as_bob = app.test_client()
    login(as_bob, bob)
    body = page_text(as_bob.get(f"/care/clients/{alice.id}"))
    assert "Alice's plan for hard times" in body
    assert "MK-SIGN sleeping badly" in body and "MK-CONTACT Dr Lee 020 7946 0000" in body
    assert "My warning signs" in body and "Steps to make things safer" not in body  # empty
    assert "/help/plan" not in body  # nothing to change it with
    assert ["safety_plan"] in _logged_categories(alice.id)

    as_carol = app.test_client()
    login(as_carol, carol)
    body = page_text(as_carol.get(f"/care/clients/{alice.id}"))
    assert "MK-SIGN" not in body and 'data-category="safety_plan"' not in body
    assert "plan for hard times" not in body
    assert all("safety_plan" not in row for row in _logged_categories(alice.id)[1:])

    preview = page_text(as_alice.get(f"/sharing/people/{therapist_link.id}/preview"))
    assert "MK-SIGN sleeping badly" in preview
    body = page_text(as_alice.get(PLAN))
    assert "Who can see it: you, and Bob Lee, who can read it but not change it." in body


def test_entries_from_before_the_grants_from_day_stay_hidden(app, alice, bob, clock):
    clock.set(NOW)
    client = db.session.get(User, alice.id)
    plans.add_item(db.session, client, plans.PlanSection.WHAT_HELPS, "MK-BEFORE",
                   NOW - timedelta(days=10))
    plans.add_item(db.session, client, plans.PlanSection.WHAT_HELPS, "MK-AFTER", NOW)
    db.session.commit()
    link(alice, bob, [Category.SAFETY_PLAN], from_date=NOW.date() - timedelta(days=2), now=NOW)
    as_bob = app.test_client()
    login(as_bob, bob)
    body = page_text(as_bob.get(f"/care/clients/{alice.id}"))
    assert "MK-AFTER" in body and "MK-BEFORE" not in body


def test_the_plan_can_be_shared_with_therapists_and_caregivers(app, alice, bob, carol, clock):
    clock.set(NOW)
    as_alice = app.test_client()
    login(as_alice, alice)
    for supporter in (bob, carol):
        care_link = link(alice, supporter, [], now=NOW)
        path = f"/sharing/people/{care_link.id}"
        body = page_text(as_alice.get(path))
        assert "My plan for hard times" in body and 'name="share_safety_plan"' in body
        response = as_alice.post(path, data={"share_safety_plan": "y",
                                             "csrf_token": csrf_token(as_alice, path)})
        assert response.status_code == 302
        db.session.refresh(care_link)
        assert [g.category for g in care_link.grants] == [Category.SAFETY_PLAN]


def test_the_more_page_and_get_helps_card_link_to_the_plan(app, client, alice, clock):
    clock.set(NOW)
    login(client, alice)
    more = page_text(client.get("/more"))
    assert 'href="/help/plan"' in more and "My plan for hard times" in more
    with app.test_request_context():
        card = app.jinja_env.get_template("help/_plan_link.html").render()
    assert 'href="/help/plan"' in card and "My plan for hard times" in card


def test_the_offline_copy_names_nobody_and_the_worker_keeps_it_for_the_plan(app, client, alice,
                                                                            clock):
    clock.set(NOW)
    login(client, alice)
    add(client, "warning_signs", "MK-PRIVATE")
    anonymous = client.application.test_client()
    shell = anonymous.get(f"{PLAN}/offline")
    body = page_text(shell)
    assert shell.status_code == 200 and "no-store" not in shell.headers.get("Cache-Control", "")
    assert "MK-PRIVATE" not in body and "Alice" not in body and "csrf" not in body
    for title, _ in section_words(app).values():
        assert title in body
    worker = anonymous.get("/sw.js").get_data(as_text=True)
    assert '"/help/plan": "/help/plan/offline"' in worker
    assert '"/help/plan/offline"' in worker.split('"precache":')[1].split("]")[0]


def test_deleting_the_account_deletes_the_plan(client, alice, clock):
    from tests.test_account_deletion import _delete
    clock.set(NOW)
    login(client, alice)
    add(client, "safer", "Keep only a week of tablets at home")
    assert _delete(client, alice, alice.password).status_code == 302
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(SafetyPlanItem)) == 0
    assert db.session.scalar(select(func.count()).select_from(SafetyPlan)) == 0
