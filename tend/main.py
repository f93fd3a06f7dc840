"""The front door: signed-in people go to their home, everyone else sees what Tend is."""
from flask import Blueprint, redirect, render_template
from flask_login import current_user

from tend.access import home_url

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    return render_template("index.html")
