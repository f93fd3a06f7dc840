"""The client's plan for hard times: short entries in their own words, in five sections.

Tend only keeps and orders what the client writes; it suggests nothing of its own. The plan
is the client's: only they change it (in session, on their own phone, with their therapist
beside them); supporters with the grant read it (``tend/services/shared_record.py``)."""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import User
from models.plan import ITEM_TEXT_LIMIT, PlanSection, SafetyPlan, SafetyPlanItem
from tend.services import lookup
from tend.services.errors import FieldError

MAX_ITEMS_PER_SECTION = 20


@dataclass(frozen=True)
class SectionText:
    title: object    # the section's heading
    empty: object    # one calm line saying what belongs there, while it is empty
    add: object      # the label of the field that adds an entry


SECTION_TEXT = {
    PlanSection.WARNING_SIGNS: SectionText(
        _l("My warning signs"),
        _l("Thoughts, feelings or changes that tell you a hard time may be starting."),
        _l("Add a warning sign")),
    PlanSection.WHAT_HELPS: SectionText(
        _l("What helps me"),
        _l("Things you can do yourself that help, even a little."),
        _l("Add something that helps")),
    PlanSection.PEOPLE_PLACES: SectionText(
        _l("People and places that help"),
        _l("People to be with and places to go, for company or to take your mind off "
           "things."),
        _l("Add a person or place")),
    PlanSection.CONTACTS: SectionText(
        _l("Professionals and services to contact"),
        _l("Who you can contact for help, such as your prescriber, therapist or a crisis "
           "line, and how to reach them."),
        _l("Add a professional or service")),
    PlanSection.SAFER: SectionText(
        _l("Steps to make things safer"),
        _l("What you can do to make things around you safer at a hard time."),
        _l("Add a step")),
}
SECTIONS = tuple(PlanSection)


@dataclass(frozen=True)
class Section:
    section: PlanSection
    text: SectionText
    items: list[SafetyPlanItem]


def plan_of(db: Session, client: User) -> SafetyPlan | None:
    return db.scalar(select(SafetyPlan).where(SafetyPlan.client_id == client.id))


def sections(items) -> list[Section]:
    """Every section in the plan's order, each with its entries in the client's order."""
    ordered = sorted(items, key=lambda item: (item.position, item.id))
    return [Section(section, SECTION_TEXT[section],
                    [item for item in ordered if item.section is section])
            for section in SECTIONS]


def section_named(value) -> PlanSection | None:
    try:
        return PlanSection(value)
    except ValueError:
        return None


def clean_text(text: str) -> str:
    """One line of the client's words, spaces tidied; refused (at ``text``) empty or long."""
    text = " ".join((text or "").split())
    if not text:
        raise FieldError("text", _l("Write a few words first."))
    if len(text) > ITEM_TEXT_LIMIT:
        raise FieldError("text", _l("Use at most %(max)d characters.", max=ITEM_TEXT_LIMIT))
    return text


def add_item(db: Session, client: User, section: PlanSection, text: str,
             now: datetime) -> SafetyPlanItem:
    """A new entry at the end of its section (the plan is made with its first entry)."""
    text = clean_text(text)
    plan = plan_of(db, client)
    if plan is None:
        plan = SafetyPlan(client_id=client.id, created_at=now, updated_at=now)
        db.add(plan)
        db.flush()
    count, last = db.execute(select(func.count(), func.max(SafetyPlanItem.position)).where(
        SafetyPlanItem.plan_id == plan.id, SafetyPlanItem.section == section)).one()
    if count >= MAX_ITEMS_PER_SECTION:
        raise FieldError("text", _l("This part of your plan holds up to %(max)d entries. "
                                    "You could change or remove one first.",
                                    max=MAX_ITEMS_PER_SECTION))
    item = SafetyPlanItem(plan_id=plan.id, section=section, text=text,
                          position=(last or 0) + 1, created_at=now, updated_at=now)
    db.add(item)
    plan.updated_at = now
    db.flush()
    return item


def item_of(db: Session, client: User, item_id) -> SafetyPlanItem | None:
    """The client's own entry with this id, or None (also for anyone else's)."""
    item_id = lookup.as_id(item_id)
    if item_id is None:
        return None
    return db.scalar(select(SafetyPlanItem).join(SafetyPlan).where(
        SafetyPlanItem.id == item_id, SafetyPlan.client_id == client.id))


def change_item(item: SafetyPlanItem, text: str, now: datetime) -> None:
    text = clean_text(text)
    if text != item.text:
        item.text = text
        item.updated_at = item.plan.updated_at = now


def move_item(db: Session, item: SafetyPlanItem, step: int, now: datetime) -> bool:
    """Swap the entry with its neighbour above (``step`` -1) or below (+1) in its section.
    False when there is none (already first or last)."""
    position = SafetyPlanItem.position
    query = select(SafetyPlanItem).where(SafetyPlanItem.plan_id == item.plan_id,
                                         SafetyPlanItem.section == item.section)
    neighbour = db.scalar(
        query.where(position < item.position).order_by(position.desc()) if step < 0 else
        query.where(position > item.position).order_by(position))
    if neighbour is None:
        return False
    item.position, neighbour.position = neighbour.position, item.position
    item.plan.updated_at = now
    return True


def remove_item(db: Session, item: SafetyPlanItem, now: datetime) -> None:
    item.plan.updated_at = now
    db.delete(item)
