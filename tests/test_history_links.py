"""History builds each kind of link once and puts every entry's id into it (tend.urls.url_pattern):
the addresses must be exactly what url_for gives, whatever the page's own address holds."""
from datetime import date

import pytest
from flask import url_for

from tend.urls import url_pattern

NEXTS = ["/history", "/history?until=2026-03-01", "/history?x=918273645",  # the marker's digits
         "/history?q=a b&c=ä/é"]


@pytest.mark.parametrize("here", NEXTS)
@pytest.mark.parametrize("endpoint, key, value", [
    ("client.dose_edit", "event_id", 7), ("client.dose_delete", "event_id", 918273645),
    ("client.dose_new", "dose", 12), ("client.checkin_delete", "day", "2026-03-01"),
    ("client.checkin_delete", "day", date(2026, 3, 1)), ("client.checkin", "day", date(2026, 3, 1)),
    ("client.side_effect_delete", "side_effect_id", 3)])
def test_it_gives_the_address_url_for_gives(app, here, endpoint, key, value):
    with app.test_request_context():
        assert url_pattern(endpoint, key, next=here)(value) == \
            url_for(endpoint, **{key: value}, next=here)


def test_it_quotes_a_text_value_as_url_for_does(app):
    with app.test_request_context():
        assert url_pattern("client.checkin", "day")("a b/c") == \
            url_for("client.checkin", day="a b/c")
