"""Your data: export (ZIP of JSON and CSV, FHIR R4 Bundle), import into an empty account,
and deleting the account with everything of it."""
import json
from pathlib import Path

from flask import (Response, current_app, flash, redirect, render_template, session,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from models import db
from tend import clock
from tend.access import client_required
from tend.export import bp
from tend.export.forms import DeleteAccountForm, ImportForm
from tend.services import accounts, deletion, export, fhir, schedule

README = Path(__file__).resolve().parents[2] / "docs" / "EXPORT.md"


def _client():
    return current_user._get_current_object()


def _download(body: bytes | str, filename: str, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _stamp() -> str:
    return schedule.local_today(_client(), clock.now()).isoformat()


@bp.get("/my-data")
@client_required
def overview():
    return render_template("export/overview.html", import_form=ImportForm(formdata=None),
                           can_import=export.is_empty(db.session, _client()))


@bp.get("/my-data/tend-export.zip")
@client_required
def download_zip():
    body = export.export_zip(db.session, _client(), clock.now(), README.read_text())
    return _download(body, f"tend-export-{_stamp()}.zip", "application/zip")


@bp.get("/my-data/tend-fhir.json")
@client_required
def download_fhir():
    document = fhir.bundle(db.session, _client(), clock.now(),
                           current_app.config["TEND_BASE_URL"])
    fhir.validate(document)
    return _download(json.dumps(document, ensure_ascii=False, indent=1),
                     f"tend-fhir-{_stamp()}.json", "application/fhir+json")


@bp.post("/my-data/import")
@client_required
def import_file():
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            data = export.read_upload(upload.filename or "", upload.read())
            result = export.import_data(db.session, _client(), data)
        except export.ImportRefused as refused:
            db.session.rollback()
            form.file.errors = [str(refused.message)]
        else:
            db.session.commit()
            return render_template("export/imported.html", result=result)
    return render_template("export/overview.html", import_form=form,
                           can_import=export.is_empty(db.session, _client())), 400


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        if accounts.password_matches(current_user, form.password.data):
            deletion.delete_account(db.session, _client())
            db.session.commit()
            logout_user()
            session.clear()
            flash(_("Your account and everything in it are deleted."), "success")
            response = redirect(url_for("auth.login"))
            response.headers["Clear-Site-Data"] = '"cache", "storage"'
            return response
        form.password.errors.append(_("That isn't your password."))
    return render_template("export/delete.html", form=form), \
        400 if form.is_submitted() else 200
