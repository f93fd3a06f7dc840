"""The prescriber update as the three people live it, on the demo: the therapist adds their
observations on a desktop, the client approves the exact update on their phone, the PDF then
downloads; a caregiver notes what they saw and the client shares it."""
import io
from types import SimpleNamespace

from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from models import User, db
from tend import demo
from tests.browser.helpers import assert_accessible, assert_looks_finished, screenshot
from tests.browser.pwa_helpers import sign_in

DESK = {"width": 1280, "height": 800}


def _demo(clock):
    passwords = demo.create_demo_accounts(db.session, clock())
    db.session.commit()
    people = [SimpleNamespace(email=p.email, password=passwords[p.email])
              for p in demo.DEMO_PEOPLE]
    client = db.session.scalar(select(User).where(User.email == demo.DEMO_PEOPLE[0].email))
    return people, client


def _context(browser, browser_context_args, viewport=None):
    args = {**browser_context_args}
    if viewport:
        args.update(viewport=viewport, is_mobile=False, has_touch=False)
    return browser.new_context(**args, accept_downloads=True)


def test_an_update_with_therapist_observations_is_approved_then_downloads(
        browser, browser_context_args, live_server, clock):
    (client_person, therapist, _), client = _demo(clock)
    desk = _context(browser, browser_context_args, DESK).new_page()
    sign_in(desk, live_server, therapist)
    desk.goto(f"{live_server}/care/clients/{client.id}/update")
    desk.get_by_label("Your observations").fill(
        "Alex describes steadier mornings since the dose change.\nSleep is still short.")
    desk.get_by_label("Your questions for the prescriber").fill(
        "Could the evening dose move earlier?")
    desk.get_by_role("button", name="Save this update").click()
    expect(desk.locator("[data-update-status]")).to_contain_text(
        "Waiting for the client's approval")
    expect(desk.get_by_role("link", name="Download PDF")).to_have_count(0)
    expect(desk.locator('[data-update-section="observations"]')).to_contain_text(
        "steadier mornings")
    expect(desk.locator('[data-update-section="as_needed"]')).to_contain_text(
        "limit 3 a day")
    screenshot(desk, "care-update-version-desk")
    assert_accessible(desk)
    version_url = desk.url

    phone = _context(browser, browser_context_args).new_page()
    sign_in(phone, live_server, client_person)
    phone.goto(f"{live_server}/sharing/")
    phone.get_by_role("link", name="Updates for your prescriber").click()
    expect(phone.locator("[data-update]")).to_contain_text("Waiting for you")
    assert_looks_finished(phone, "sharing-updates")
    phone.locator("[data-update] a").first.click()
    expect(phone.locator('[data-update-section="observations"]')).to_contain_text(
        "steadier mornings")
    expect(phone.locator('[data-update-section="therapist_questions"]')).to_contain_text(
        "evening dose")
    assert_looks_finished(phone, "sharing-update-approve")
    phone.get_by_role("button", name="Approve this update").click()
    expect(phone.locator("[data-approval]")).to_contain_text("You approved this update")

    desk.goto(version_url)
    expect(desk.locator("[data-update-status]")).to_contain_text("Approved by the client")
    expect(desk.get_by_role("button", name="Print")).to_be_visible()
    with desk.expect_download() as download:
        desk.get_by_role("link", name="Download PDF").click()
    reader = PdfReader(io.BytesIO(open(download.value.path(), "rb").read()))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert reader.metadata.author == "Dr Sam Lee"
    assert "Prepared by Dr Sam Lee" in text
    assert "steadier mornings" in text and "Could the evening dose move earlier?" in text
    assert "Propranolol" in text and "limit 3 a day" in text
    assert "days before" in text  # every figure compared with the period before
    screenshot(desk, "care-update-version-approved-desk")
    desk.emulate_media(media="print")
    screenshot(desk, "care-update-version-print")
    phone.goto(f"{live_server}/sharing/log")
    expect(phone.locator("body")).to_contain_text("downloaded as a PDF")
    expect(phone.locator("body")).to_contain_text("You approved Dr Sam Lee's update")


def test_a_caregivers_observation_waits_for_the_client_then_reaches_the_therapist(
        browser, browser_context_args, live_server, clock):
    (client_person, therapist, caregiver), client = _demo(clock)
    carer = _context(browser, browser_context_args).new_page()
    sign_in(carer, live_server, caregiver)
    carer.goto(f"{live_server}/care/clients/{client.id}")
    carer.get_by_role("link", name="Note what you observe").click()
    carer.get_by_label("What you noticed").fill("Went for a walk two mornings in a row.")
    carer.get_by_role("button", name="Save observation").click()
    expect(carer.locator('[data-observation="waiting"]')).to_contain_text("Waiting for")
    assert_looks_finished(carer, "care-observations-caregiver")

    desk = _context(browser, browser_context_args, DESK).new_page()
    sign_in(desk, live_server, therapist)
    desk.goto(f"{live_server}/care/clients/{client.id}")
    expect(desk.locator("body")).not_to_contain_text("walk two mornings")

    phone = _context(browser, browser_context_args).new_page()
    sign_in(phone, live_server, client_person)
    phone.goto(f"{live_server}/sharing/observations")
    expect(phone.locator("[data-observation]")).to_contain_text("Waiting for you")
    assert_looks_finished(phone, "sharing-observations-waiting")
    phone.get_by_role("button", name="Share with my therapists").click()
    expect(phone.locator("[data-observation]")).to_contain_text("Shared with your therapists")

    desk.reload()
    expect(desk.locator("[data-caregiver-observations]")).to_contain_text("walk two mornings")
    screenshot(desk, "care-client-with-observation-desk")
    desk.set_viewport_size({"width": 390, "height": 844})
    screenshot(desk, "care-client-with-observation-phone")
