"""A therapist's caseload sorted by what may need attention, on a phone and on a desktop, and
sign-up from an invitation with the invited role chosen."""
from playwright.sync_api import expect

from models import Category, Role, User, db
from tend.services import care_team
from tests.browser.helpers import assert_accessible, assert_looks_finished, screenshot
from tests.browser.pwa_helpers import sign_in
from tests.conftest import make_person
from tests.sharing_world import link
from tests.test_caseload import (EVERY_DATA_CATEGORY, NOW, ago, checkin, seed_change_ahead,
                                 seed_low_mood, seed_red_flag, seed_side_effect)

DESKTOP = {"width": 1280, "height": 800}


def _caseload(alice, bob, dave):
    erin = make_person("erin@example.com", "Erin", Role.CLIENT)
    checkin(erin, ago(1), {"mood": 3, "sleep_hours": 7})
    seed_low_mood(dave)
    seed_red_flag(alice)
    seed_side_effect(alice)
    seed_change_ahead(alice)
    checkin(alice, ago(2), {"mood": 3})
    for person in (erin, dave, alice):
        link(person, bob, EVERY_DATA_CATEGORY, from_date=ago(60))


def _names_in_order(page) -> list[str]:
    return page.locator("ul.caseload > li").evaluate_all(
        "items => items.map(item => item.dataset.client)")


def test_the_caseload_puts_flags_first_on_a_phone_and_a_desktop(page, live_server, fixed_time,
                                                               alice, bob, dave):
    fixed_time(NOW)
    _caseload(alice, bob, dave)
    sign_in(page, live_server, bob)
    page.goto(f"{live_server}/care/")
    assert _names_in_order(page) == ["Alice", "Dave", "Erin"]
    alice_row = page.locator('li[data-client="Alice"]')
    expect(alice_row).to_contain_text("Can need urgent help: chest pain")
    expect(alice_row).to_contain_text("New side effect: dry mouth (moderate")
    expect(alice_row).to_contain_text("Medication change on")
    expect(page.locator('li[data-client="Dave"]')).to_contain_text("Mood below their own usual")
    expect(page.locator('li[data-client="Erin"]')).to_contain_text("Last shared activity:")
    expect(page.get_by_role("heading", name="How the pointers are worked out")).to_be_visible()
    assert_accessible(page)
    assert_looks_finished(page, "caseload-phone")

    page.set_viewport_size(DESKTOP)
    page.reload()
    main = page.locator(".caseload-main").bounding_box()
    side = page.locator(".caseload-side").bounding_box()
    assert side["x"] > main["x"] + main["width"] - 1, "two columns at 1280 px"
    assert abs(side["y"] - main["y"]) < 2
    screenshot(page, "caseload-desktop")

    alice_row = page.locator('li[data-client="Alice"]')
    alice_row.get_by_role("link", name="New side effect: dry mouth").click()
    page.wait_for_url(f"**/care/clients/{alice.id}#se-heading")
    expect(page.locator("#se-heading")).to_be_in_viewport()
    cards = page.locator(".record-columns > section.card")
    boxes = [cards.nth(i).bounding_box() for i in range(min(cards.count(), 4))]
    assert len({round(box["x"]) for box in boxes}) == 2, "the client page uses two columns"
    screenshot(page, "caseload-client-desktop")


def test_sign_up_from_an_invitation_chooses_the_invited_role(page, live_server, fixed_time,
                                                            alice, app):
    fixed_time(NOW)
    with app.test_request_context():
        _, code = care_team.invite(db.session, db.session.get(User, alice.id),
                                   Role.CAREGIVER, "Robin", NOW)
    db.session.commit()
    page.goto(f"{live_server}/care/invite/{code}")
    page.get_by_role("link", name="Create an account").click()
    page.wait_for_url("**/signup")
    expect(page.get_by_role("radio", name="I support someone (family or friend)")).to_be_checked()
    assert_accessible(page)
    screenshot(page, "invite-signup-role")
