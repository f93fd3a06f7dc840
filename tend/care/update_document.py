"""A saved prescriber update as a document: headed sections of lines, in the reader's words.

The update page, the client's approval page and the PDF all lay out this one document, so
what the client approves reads exactly as what is printed or downloaded. Every comparison is
written out in words with an arrow ("↑ up from 4.1 in the 28 days before"), never left to a
colour."""
from dataclasses import dataclass, field

from flask_babel import gettext as _, ngettext

from models import Category, Verdict
from models.journal import CHECKIN_FIELD
from models.update import PrescriberUpdate
from tend.formatting import clock_times, date_range, short_date
from tend.services.update_content import readable
from tend.services.decisions import VERDICT_LABELS
from tend.labels import CATEGORY_LABELS, SEVERITY_LABELS, SKIP_REASON_LABELS, number

SEVERITY_MARKS = {"mild": "■□□", "moderate": "■■□", "severe": "■■■"}


@dataclass
class Line:
    text: str
    detail: str = ""
    severity: str | None = None   # "mild", "moderate" or "severe": shown as a marked badge
    red_flag: bool = False

    def __post_init__(self):
        self.text, self.detail = str(self.text), str(self.detail)  # lazy labels, read now

    @property
    def plain_text(self) -> str:
        """The line as plain text (the PDF): the severity written out with its marks."""
        parts = [self.text, severity_text(self.severity) if self.severity else "",
                 _("(red flag)") if self.red_flag else ""]
        return " ".join(part for part in parts if part)


@dataclass
class Section:
    key: str
    heading: str
    lines: list[Line] = field(default_factory=list)
    empty: str = ""               # said when there are no lines
    voice: str = "record"         # "record", "therapist", "client" or "caregiver"


@dataclass
class Document:
    title: str
    period: str
    byline: str
    drawn_from: str
    sections: list[Section]


def severity_text(severity: str) -> str:
    return f"{SEVERITY_MARKS.get(severity, '')} {SEVERITY_LABELS[severity]}".strip()


def compared(now, before, days: int, unit: str = "") -> str:
    """How a figure compares with the period before, in words and an arrow."""
    if now is None:
        return ""
    if before is None:
        return _("no figures from the %(num)d days before", num=days)
    if now > before:
        return _("↑ up from %(before)s%(unit)s in the %(num)d days before",
                 before=number(before), unit=unit, num=days)
    if now < before:
        return _("↓ down from %(before)s%(unit)s in the %(num)d days before",
                 before=number(before), unit=unit, num=days)
    return _("→ the same as in the %(num)d days before", num=days)


def _times(item) -> str:
    if item["as_needed"]:
        return _("when needed")
    return clock_times(item["times"]) if item["times"] else ""


def _change_text(item) -> str:
    if item["change"] == "pause":
        return _("paused")
    if item["change"] == "resume":
        return _("resumed")
    if item["change"] == "stop":
        return _("stopped")
    return ", ".join(part for part in (item["dose"], _times(item)) if part)


def build(update: PrescriberUpdate) -> Document:
    content = readable(update.content)
    days = (content["last_on"] - content["first_on"]).days + 1
    shared = content["shared"]
    sections: list[Section] = []
    name = content["client"]

    sections.append(Section("observations", _("The therapist's observations"),
                            [Line(text) for text in _paragraphs(update.observations)],
                            _("No observations added."), voice="therapist"))
    sections.append(Section("therapist_questions", _("The therapist's questions for the prescriber"),
                            [Line(text) for text in _paragraphs(update.questions)],
                            _("No questions added."), voice="therapist"))
    if content["questions"] is not None:
        sections.append(Section("client_questions",
                                _("%(name)s's own questions for the prescriber", name=name),
                                [Line(text) for text in content["questions"]],
                                _("No open questions."), voice="client"))
    if content["notes"] is not None:
        sections.append(Section("notes", _("In %(name)s's words", name=name),
                                [Line(short_date(item["day_on"]), item["text"])
                                 for item in content["notes"]],
                                _("No notes in this period."), voice="client"))
    sections.append(Section("caregiver", _("Observed in daily life by a caregiver"),
                            [Line(_("%(name)s, %(day)s", name=item["author"],
                                    day=short_date(item["observed_on"])), item["text"])
                             for item in content["observations"]],
                            _("No caregiver observations approved for this period."),
                            voice="caregiver"))

    if content["medications"] is not None:
        sections.append(Section("medications", _("Medications"), [
            Line(f'{item["name"]} {item["dose"]}',
                 ", ".join(part for part in (_times(item), _("at most %(num)d a day",
                                                               num=item["max_per_day"])
                                             if item["as_needed"] and item["max_per_day"]
                                             else "") if part))
            for item in content["medications"]], _("No medications in the shared period.")))
        sections.append(Section("adherence", _("Adherence per medication"), [
            Line(item["name"],
                 _("%(taken)d of %(total)d scheduled doses taken (%(percent)d%%), %(comparison)s",
                   taken=item["taken"], total=item["counted"], percent=item["percent"],
                   comparison=compared(item["percent"], item["before_percent"], days, "%"))
                 + (" · " + ngettext("%(num)d later than planned", "%(num)d later than planned",
                                     item["late"]) if item["late"] else "")
                 + (" · " + ngettext("%(num)d skipped", "%(num)d skipped", item["skipped"])
                    if item["skipped"] else "")
                 + (" · " + ngettext("%(num)d not logged", "%(num)d not logged", item["missed"])
                    if item["missed"] else ""))
            for item in content["adherence"]], _("No scheduled doses in this period.")))
        sections.append(Section("as_needed", _("As-needed use against its limit"), [
            _as_needed_line(item, days) for item in content["as_needed"]],
            _("No as-needed doses logged in this period.")))
    if content["skip_reasons"] is not None:
        sections.append(Section("skip_reasons", _("Reasons given for skipped doses"), [
            Line(SKIP_REASON_LABELS[item["reason"]],
                 ngettext("%(num)d time", "%(num)d times", item["now"]) + ", "
                 + compared(item["now"], item["before"], days))
            for item in content["skip_reasons"]], _("No doses skipped in this period.")))
    if content["side_effects"] is not None:
        effects = content["side_effects"]
        lines = [Line("",
                      ngettext("%(num)d side effect", "%(num)d side effects", item["now"]) + ", "
                      + compared(item["now"], item["before"], days), severity=item["severity"])
                 for item in effects["counts"]]
        lines += [Line(item["symptom"], _side_effect_detail(item), severity=item["severity"],
                       red_flag=item["red_flag"]) for item in effects["items"]]
        sections.append(Section("side_effects", _("Side effects by severity"), lines))
    for section in content["checkins"]:
        category = Category(section["category"])
        lines = [Line(str(CHECKIN_FIELD[item["name"]].label),
                      (_("%(value)s hours on average", value=number(item["now"]))
                       if item["name"] == "sleep_hours"
                       else _("%(value)s of 5 on average", value=number(item["now"])))
                      + ", " + compared(item["now"], item["before"], days))
                 for item in section["fields"] if item["now"] is not None]
        sections.append(Section(category.value, str(CATEGORY_LABELS[category]), lines,
                                _("No check-ins in this period.")))
    if content["medications"] is not None:
        sections.append(Section("changes", _("Medication changes in this period"), [
            Line(item["medication"], _("from %(day)s: %(what)s", day=short_date(item["from_on"]),
                                       what=_change_text(item))
                 + (f' · {item["note"]}' if item["note"] else ""))
            for item in content["changes"]], _("No changes in this period.")))
        sections.append(Section("scheduled", _("Changes scheduled after this period"), [
            Line(item["medication"], _("from %(day)s: %(what)s", day=short_date(item["from_on"]),
                                       what=_change_text(item))
                 + (f' · {item["note"]}' if item["note"] else ""))
            for item in content["scheduled"]], _("No changes scheduled.")))
    if content["experiments"] is not None:
        sections.append(Section("experiments", _("Experiments and checkpoint answers"), [
            Line(item["title"], _experiment_detail(item)) for item in content["experiments"]],
            _("No experiments in the shared period."), voice="client"))

    names = [str(CATEGORY_LABELS[Category(value)]) for value in shared]
    return Document(
        title=_("Update for the prescriber: %(name)s", name=name),
        period=date_range(content["first_on"], content["last_on"]),
        byline=_("Prepared by %(author)s, saved %(day)s", author=update.author_name,
                 day=short_date(update.saved_at)),
        drawn_from=_("Drawn only from what %(name)s chose to share: %(what)s. Each figure is "
                     "compared with the %(num)d days before (%(before)s).", name=name,
                     what=", ".join(names) or _("nothing yet"), num=days,
                     before=date_range(content["before_first_on"],
                                       content["before_last_on"])),
        sections=sections)


def _paragraphs(text: str) -> list[str]:
    return [part.strip() for part in (text or "").split("\n") if part.strip()]


def _as_needed_line(item, days: int) -> Line:
    if item["limit"]:
        detail = _("%(num)d taken in %(days)d days; limit %(limit)d a day, %(over)s (most "
                   "in a day: %(most)d)", num=item["taken"], days=days, limit=item["limit"],
                   over=ngettext("over it on %(num)d day", "over it on %(num)d days",
                                 item["days_over_limit"]), most=item["most_in_a_day"])
    else:
        detail = _("%(num)d taken in %(days)d days, no daily limit set (most in a day: "
                   "%(most)d)", num=item["taken"], days=days, most=item["most_in_a_day"])
    detail += ", " + compared(item["taken"], item["before"], days)
    if item["side_effects"]:
        detail += " · " + _("linked side effects: %(list)s", list=", ".join(
            f'{effect["symptom"]} ({severity_text(effect["severity"])})'
            for effect in item["side_effects"]))
    return Line(item["name"], detail)


def _side_effect_detail(item) -> str:
    parts = [_("since %(day)s", day=short_date(item["started_on"]))]
    if item["ended_on"]:
        parts.append(_("ended %(day)s", day=short_date(item["ended_on"])))
    if item["medications"]:
        parts.append(", ".join(item["medications"]))
    if item["red_flag"]:
        parts.append(_("a symptom to check with a doctor promptly"))
    if item["note"]:
        parts.append(item["note"])
    return " · ".join(parts)


def _experiment_detail(item) -> str:
    parts = [_("changed on %(day)s", day=short_date(item["changed_on"]))]
    if item["hopes"]:
        parts.append(_("hopes: %(text)s", text=item["hopes"]))
    if item["worries"]:
        parts.append(_("worries: %(text)s", text=item["worries"]))
    for checkpoint in item["checkpoints"]:
        answer = VERDICT_LABELS[Verdict(checkpoint["verdict"])] if checkpoint["verdict"] \
            else _("no answer")
        text = _("checkpoint %(day)s: %(answer)s", day=short_date(checkpoint["due_on"]),
                 answer=answer)
        if checkpoint["next_step"]:
            text += " · " + _("next step to discuss: %(text)s", text=checkpoint["next_step"])
        parts.append(text)
    return " · ".join(parts)
