"""Red flags: symptoms that call for help now, matched by one data file that the server and
the offline script both read (static/data/red_flags.json)."""
import json
import shutil
import subprocess
import uuid
from datetime import date
from pathlib import Path

import pytest

from models import Severity, User, db
from tend.services import journal, red_flags
from tend.services.red_flags import Guidance
from tests.conftest import api_headers, csrf_token, login
from tests.sharing_world import NOW as WORLD_NOW
from tests.sharing_world import OLD_DAY, at, link, seed_record
from tests.test_client_pages import NOW, page

URGENT = "Please get help now"
ROOT = Path(__file__).resolve().parents[1]
NODE = shutil.which("node")


@pytest.fixture
def signed_in(client, clock, alice):
    clock.set(NOW)
    login(client, alice)
    return client


def save_side_effect(client, symptom, severity):
    response = client.post("/side-effects/new", data={
        "csrf_token": csrf_token(client, "/side-effects/new"), "symptom": symptom,
        "severity": severity, "started_on": "2026-03-09", "idempotency_key": str(uuid.uuid4())})
    assert response.status_code == 302, page(response)
    return page(client.get(response.location))


@pytest.mark.parametrize("severity", ["none", "mild", "moderate", "severe"])
@pytest.mark.parametrize("symptom", ["chest pains", "can't breathe", "Suicidal thoughts"])
def test_it_says_to_get_help_now_for_the_words_people_use_at_any_severity(signed_in, symptom,
                                                                          severity):
    assert URGENT in save_side_effect(signed_in, symptom, severity)


@pytest.mark.parametrize("symptom", ["chest pains", "can’t breathe", "suicidal thoughts"])
def test_the_api_answers_red_flag_for_the_words_people_use(signed_in, symptom):
    answer = signed_in.post("/api/v1/side-effects", json={
        "symptom": symptom, "severity": "mild", "started_on": "2026-03-09",
        "idempotency_key": str(uuid.uuid4())}, headers=api_headers(signed_in, "/today"))
    assert answer.status_code == 201, answer.json
    assert answer.json["red_flag"] is True


# --- The matcher: one data file, the same answers on the server and on the phone ------------

ORDINARY = [*journal.COMMON_SYMPTOMS, "chest of drawers", "tired", "mild headache",
            "stomach ache", "feeling down", "weight gain", "constipation", "heartburn",
            "muscle aches", "blurred vision", "itchy skin", "out of breath after running",
            "breathing fine", "felt a bit faint", "cold hands", "yawning a lot", "vivid dreams",
            "feeling a bit confused about my dose", "shaky hands", "low sex drive",
            "strange taste", "a fever", "pins and needles", "restless legs", "hair loss"]
EVERY_PHRASE = [phrase for group in red_flags.groups() for phrase in group.phrases]
EVERY_TOGETHER = [" and ".join(parts) for group in red_flags.groups() for parts in group.together]
# Written as people write: capitals, punctuation, curly apostrophes, plurals, around the phrase.
AS_WRITTEN = ["Chest pains!!", "CAN’T BREATHE", "cant breathe", "Cannot breathe.",
              "trouble breathing at night", "my lips are swollen", "swollen tongue and lips",
              "I want to die", "I have been having suicidal thoughts", "wanting to hurt myself",
              "thoughts of self-harm", "stiff muscles and a high fever", "fever, very stiff",
              "had two seizures", "fainted twice", "a rash with blisters", "blistering skin",
              "Took too many tablets", "serotonin syndrome?", "don’t want to live anymore",
              "no chest pain today"]  # a mention is flagged too: getting help info does no harm
UNICODE = ["ﬁne", "İstanbul", "Straße", "douleur thoracique", "बुखार", "胸痛", "𝐜𝐡𝐞𝐬𝐭 𝐩𝐚𝐢𝐧",
           "chest\u00a0pain", "chest_pain", "CHEST PAINS", "can`t breathe", "can´t breathe",
           "ss", "less", "this", "gas", "selfharms"]


def js_answers(cases: list[str]) -> list[dict]:
    """What static/js/red-flags.js answers for each case, run under node with the data file."""
    script = """
      const flags = require(process.argv[1]);
      const data = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8"));
      const cases = JSON.parse(require("fs").readFileSync(0, "utf8"));
      console.log(JSON.stringify(cases.map(text => {
        const group = flags.matchingGroup(data.groups, text, {});
        return {normalised: flags.normalise(text), group: group && group.id,
                severe: flags.guidanceFor(data.groups, text, "severe", {})};
      })));"""
    done = subprocess.run(
        [NODE, "-e", script, str(ROOT / "static/js/red-flags.js"), str(red_flags.DATA_FILE)],
        input=json.dumps(cases), capture_output=True, text=True, check=True, timeout=30)
    return json.loads(done.stdout)


def python_answers(cases: list[str]) -> list[dict]:
    answers = []
    for text in cases:
        group = red_flags.matching_group(text)
        severe = red_flags.guidance_for(text, Severity.SEVERE)
        answers.append({"normalised": red_flags.normalise(text), "group": group and group.id,
                        "severe": severe and severe.value})
    return answers


def test_every_phrase_and_variant_in_the_data_file_is_flagged():
    for text in EVERY_PHRASE + EVERY_TOGETHER + AS_WRITTEN:
        assert red_flags.is_red_flag(text), text
    for group in red_flags.groups():
        assert red_flags.is_red_flag(str(group.label)), group.id


def test_the_variants_the_issue_names_are_listed_explicitly():
    listed = {phrase.lower() for phrase in EVERY_PHRASE}
    for phrase in ["chest pains", "can't breathe", "can’t breathe", "cant breathe",
                   "cannot breathe", "suicidal", "want to die", "hurt myself", "kill myself",
                   "end my life", "swollen lips", "swollen tongue"]:
        assert phrase in listed, phrase


def test_ordinary_symptoms_are_not_flagged():
    flagged = [text for text in ORDINARY if red_flags.is_red_flag(text)]
    assert flagged == []


def test_self_harm_gets_the_crisis_guidance_and_the_body_the_emergency_one():
    assert red_flags.guidance_for("suicidal thoughts", Severity.MILD) is Guidance.CRISIS
    assert red_flags.guidance_for("chest pains", Severity.NONE) is Guidance.EMERGENCY
    assert red_flags.guidance_for("nausea", Severity.SEVERE) is Guidance.PRESCRIBER
    assert red_flags.guidance_for("nausea", Severity.MODERATE) is None


@pytest.mark.skipif(not NODE, reason="node is needed to run the offline matcher")
def test_the_offline_script_answers_exactly_as_the_server():
    cases = EVERY_PHRASE + EVERY_TOGETHER + AS_WRITTEN + ORDINARY + UNICODE
    assert js_answers(cases) == python_answers(cases)


def test_every_group_has_a_label_and_a_known_guidance():
    ids = [group.id for group in red_flags.groups()]
    assert sorted(ids) == sorted(red_flags.LABELS) and len(set(ids)) == len(ids)
    assert {group.guidance for group in red_flags.groups()} == {Guidance.CRISIS,
                                                               Guidance.EMERGENCY}


# --- What a therapist sees ---------------------------------------------------------------------

NOT_MONITORED = "Tend does not watch entries as they happen"


def record_urgent(person, symptom, day, severity=Severity.MILD):
    client = db.session.get(User, person.id)
    journal.record_side_effect(db.session, client, journal.SideEffectInput(
        symptom=symptom, severity=severity, started_on=day), at(day, 10))
    db.session.commit()


@pytest.mark.parametrize("shared", [True, False])
def test_the_therapist_sees_red_flag_entries_only_when_side_effects_are_shared(
        app, clock, alice, bob, shared):
    clock.set(WORLD_NOW)
    seed_record(alice)
    record_urgent(alice, "chest pains mk-urgent-new", date(2026, 3, 18))
    record_urgent(alice, "suicidal thoughts mk-urgent-old", OLD_DAY)  # before the grant's day
    categories = ["medications", "sleep"] + (["side_effects"] if shared else [])
    link(alice, bob, categories)
    as_bob = app.test_client()
    login(as_bob, bob)
    caseload = page(as_bob.get("/care/"))
    overview = page(as_bob.get(f"/care/clients/{alice.id}"))
    for body in (caseload, overview):
        assert ("mk-urgent-new" in body) is shared
        assert ("Not monitored in real time." in body) is shared
        assert (NOT_MONITORED in body) is shared
        assert "mk-urgent-old" not in body
    if shared:
        assert "Can need urgent help: chest pains mk-urgent-new" in caseload
        assert "data-urgent-side-effects" in overview
        assert "Alice was shown how to get help at once" in overview


def test_an_ordinary_side_effect_is_not_marked_urgent(app, clock, alice, bob):
    clock.set(WORLD_NOW)
    record_urgent(alice, "dry mouth", date(2026, 3, 18), Severity.SEVERE)
    link(alice, bob, ["side_effects"])
    as_bob = app.test_client()
    login(as_bob, bob)
    caseload = page(as_bob.get("/care/"))
    assert "New side effect: dry mouth" in caseload and NOT_MONITORED not in caseload
    assert "data-urgent-side-effects" not in page(as_bob.get(f"/care/clients/{alice.id}"))


def test_the_data_file_is_precached_for_the_offline_page(client):
    worker = client.get("/sw.js").get_data(as_text=True)
    assert "/static/data/red_flags.json?v=" in worker


def test_an_urgent_choice_opens_the_form_filled_in_without_the_script(signed_in):
    html = page(signed_in.get("/side-effects/new?symptom=Chest%20pain"))
    assert 'value="Chest pain"' in html and "Needs help now" in html
    assert 'href="/side-effects/new?symptom=Trouble%20breathing"' in html
    long = signed_in.get("/side-effects/new?symptom=" + "x" * 500)
    assert long.status_code == 200 and 'value="' + "x" * 80 + '"' in page(long)
