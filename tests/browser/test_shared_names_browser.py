"""What a supporter with one category sees, on a phone and on a laptop: a dose-log-only
caregiver sees the doses without the medication's name, a side-effects-only therapist the side
effects without it, and a caregiver helping with reminders sees the medications only with the
medications grant too."""
import pytest

from models import Category, Role
from tests.browser.helpers import assert_accessible, assert_looks_finished, screenshot
from tests.browser.pwa_helpers import sign_in
from tests.conftest import make_person
from tests.sharing_world import CURRENT_MED, MARKERS, NOW, link, seed_record

LAPTOP = {"width": 1280, "height": 800}
CASES = [
    ("care-dose-log-only", Role.CAREGIVER, (Category.DOSE_LOG,), "", MARKERS[Category.DOSE_LOG]),
    ("care-side-effects-only", Role.THERAPIST, (Category.SIDE_EFFECTS,), "",
     MARKERS[Category.SIDE_EFFECTS]),
    ("care-reminders-without-medications", Role.CAREGIVER, (Category.MANAGE_REMINDERS,),
     "/reminders", None),
    ("care-reminders-with-medications", Role.CAREGIVER,
     (Category.MANAGE_REMINDERS, Category.MEDICATIONS), "/reminders", None),
]


@pytest.mark.parametrize("name,role,categories,page_path,marker", CASES,
                         ids=[case[0] for case in CASES])
def test_a_supporter_sees_medication_names_only_with_that_grant(
        app, browser, browser_context_args, live_server, clock, alice, name, role, categories,
        page_path, marker):
    clock.set(NOW)
    seed_record(alice)
    supporter = make_person(f"{name}@example.com", "Sam Supporter", role)
    link(alice, supporter, categories)
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    sign_in(page, live_server, supporter)
    page.goto(f"{live_server}/care/clients/{alice.id}{page_path}")
    body = page.content()
    if marker:
        assert marker["new"] in body
    assert (CURRENT_MED in body) is (Category.MEDICATIONS in categories)
    assert_looks_finished(page, name)
    assert_accessible(page)
    laptop = browser.new_context(**{**browser_context_args, "viewport": LAPTOP,
                                    "is_mobile": False, "has_touch": False})
    wide = laptop.new_page()
    sign_in(wide, live_server, supporter)
    wide.goto(f"{live_server}/care/clients/{alice.id}{page_path}")
    screenshot(wide, f"{name}-1280")
    context.close()
    laptop.close()
