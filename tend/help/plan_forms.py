"""Forms of the plan for hard times: adding an entry to a section, changing one, moving one."""
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length

from models.plan import ITEM_TEXT_LIMIT, PlanSection
from tend.forms import Form

MOVES = {"up": -1, "down": 1}


def _text_validators():
    return [DataRequired(message=_l("Write a few words first.")),
            Length(max=ITEM_TEXT_LIMIT,
                   message=_l("Use at most %(max)d characters.", max=ITEM_TEXT_LIMIT))]


class ItemForm(Form):
    """One entry. On the plan page there is one per section, told apart by ``prefix``."""

    text = TextAreaField(_l("In your own words"), validators=_text_validators())

    def __init__(self, section: PlanSection | None = None, *args, **kwargs):
        if section is not None:
            kwargs.setdefault("prefix", section.value)
        super().__init__(*args, **kwargs)


class MoveForm(Form):
    direction = HiddenField(validators=[AnyOf(tuple(MOVES))])
