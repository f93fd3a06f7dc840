"""Importing at phone size: a refused file says where it is wrong, at the field."""
import json

from playwright.sync_api import expect

from tests.browser.helpers import assert_looks_finished
from tests.browser.pwa_helpers import sign_in
from tests.test_import import valid_document


def test_a_refused_import_names_the_row_and_field_at_the_file_input(page, live_server, alice,
                                                                    tmp_path):
    document = valid_document()
    document["kinds"]["checkins"][0]["mood"] = 9
    crafted = tmp_path / "tend.json"
    crafted.write_text(json.dumps(document))
    sign_in(page, live_server, alice)
    page.goto(f"{live_server}/my-data")
    page.get_by_label("Tend export file").set_input_files(str(crafted))
    page.get_by_role("button", name="Import").click()
    expect(page.locator(".field-error")).to_contain_text(
        "tend.json, checkins, row 1, “mood”: Choose a number from 1 to 5. Nothing was imported.")
    page.locator(".field-error").scroll_into_view_if_needed()
    assert_looks_finished(page, "import-refused")
