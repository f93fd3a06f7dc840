"""Your data: export (ZIP of JSON and CSV, FHIR R4 Bundle), import into an empty account,
and deleting the account with everything of it."""
import json
from pathlib import Path

from flask import (Response, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from models import db
from tend import clock
from tend.access import client_required
from tend.export import bp
from tend.export.forms import DeleteAccountForm, ImportForm
from tend.services import accounts, deletion, export, fhir, importing, schedule

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


@bp.before_app_request
def remove_an_interrupted_import():
    """An import cut off half-way (a stopped worker) is taken out on the next page.

    Costs nothing when no import is running: the mark is a column of the signed-in user, who
    is loaded with the session anyway. The app shell's files (manifest, service worker, offline
    page, ping) are not pages and name nobody, so they don't load the user for it."""
    if request.endpoint == "static" or request.blueprint == "pwa" \
            or not current_user.is_authenticated or not importing.is_importing(current_user):
        return
    if importing.discard_interrupted(db.session, _client(), clock.now()):
        flash(_("An import into this account stopped before it finished, so Tend removed "
                "what it had written. You can import the file again under Your data."),
              "warning")


def _overview(form: ImportForm, status: int = 200):
    client = _client()
    return render_template("export/overview.html", import_form=form,
                           importing_now=importing.is_importing(client),
                           can_import=importing.is_empty(db.session, client)), status


@bp.get("/my-data")
@client_required
def overview():
    return _overview(ImportForm(formdata=None))


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
            result = importing.import_upload(db.session, _client(), upload.filename or "",
                                             upload.read(), clock.now(),
                                             current_app.config["TEND_LOCALES"])
        except importing.ImportRefused as refused:
            db.session.rollback()
            form.file.errors = [str(refused.message)]
        else:
            return render_template("export/imported.html", result=result)
    return _overview(form, 400)


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
