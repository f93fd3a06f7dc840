"""Signing up from an invitation: the invited role is already chosen, and once the account is
confirmed the invitation is where the new supporter lands."""
import re
from datetime import datetime, timezone

from sqlalchemy import select

from models import CareLink, LinkStatus, Role, User, db
from tend.services import care_team
from tests.conftest import csrf_token
from tests.mailbox import inbox  # noqa: F401  (a fixture)
from tests.test_auth import _confirm_by_mail, signup_data

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=timezone.utc)


def _invite(app, alice, role: Role) -> str:
    with app.test_request_context():
        _, code = care_team.invite(db.session, db.session.get(User, alice.id), role, "Robin",
                                   NOW)
    db.session.commit()
    return code


def _checked_role(html: str) -> str | None:
    match = re.search(r'<input[^>]*name="role"[^>]*value="([a-z]+)"[^>]*checked', html) or \
        re.search(r'<input[^>]*checked[^>]*name="role"[^>]*value="([a-z]+)"', html)
    return match.group(1) if match else None


def test_the_invitation_links_to_a_sign_up_with_the_invited_role_chosen(app, client, clock,
                                                                       alice):
    clock.set(NOW)
    for role in (Role.THERAPIST, Role.CAREGIVER):
        code = _invite(app, alice, role)
        page = client.get(f"/care/invite/{code}").get_data(as_text=True)
        assert 'href="/signup"' in page
        html = client.get("/signup").get_data(as_text=True)
        assert _checked_role(html) == role.value


def test_without_an_opened_invitation_sign_up_chooses_the_client_role(app, client, clock,
                                                                       alice):
    clock.set(NOW)
    _invite(app, alice, Role.THERAPIST)
    client.get("/care/invite/NOPE-NOPE-NOPE")  # a wrong code keeps nothing
    assert _checked_role(client.get("/signup").get_data(as_text=True)) == "client"


def test_after_confirming_the_new_account_lands_on_the_invitation(app, client, clock, alice,
                                                                  inbox):  # noqa: F811
    clock.set(NOW)
    code = _invite(app, alice, Role.THERAPIST)
    client.get(f"/care/invite/{code}")
    response = client.post("/signup", data=signup_data(client, role="therapist") |
                           {"csrf_token": csrf_token(client, "/signup")})
    assert response.status_code == 200
    confirmed = _confirm_by_mail(client, inbox, "robin@example.com")
    assert confirmed.status_code == 302
    assert confirmed.headers["Location"] == f"/care/invite/{care_team.normalize_code(code)}"
    page = client.get(confirmed.headers["Location"]).get_data(as_text=True)
    assert "Accept invitation" in page
    accept = client.post(confirmed.headers["Location"],
                         data={"csrf_token": csrf_token(client, confirmed.headers["Location"])})
    assert accept.status_code == 302
    robin = db.session.scalar(select(User).where(User.email == "robin@example.com"))
    assert db.session.scalar(select(CareLink.status).where(
        CareLink.supporter_id == robin.id)) is LinkStatus.ACTIVE
