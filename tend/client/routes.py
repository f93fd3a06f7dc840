"""The client's own pages."""
from flask import render_template

from tend.access import client_required
from tend.client import bp


@bp.get("/today")
@client_required
def today():
    return render_template("client/today.html")
