"""Red flags: symptoms that call for help now, not a wait for the next appointment.

The phrases live in one data file, ``static/data/red_flags.json``, which the offline script
(``static/js/red-flags.js``) reads too, so an entry made without a connection gets the same
answer at once. Both sides normalise text the same way (``normalise``); a test runs the two
matchers over the same cases. A symptom that only mentions a red flag ("no chest pain
today") is flagged as well: showing how to get help when it wasn't needed does no harm.
"""
import json
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property, lru_cache
from pathlib import Path

from flask_babel import lazy_gettext as _l

from models import Severity

DATA_FILE = Path(__file__).resolve().parents[2] / "static" / "data" / "red_flags.json"

_APOSTROPHES = re.compile("['\u2018\u2019\u02bc\u0060\u00b4]")
_NOT_A_WORD = re.compile(r"[\W_]+")


class Guidance(StrEnum):
    """What the client is told right after saving a side effect."""

    CRISIS = "crisis"          # thoughts of suicide or self-harm: crisis line and emergency
    EMERGENCY = "emergency"    # a physical red flag: the emergency number, now
    PRESCRIBER = "prescriber"  # severe but not a red flag: contact the prescriber soon


# The urgent symptoms as the side-effect form offers them; each is matched too.
LABELS = {
    "self_harm": _l("Thoughts of suicide or self-harm"),
    "chest_pain": _l("Chest pain"),
    "breathing": _l("Trouble breathing"),
    "swelling": _l("Swelling of lips, tongue, face or throat"),
    "fainting": _l("Fainting"),
    "seizure": _l("Seizure"),
    "severe_rash": _l("Severe rash or blistering"),
    "fever_stiffness": _l("High fever with stiff muscles or confusion"),
    "serotonin": _l("Fever with twitching or jerking muscles"),
    "confusion": _l("Sudden confusion"),
    "too_much_medication": _l("Took too much medication"),
}


@dataclass(frozen=True)
class Group:
    id: str
    guidance: Guidance
    phrases: tuple[str, ...]
    together: tuple[tuple[str, ...], ...]

    @property
    def label(self):
        return LABELS[self.id]

    @cached_property
    def _wanted(self) -> tuple[tuple[str, ...], ...]:
        """Each phrase, and each "together" list, as padded normalised words."""
        return (tuple((f" {normalise(phrase)} ",) for phrase in self.phrases)
                + tuple(tuple(f" {normalise(part)} " for part in parts)
                        for parts in self.together))

    def matches(self, normalised: str) -> bool:
        padded = f" {normalised} "
        label = f" {normalise(str(self.label))} "  # in the language the form was shown in
        return label in padded or any(all(part in padded for part in parts)
                                      for parts in self._wanted)


def normalise(text: str) -> str:
    """Lower case, apostrophes dropped ("can't" = "cant"), other punctuation as spaces, one
    space between words, and a final "s" dropped from words longer than 3 letters (not "ss"),
    so "chest pains" reads as "chest pain"."""
    text = _APOSTROPHES.sub("", unicodedata.normalize("NFKC", text).lower())
    words = _NOT_A_WORD.sub(" ", text).split()
    return " ".join(word[:-1] if len(word) > 3 and word.endswith("s")
                    and not word.endswith("ss") else word for word in words)


@lru_cache(maxsize=1)
def groups() -> tuple[Group, ...]:
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return tuple(Group(id=item["id"], guidance=Guidance(item["guidance"]),
                       phrases=tuple(item["phrases"]),
                       together=tuple(tuple(parts) for parts in item.get("together", [])))
                 for item in data["groups"])


def matching_group(symptom: str) -> Group | None:
    """The first group (in the data file's order) that ``symptom`` mentions."""
    normalised = normalise(symptom or "")
    return next((group for group in groups() if group.matches(normalised)), None)


def is_red_flag(symptom: str) -> bool:
    return matching_group(symptom) is not None


def guidance_for(symptom: str, severity: Severity) -> Guidance | None:
    """A red flag gets urgent guidance at any severity; any other severe entry, the line
    about contacting the prescriber soon; the rest none."""
    group = matching_group(symptom)
    if group is not None:
        return group.guidance
    return Guidance.PRESCRIBER if severity is Severity.SEVERE else None
