"""Sharing as the client and their care team live it: invitations, grants, preview, ending."""
import html
import re
from datetime import time, timedelta
from urllib.parse import urlsplit

from sqlalchemy import select

from models import (AccessLogEntry, CareLink, Category, CheckinReminder, DoseEvent, LinkStatus,
                    LogAction, ReminderSettings, Role, TherapistNote, db)
from tests.conftest import csrf_token, login, make_person
from tests.mailbox import inbox, link_in  # noqa: F401  (inbox is a fixture)
from tests.sharing_world import (FROM_DAY, NOW, OLD_DAY, Seen, link, seed_record)

CODE = re.compile(r'class="invite-code"[^>]*>([A-Z0-9-]+)<')


def invite(client, role="therapist", name="Dr Lee") -> tuple[int, str]:
    response = client.post("/sharing/invite", data={"role": role, "name": name,
                                                     "csrf_token": csrf_token(client, "/sharing/invite")})
    assert response.status_code == 302
    link_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    page = client.get(f"/sharing/people/{link_id}").get_data(as_text=True)
    return link_id, CODE.search(page).group(1)


def accept(client, code):
    return client.post(f"/care/invite/{code}",
                       data={"csrf_token": csrf_token(client, f"/care/invite/{code}")})


def share(client, link_id, *categories, **dates):
    data = {"csrf_token": csrf_token(client, f"/sharing/people/{link_id}")}
    for category in categories:
        data[f"share_{category}"] = "y"
        for key in ("from", "until"):
            if f"{key}_{category}" in dates:
                data[f"{key}_{category}"] = dates[f"{key}_{category}"]
    return client.post(f"/sharing/people/{link_id}", data=data)


def test_it_invites_accepts_and_shares_nothing_until_picked(app, clock, alice, bob):
    clock.set(NOW)
    seed_record(alice)
    as_alice, as_bob = app.test_client(), app.test_client()
    login(as_alice, alice)
    link_id, code = invite(as_alice)
    login(as_bob, bob)
    response = accept(as_bob, code)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/care/clients/{alice.id}"
    page = as_bob.get(f"/care/clients/{alice.id}").get_data(as_text=True)
    assert "Alice hasn't shared anything with you yet." in page
    assert Seen(page).sections() == set()

    assert share(as_alice, link_id, "sleep", from_sleep=FROM_DAY.isoformat()).status_code == 302
    seen = Seen(as_bob.get(f"/care/clients/{alice.id}").get_data(as_text=True))
    assert seen.sections() == {"sleep"}
    assert seen.shows(Category.SLEEP, "new") and not seen.shows(Category.SLEEP, "old")
    assert f'data-day="{OLD_DAY.isoformat()}"' not in seen.body


def test_a_code_works_once(app, clock, alice, bob):
    clock.set(NOW)
    as_alice, as_bob = app.test_client(), app.test_client()
    login(as_alice, alice)
    _, code = invite(as_alice)
    login(as_bob, bob)
    assert accept(as_bob, code).status_code == 302
    assert as_bob.get(f"/care/invite/{code}").status_code == 404


def test_an_invitation_expires_after_seven_days(app, clock, alice, bob):
    clock.set(NOW)
    as_alice, as_bob = app.test_client(), app.test_client()
    login(as_alice, alice)
    _, code = invite(as_alice)
    clock.advance(days=7, seconds=1)
    login(as_bob, bob)
    assert as_bob.get(f"/care/invite/{code}").status_code == 404
    assert accept(as_bob, code).status_code == 404
    assert db.session.scalar(select(CareLink)).status is LinkStatus.PENDING


def test_a_withdrawn_invitation_cannot_be_accepted(app, clock, alice, bob):
    clock.set(NOW)
    as_alice, as_bob = app.test_client(), app.test_client()
    login(as_alice, alice)
    link_id, code = invite(as_alice)
    as_alice.post(f"/sharing/people/{link_id}/end",
                  data={"csrf_token": csrf_token(as_alice, f"/sharing/people/{link_id}")})
    login(as_bob, bob)
    assert accept(as_bob, code).status_code == 404


def test_a_caregiver_cannot_accept_a_therapist_invitation(app, clock, alice, carol):
    clock.set(NOW)
    as_alice, as_carol = app.test_client(), app.test_client()
    login(as_alice, alice)
    _, code = invite(as_alice, role="therapist")
    login(as_carol, carol)
    response = accept(as_carol, code)
    assert response.status_code == 403
    assert "This invitation is for a therapist's account." in html.unescape(response.get_data(as_text=True))
    assert db.session.scalar(select(CareLink)).supporter_id is None


def test_a_new_code_replaces_the_old_one(app, clock, alice, bob):
    clock.set(NOW)
    as_alice, as_bob = app.test_client(), app.test_client()
    login(as_alice, alice)
    link_id, old_code = invite(as_alice)
    as_alice.post(f"/sharing/people/{link_id}/code",
                  data={"csrf_token": csrf_token(as_alice, f"/sharing/people/{link_id}")})
    new_code = CODE.search(as_alice.get(f"/sharing/people/{link_id}").get_data(as_text=True)).group(1)
    assert new_code != old_code
    login(as_bob, bob)
    assert as_bob.get(f"/care/invite/{old_code}").status_code == 404
    assert accept(as_bob, new_code).status_code == 302


def test_revoking_takes_effect_on_the_very_next_request(app, clock, alice, bob):
    clock.set(NOW)
    seed_record(alice)
    care_link = link(alice, bob, [Category.SIDE_EFFECTS])
    as_alice, as_bob = app.test_client(), app.test_client()
    login(as_alice, alice)
    login(as_bob, bob)
    assert Seen(as_bob.get(f"/care/clients/{alice.id}").get_data(as_text=True)).shows(
        Category.SIDE_EFFECTS, "new")
    as_alice.post(f"/sharing/people/{care_link.id}/end",
                  data={"csrf_token": csrf_token(as_alice, "/sharing/")})
    response = as_bob.get(f"/care/clients/{alice.id}")
    assert response.status_code == 404
    assert "mk-se" not in response.get_data(as_text=True)
    assert "Alice" not in as_bob.get("/care/").get_data(as_text=True)


def test_removing_one_category_hides_it_at_once(app, clock, alice, bob):
    clock.set(NOW)
    seed_record(alice)
    care_link = link(alice, bob, [Category.SIDE_EFFECTS, Category.NOTES])
    as_alice, as_bob = app.test_client(), app.test_client()
    login(as_alice, alice)
    login(as_bob, bob)
    share(as_alice, care_link.id, "notes", from_notes=FROM_DAY.isoformat())
    seen = Seen(as_bob.get(f"/care/clients/{alice.id}").get_data(as_text=True))
    assert seen.sections() == {"notes"}
    assert not seen.shows(Category.SIDE_EFFECTS, "new")


def test_a_grant_past_its_until_day_shows_nothing(app, clock, alice, bob):
    clock.set(NOW)
    seed_record(alice)
    link(alice, bob, [Category.NOTES], until_date=NOW.date() - timedelta(days=1))
    as_bob = app.test_client()
    login(as_bob, bob)
    seen = Seen(as_bob.get(f"/care/clients/{alice.id}").get_data(as_text=True))
    assert seen.sections() == set()
    assert not seen.shows(Category.NOTES, "new")


def test_bad_dates_are_explained_at_the_field_and_nothing_is_saved(app, clock, alice, bob):
    clock.set(NOW)
    care_link = link(alice, bob)
    as_alice = app.test_client()
    login(as_alice, alice)
    response = share(as_alice, care_link.id, "sleep", "mood", from_sleep="2026-03-15",
                     until_sleep="2026-03-14", from_mood="soon")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter a date like 2026-03-31." in page
    db.session.refresh(care_link)
    assert care_link.grants == []
    response = share(as_alice, care_link.id, "sleep", from_sleep="2026-03-21",
                     until_sleep="2026-03-19")
    assert "That day has passed." in response.get_data(as_text=True)


def test_the_preview_is_exactly_the_supporters_page(app, clock, alice, carol):
    clock.set(NOW)
    seed_record(alice)
    care_link = link(alice, carol, [Category.MEDICATIONS, Category.MOOD])
    as_alice, as_carol = app.test_client(), app.test_client()
    login(as_alice, alice)
    login(as_carol, carol)
    theirs = as_carol.get(f"/care/clients/{alice.id}").get_data(as_text=True)
    preview = as_alice.get(f"/sharing/people/{care_link.id}/preview").get_data(as_text=True)

    def sections(html):
        return re.findall(r'<section class="card" data-category=.*?</section>', html, re.S)

    def strip(html):  # the preview's buttons are disabled and post nowhere
        html = re.sub(r'<input[^>]*csrf_token[^>]*>', "", html)
        html = re.sub(r'action="[^"]*"', "", html)
        return html.replace(" disabled", "")

    assert sections(theirs)
    assert [strip(s) for s in sections(preview)] == [strip(s) for s in sections(theirs)]
    assert "Preview: this is exactly what Carol sees." in preview


def test_other_clients_links_are_not_found(app, clock, alice, dave, bob):
    clock.set(NOW)
    care_link = link(alice, bob, [Category.MOOD])
    as_dave = app.test_client()
    login(as_dave, dave)
    for path in (f"/sharing/people/{care_link.id}", f"/sharing/people/{care_link.id}/preview"):
        assert as_dave.get(path).status_code == 404
    token = csrf_token(as_dave, "/sharing/")
    assert as_dave.post(f"/sharing/people/{care_link.id}/end",
                        data={"csrf_token": token}).status_code == 404
    db.session.refresh(care_link)
    assert care_link.status is LinkStatus.ACTIVE


def test_a_caregiver_logs_a_dose_shown_as_logged_by_them(app, clock, alice, carol):
    clock.set(NOW)
    ids = seed_record(alice)
    link(alice, carol, [Category.MEDICATIONS])
    as_carol, as_alice = app.test_client(), app.test_client()
    login(as_carol, carol)
    page = as_carol.get(f"/care/clients/{alice.id}").get_data(as_text=True)
    assert "Log as taken" in page
    response = as_carol.post(f"/care/clients/{alice.id}/doses/{ids['planned_dose_id']}",
                             data={"csrf_token": csrf_token(as_carol, "/care/")})
    assert response.status_code == 302
    event = db.session.scalar(select(DoseEvent).where(
        DoseEvent.planned_dose_id == ids["planned_dose_id"]))
    assert event.logged_by_id == carol.id
    assert "logged by Carol" in as_carol.get(f"/care/clients/{alice.id}").get_data(as_text=True)
    login(as_alice, alice)
    log_page = as_alice.get("/sharing/log").get_data(as_text=True)
    assert re.search(r"Logged Mkcurrentmed \(8:00.AM\) as taken", html.unescape(log_page))


def test_a_therapist_can_never_log_a_dose(app, clock, alice, bob):
    clock.set(NOW)
    ids = seed_record(alice)
    link(alice, bob, list(Category))
    as_bob = app.test_client()
    login(as_bob, bob)
    response = as_bob.post(f"/care/clients/{alice.id}/doses/{ids['planned_dose_id']}",
                           data={"csrf_token": csrf_token(as_bob, "/care/")})
    assert response.status_code == 403
    assert db.session.scalar(select(DoseEvent).where(
        DoseEvent.planned_dose_id == ids["planned_dose_id"])) is None


def test_every_view_is_in_the_clients_access_log(app, clock, alice, bob):
    clock.set(NOW)
    seed_record(alice)
    link(alice, bob, [Category.SLEEP, Category.SIDE_EFFECTS])
    as_bob, as_alice = app.test_client(), app.test_client()
    login(as_bob, bob)
    as_bob.get(f"/care/clients/{alice.id}")
    as_bob.get(f"/care/clients/{alice.id}/update")
    views = db.session.scalars(select(AccessLogEntry).where(
        AccessLogEntry.action == LogAction.VIEW).order_by(AccessLogEntry.id)).all()
    assert [(v.viewer_id, v.page, v.categories) for v in views] == [
        (bob.id, "Overview", ["side_effects", "sleep"]),
        (bob.id, "Prescriber update", ["side_effects", "sleep"])]
    login(as_alice, alice)
    page = as_alice.get("/sharing/log").get_data(as_text=True)
    assert "Bob Lee viewed Prescriber update" in page
    assert "Saw: Side effects, Sleep" in page


def test_grant_changes_are_logged(app, clock, alice, bob):
    clock.set(NOW)
    care_link = link(alice, bob)
    as_alice = app.test_client()
    login(as_alice, alice)
    share(as_alice, care_link.id, "mood", from_mood="2026-03-10")
    share(as_alice, care_link.id)
    page = as_alice.get("/sharing/log").get_data(as_text=True)
    assert "Shared with Bob Lee: Mood from Mar 10, 2026" in page
    assert "Stopped sharing with Bob Lee: Mood" in page


def test_therapist_notes_are_readable_by_the_client_only(app, clock, alice, dave, bob):
    clock.set(NOW)
    link(alice, bob)
    as_bob = app.test_client()
    login(as_bob, bob)
    response = as_bob.post(f"/care/clients/{alice.id}/notes",
                           data={"text": "Talked about sleep routines.",
                                 "csrf_token": csrf_token(as_bob, "/care/")})
    assert response.status_code == 302
    as_alice, as_dave = app.test_client(), app.test_client()
    login(as_alice, alice)
    login(as_dave, dave)
    assert "Talked about sleep routines." in as_alice.get("/sharing/notes").get_data(as_text=True)
    assert "Talked about sleep routines." not in as_dave.get("/sharing/notes").get_data(as_text=True)


def test_the_invitation_waits_on_the_home_page_after_signing_up(app, clock, alice, inbox):
    clock.set(NOW)
    as_alice, newcomer = app.test_client(), app.test_client()
    login(as_alice, alice)
    _, code = invite(as_alice, role="caregiver", name="Sam")
    page = newcomer.get(f"/care/invite/{code}").get_data(as_text=True)
    assert "Alice invited you" in page
    response = newcomer.post("/signup", data={
        "display_name": "Sam", "email": "sam@example.com", "password": "a long enough password",
        "role": "caregiver", "timezone": "Europe/London",
        "csrf_token": csrf_token(newcomer, "/signup")})
    assert response.status_code == 200
    confirm = urlsplit(link_in(inbox.wait_for(1)[0], "/signup/confirm/")).path
    assert newcomer.post(confirm, data={"csrf_token": csrf_token(newcomer, confirm)}
                         ).status_code == 302
    home = newcomer.get("/care/").get_data(as_text=True)
    assert "Alice has invited you." in home
    assert accept(newcomer, code).status_code == 302


def test_a_caregiver_with_the_reminders_grant_sets_quiet_hours_and_alice_sees_it(
        app, clock, alice, carol):
    clock.set(NOW)
    seed_record(alice)
    link(alice, carol, [Category.MANAGE_REMINDERS])
    as_carol, as_alice = app.test_client(), app.test_client()
    login(as_carol, carol)
    page = as_carol.get(f"/care/clients/{alice.id}/reminders").get_data(as_text=True)
    assert "Mkcurrentmed" not in page  # naming medications needs their grant too
    response = as_carol.post(f"/care/clients/{alice.id}/reminders", data={
        "quiet_start": "22:00", "quiet_end": "07:00", "repeat_delay_minutes": "30",
        "refill_days": "7", "csrf_token": csrf_token(as_carol, "/care/")})
    assert response.status_code == 302
    settings = db.session.get(ReminderSettings, alice.id)
    assert (settings.quiet_start, settings.quiet_end) == (time(22, 0), time(7, 0))
    assert settings.show_names is False  # the lock screen stays Alice's choice
    assert as_carol.post(f"/care/clients/{alice.id}/reminders/medications",
                         data={"csrf_token": csrf_token(as_carol, "/care/")}).status_code == 403
    login(as_alice, alice)
    log_page = html.unescape(as_alice.get("/sharing/log").get_data(as_text=True))
    assert re.search(r"Changed your reminder settings: quiet 10:00.PM to 7:00.AM", log_page)
    assert "by Carol" in log_page
    team_page = html.unescape(as_alice.get("/sharing/").get_data(as_text=True))
    assert "Recent changes by your care team" in team_page
    assert re.search(r"Changed your reminder settings: quiet 10:00.PM", team_page)


def test_without_the_reminders_grant_nobody_changes_them(app, clock, alice, bob, carol):
    """Neither the settings nor the check-in reminder: a caregiver with other grants, or a
    therapist with every grant (the reminders grant is a caregiver's only)."""
    clock.set(NOW)
    link(alice, carol, [Category.MEDICATIONS])
    link(alice, bob, list(Category))
    forms = {"": {"quiet_start": "22:00", "quiet_end": "07:00", "repeat_delay_minutes": "30",
                  "refill_days": "7"},
             "/checkin": {"checkin_enabled": "y", "checkin_time": "21:15"}}
    for person in (carol, bob):
        visitor = app.test_client()
        login(visitor, person)
        for path, data in forms.items():
            response = visitor.post(f"/care/clients/{alice.id}/reminders{path}",
                                    data={**data, "csrf_token": csrf_token(visitor, "/care/")})
            assert response.status_code == 403
    assert db.session.get(ReminderSettings, alice.id) is None
    assert db.session.get(CheckinReminder, alice.id) is None


def test_a_caregiver_with_the_reminders_grant_sets_the_check_in_reminder_and_alice_sees_it(
        app, clock, alice, carol):
    clock.set(NOW)
    link(alice, carol, [Category.MANAGE_REMINDERS])
    as_carol, as_alice = app.test_client(), app.test_client()
    login(as_carol, carol)
    page = html.unescape(as_carol.get(f"/care/clients/{alice.id}/reminders").get_data(
        as_text=True))
    assert "Remind Alice to check in" in page
    assert "Alice's time (Europe/London)" in page
    url = f"/care/clients/{alice.id}/reminders/checkin"
    refused = as_carol.post(url, data={"checkin_enabled": "y", "checkin_time": "",
                                       "csrf_token": csrf_token(as_carol, "/care/")})
    assert refused.status_code == 400
    assert "Choose a time for the reminder" in refused.get_data(as_text=True)
    assert db.session.get(CheckinReminder, alice.id) is None

    response = as_carol.post(url, data={"checkin_enabled": "y", "checkin_time": "21:15",
                                        "csrf_token": csrf_token(as_carol, "/care/")})
    assert response.status_code == 302
    rule = db.session.get(CheckinReminder, alice.id)
    assert (rule.enabled, rule.local_time) == (True, time(21, 15))
    login(as_alice, alice)
    log_page = html.unescape(as_alice.get("/sharing/log").get_data(as_text=True))
    assert re.search(r"Set your daily check-in reminder to 9:15.PM", log_page)
    own_page = as_alice.get("/reminders").get_data(as_text=True)
    assert 'value="21:15"' in own_page


def test_a_therapist_edits_or_removes_only_their_own_notes_and_the_client_sees_it(
        app, clock, alice, bob):
    clock.set(NOW)
    link(alice, bob)
    other = make_person("lee@example.com", "Dr Other", Role.THERAPIST)
    link(alice, other)
    as_bob, as_other, as_alice = app.test_client(), app.test_client(), app.test_client()
    login(as_bob, bob)
    login(as_other, other)
    login(as_alice, alice)
    as_bob.post(f"/care/clients/{alice.id}/notes", data={
        "text": "Talked about sleep routnes.", "csrf_token": csrf_token(as_bob, "/care/")})
    note = db.session.scalar(select(TherapistNote))
    url = f"/care/clients/{alice.id}/notes/{note.id}"

    assert as_other.get(url).status_code == 404
    assert as_other.post(url + "/remove", data={
        "csrf_token": csrf_token(as_other, "/care/")}).status_code == 404
    refused = as_bob.post(url, data={"text": " ", "csrf_token": csrf_token(as_bob, "/care/")})
    assert refused.status_code == 400
    assert "Write something, or remove the note instead." in html.unescape(
        refused.get_data(as_text=True))

    clock.advance(hours=2)
    assert as_bob.post(url, data={"text": "Talked about sleep routines.",
                                  "csrf_token": csrf_token(as_bob, "/care/")}).status_code == 302
    db.session.refresh(note)
    assert (note.text, note.edited_at) == ("Talked about sleep routines.", clock())
    page = as_alice.get("/sharing/notes").get_data(as_text=True)
    assert "Talked about sleep routines." in page and "edited" in page

    assert as_bob.post(url + "/remove", data={
        "csrf_token": csrf_token(as_bob, "/care/")}).status_code == 302
    assert db.session.scalar(select(TherapistNote)) is None
    assert "sleep routines" not in as_alice.get("/sharing/notes").get_data(as_text=True)
    log_page = html.unescape(as_alice.get("/sharing/log").get_data(as_text=True))
    assert re.search(r"Removed a session note written \w+ \d+, \d{4}", log_page)
    assert "sleep routines" not in log_page


def test_guessing_invitation_codes_is_slowed_per_address(app, clock, alice, bob):
    clock.set(NOW)
    as_alice, guesser, neighbour = app.test_client(), app.test_client(), app.test_client()
    login(as_alice, alice)
    _, code = invite(as_alice)
    guessing = {"REMOTE_ADDR": "203.0.113.7"}
    for n in range(10):
        wrong = guesser.get(f"/care/invite/AAAA-BBBB-{n:04d}", environ_base=guessing)
        assert wrong.status_code == 404
    slowed = guesser.get(f"/care/invite/{code}", environ_base=guessing)
    assert slowed.status_code == 429 and slowed.headers["Retry-After"] == "2"
    assert "Alice" not in slowed.get_data(as_text=True)
    assert "please wait 2 seconds" in slowed.get_data(as_text=True)
    # Someone else is not held up, and the guesser may go on after the wait.
    assert neighbour.get(f"/care/invite/{code}",
                         environ_base={"REMOTE_ADDR": "198.51.100.20"}).status_code == 200
    clock.advance(seconds=2)
    assert guesser.get(f"/care/invite/{code}", environ_base=guessing).status_code == 200


def test_no_cookie_holds_an_invitation_code_anyone_could_read(app, clock, alice):
    """Flask's session cookie is signed, not encrypted: whoever holds it can read it."""
    clock.set(NOW)
    as_alice, invitee = app.test_client(), app.test_client()
    login(as_alice, alice)
    link_id, code = invite(as_alice)  # reads the code from the person's page
    readable = str(app.session_interface.get_signing_serializer(app).loads(
        as_alice.get_cookie("tend_session").value))
    raw = code.replace("-", "")
    assert code not in readable and raw not in readable
    assert code in as_alice.get(f"/sharing/people/{link_id}").get_data(as_text=True)

    assert invitee.get(f"/care/invite/{code}").status_code == 200
    waiting = invitee.get_cookie("tend_invite", path="/").value
    assert raw not in waiting and code not in waiting


def test_dates_of_an_unticked_category_are_ignored(app, clock, alice, bob):
    clock.set(NOW)
    care_link = link(alice, bob)
    as_alice = app.test_client()
    login(as_alice, alice)
    data = {"csrf_token": csrf_token(as_alice, f"/sharing/people/{care_link.id}"),
            "share_sleep": "y", "from_sleep": "2026-03-01",
            "from_mood": "soon", "until_mood": "2020-01-01"}  # mood is not ticked
    response = as_alice.post(f"/sharing/people/{care_link.id}", data=data)

    assert response.status_code == 302
    db.session.refresh(care_link)
    assert [(g.category, g.from_date, g.until_date) for g in care_link.grants] == [
        (Category.SLEEP, FROM_DAY.replace(day=1), None)]


def test_the_page_says_in_words_what_the_person_sees(app, clock, alice, bob):
    clock.set(NOW)
    care_link = link(alice, bob)
    as_alice = app.test_client()
    login(as_alice, alice)
    page = as_alice.get(f"/sharing/people/{care_link.id}").get_data(as_text=True)
    summary = re.search(r'<p class="sharing-summary"[^>]*>(.*?)</p>', page, re.S)
    assert html.unescape(summary.group(1)).split() == \
        f"{care_link.name} sees nothing of yours yet.".split()

    share(as_alice, care_link.id, "sleep", "mood", "side_effects", from_sleep="2026-03-01",
          from_mood="2026-03-01", until_side_effects="2026-12-31")
    page = as_alice.get(f"/sharing/people/{care_link.id}").get_data(as_text=True)
    summary = re.search(r'<p class="sharing-summary"[^>]*>(.*?)</p>', page, re.S)
    assert " ".join(html.unescape(summary.group(1)).split()) == (
        f"{care_link.name} sees: Side effects, until Dec 31, 2026; "
        "Sleep and Mood, from Mar 1, 2026.")


def test_a_new_clients_shared_insights_say_once_why_charts_are_not_drawn_yet(app, clock, alice,
                                                                             bob):
    """The client page draws the shared insights a category at a time: the notice that charts
    come after 5 days of entries was said above each of them."""
    clock.set(NOW)
    as_alice, as_bob = app.test_client(), app.test_client()
    login(as_alice, alice)
    link_id, code = invite(as_alice)
    login(as_bob, bob)
    accept(as_bob, code)
    assert share(as_alice, link_id, "sleep", "energy", "mood", "functioning",
                 "side_effects").status_code == 302
    page = as_bob.get(f"/care/clients/{alice.id}").get_data(as_text=True)
    assert page.count("Charts appear here once there are entries on 5 days") == 1
    assert page.count("A line of each day's answers appears here once 5 days") >= 4
