"""Sharing in three browsers at once: Alice (client), Bob (therapist), Carol (caregiver).

Alice invites both, shares sleep and adherence with Bob and adherence with Carol. Bob sees
sleep but not mood; Carol's phone gets an alert for a dose still unlogged (delivered to her
real service worker over the DevTools protocol, as the dispatcher would) and she logs it;
Alice ends Bob's access and his next page load shows nothing; Alice's access log lists it all.
Then the prescriber update of the demo client, printed to PDF, fits two A4 pages."""
import io
import json
import re

from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from models import Category, Reminder, User, db
from tend import demo
from tend.reminders import messages
from tend.reminders.choices import settings_of
from tend.reminders.kinds import caregiver_alert as alerts
from tests.browser.helpers import assert_looks_finished, screenshot
from tests.browser.pwa_helpers import sign_in, wait_for_worker
from tests.browser.test_push_browser import notifications, push_to_worker
from tests.sharing_world import CURRENT_MED, MARKERS, NOW, seed_record


def invite(page, base, role_label, name) -> str:
    page.goto(f"{base}/sharing/")
    page.get_by_role("link", name="Invite someone").click()
    page.get_by_label(role_label).check()
    page.get_by_label("Their name").fill(name)
    page.get_by_role("button", name="Create invitation").click()
    return page.locator(".invite-link a").inner_text()


def share(page, base, name, *labels):
    page.goto(f"{base}/sharing/")
    page.get_by_role("link", name=name).click()
    for label in labels:
        page.get_by_label(label, exact=True).check()
    page.get_by_role("button", name="Save what I share").click()
    expect(page.get_by_text("Saved.")).to_be_visible()


def test_three_people_share_look_alert_log_and_revoke(app, browser, browser_context_args,
                                                      live_server, clock, alice, bob, carol):
    clock.set(NOW)
    seed_record(alice)
    contexts = [browser.new_context(**browser_context_args) for _ in range(3)]
    client_page, therapist_page, caregiver_page = (c.new_page() for c in contexts)
    sign_in(client_page, live_server, alice)
    sign_in(therapist_page, live_server, bob)
    sign_in(caregiver_page, live_server, carol)

    therapist_link = invite(client_page, live_server, "A therapist or other clinician",
                            "Dr Lee")
    assert_looks_finished(client_page, "sharing-invitation")
    caregiver_link = invite(client_page, live_server,
                            "A family member or friend who helps with reminders", "Carol")
    for page, url in ((therapist_page, therapist_link), (caregiver_page, caregiver_link)):
        page.goto(url)
        expect(page.get_by_role("heading", level=1)).to_have_text("Alice invited you")
        page.get_by_role("button", name="Accept invitation").click()
        expect(page.get_by_text("Alice hasn't shared anything with you yet.")).to_be_visible()

    share(client_page, live_server, "Bob Lee", "Sleep", "Medications and adherence")
    assert_looks_finished(client_page, "sharing-person")
    share(client_page, live_server, "Carol", "Medications and adherence")

    therapist_page.reload()
    expect(therapist_page.get_by_role("heading", name="Sleep")).to_be_visible()
    expect(therapist_page.get_by_role("heading", name="Mood")).to_have_count(0)
    body = therapist_page.content()
    assert MARKERS[Category.SLEEP]["new"] in body and 'data-category="mood"' not in body
    assert_looks_finished(therapist_page, "care-client-therapist")

    # Carol's phone: notifications allowed, a device on file, the alert planned and pushed.
    contexts[2].grant_permissions(["notifications"], origin=live_server)
    caregiver_page.goto(f"{live_server}/care/")
    wait_for_worker(caregiver_page)
    response = caregiver_page.request.post(
        f"{live_server}/care/devices", headers={"X-CSRFToken": caregiver_page.locator(
            'meta[name="csrf-token"]').get_attribute("content")},
        data={"endpoint": "https://updates.push.services.mozilla.com/wpush/v2/carol", "p256dh": "B" + "A" * 86,
              "auth": "A" * 22})
    assert response.status == 201
    db.session.commit()  # a fresh snapshot, then write at once
    assert alerts.plan(db.session, NOW) >= 1
    db.session.commit()
    [reminder] = [r for r in db.session.scalars(select(Reminder).where(
        Reminder.kind == alerts.KIND)) if r.planned_dose.local_time.hour == 8]
    with app.test_request_context("/"):
        payload = messages.payload_for(reminder, db.session.get(User, carol.id),
                                       settings_of(db.session, carol.id), NOW)
    db.session.commit()  # hold no transaction while the browsers write
    push_to_worker(caregiver_page, contexts[2], live_server,
                   payload)
    [shown] = notifications(caregiver_page)
    assert shown["body"].startswith("Alice's 8:00") and CURRENT_MED not in json.dumps(shown)

    caregiver_page.goto(live_server + shown["data"]["url"])
    assert_looks_finished(caregiver_page, "care-client-caregiver")
    caregiver_page.get_by_role("button", name=re.compile(r"^Log as taken .* 8:00")).click()
    expect(caregiver_page.get_by_text("logged by Carol")).to_be_visible()
    assert not alerts.still_wanted(db.session, [_fresh(reminder)], NOW)

    client_page.goto(f"{live_server}/sharing/")
    client_page.get_by_role("link", name="Bob Lee").click()
    client_page.get_by_role("link", name="Stop sharing with Bob Lee").click()  # asks once
    client_page.get_by_role("button", name="Stop sharing with Bob Lee").click()
    expect(client_page.get_by_text("You've stopped sharing with Bob Lee.")).to_be_visible()
    therapist_page.reload()
    expect(therapist_page.get_by_role("heading", level=1)).to_have_text(
        "We couldn't find that page")
    assert MARKERS[Category.SLEEP]["new"] not in therapist_page.content()
    assert "Mkcurrentmed" not in therapist_page.content()

    client_page.get_by_role("link", name="Who has seen my data").click()
    log = client_page.locator("main").inner_text()
    assert "Bob Lee viewed Overview" in log and "Carol viewed Overview" in log
    assert "Saw: Medications and adherence, Sleep" in log
    assert "Logged Mkcurrentmed" in log and "by Carol" in log
    assert "Stopped sharing with Bob Lee" in log
    assert_looks_finished(client_page, "sharing-access-log")
    for context in contexts:
        context.close()


def _fresh(reminder):
    db.session.commit()
    return db.session.get(Reminder, reminder.id)


def test_the_demo_prescriber_update_prints_on_two_a4_pages_with_only_shared_parts(
        page, live_server, clock):
    passwords = demo.create_demo_accounts(db.session, clock())
    db.session.commit()
    therapist = demo.DEMO_PEOPLE[1]
    client = db.session.scalar(select(User).where(User.email == demo.DEMO_PEOPLE[0].email))
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(therapist.email)
    page.get_by_label("Password").fill(passwords[therapist.email])
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server}/care/clients/{client.id}/update")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Alex Rivera")
    assert_looks_finished(page, "care-prescriber-update")
    sections = set(re.findall(r'data-category="([a-z_]+)"', page.content()))
    assert sections == {"medications", "side_effects", "sleep", "energy", "functioning",
                        "notes"}  # the demo's grants: mood and the dose log stay private
    page.emulate_media(media="print")
    screenshot(page, "care-prescriber-update-print")
    pdf = PdfReader(io.BytesIO(page.pdf(format="A4", print_background=True)))
    assert 1 <= len(pdf.pages) <= 2
    text = " ".join(p.extract_text() for p in pdf.pages)
    assert "Sertraline" in text and "Sleep" in text
    assert "Mood" not in text and "Period" not in text  # no form, nothing unshared
