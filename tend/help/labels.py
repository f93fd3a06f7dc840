"""How Get help names each kind of contact and each emergency service."""
from flask_babel import lazy_gettext as _l

from models import HelpContactKind

KIND_LABELS = {
    HelpContactKind.PRESCRIBER: _l("Prescriber"),
    HelpContactKind.THERAPIST: _l("Therapist"),
    HelpContactKind.TRUSTED_PERSON: _l("Someone I trust"),
    HelpContactKind.CRISIS_LINE: _l("Crisis line"),
}

# Shown after a number that is for one service only: "119 (ambulance and fire)".
SERVICE_LABELS = {
    "police": _l("police"),
    "ambulance": _l("ambulance"),
    "fire": _l("fire"),
    "ambulance_fire": _l("ambulance and fire"),
}
