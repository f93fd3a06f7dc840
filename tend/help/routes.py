from flask import render_template

from tend.access import client_required
from tend.help import bp


@bp.get("/help")
@client_required
def index():
    return render_template("help/index.html")
