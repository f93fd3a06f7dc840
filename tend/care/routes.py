"""Pages for therapists and caregivers: only what clients chose to share with them."""
from flask import render_template

from tend.access import supporter_required
from tend.care import bp


@bp.get("/")
@supporter_required
def home():
    return render_template("care/home.html")
