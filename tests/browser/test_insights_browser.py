"""Insights in a real browser at phone size: the charts show, each table opens next to its
chart, the period can be changed, and the page fits the screen at 100% and 200% text."""
from datetime import datetime, timezone

from playwright.sync_api import expect

from bench.sample_record import fill_record
from models import User, db
from tests.browser.helpers import assert_looks_finished

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=timezone.utc)


def sign_in(page, base, person):
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(person.email)
    page.get_by_label("Password").fill(person.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_charts_show_and_each_opens_as_a_table(page, live_server, alice, clock):
    clock.set(NOW)
    fill_record(db.session, db.session.get(User, alice.id), NOW, days=120)
    sign_in(page, live_server, alice)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Insights").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Insights")
    charts = page.locator("svg.chart-svg[role=img]")
    expect(charts).to_have_count(10)
    for n in range(10):
        chart = charts.nth(n)
        chart.scroll_into_view_if_needed()
        expect(chart).to_be_visible()
        assert chart.bounding_box()["width"] > 300  # as wide as the phone's card
    expect(page.get_by_role("img", name="Mood")).to_be_visible()
    expect(page.get_by_role("heading", name="Medications")).to_be_visible()
    assert_looks_finished(page, "insights-30-days")

    mood = page.locator("figure", has=page.get_by_role("img", name="Mood"))
    mood.get_by_text("Show as a table").click()
    table = mood.get_by_role("table", name="Mood")
    expect(table).to_be_visible()
    expect(table.get_by_role("row")).to_have_count(31)  # a header and 30 days
    assert_looks_finished(page, "insights-table-open")

    page.get_by_role("link", name="90 days").click()
    expect(page.get_by_role("link", name="90 days")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("heading", name="Changes")).to_be_visible()
    expect(page.locator(".insights-markers li").first).to_contain_text("Sertraline")
    assert_looks_finished(page, "insights-90-days")


def test_a_new_client_sees_kind_empty_states(page, live_server, alice, clock):
    clock.set(NOW)
    sign_in(page, live_server, alice)
    page.goto(f"{live_server}/insights?days=7")
    expect(page.get_by_text("No scheduled doses in this period.")).to_be_visible()
    expect(page.get_by_text("No side effects noted in this period.")).to_be_visible()
    # No empty chart: what will appear, and after how many days.
    expect(page.locator("svg.chart-svg")).to_have_count(0)
    expect(page.get_by_text("Charts appear here once there are entries on 5 days")).to_be_visible()
    assert_looks_finished(page, "insights-empty")
