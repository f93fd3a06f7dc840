"""Get help: the client's contacts and emergency number, their forms, and what the phone keeps
of it for offline use."""
from flask import (abort, flash, jsonify, redirect, render_template, request, url_for)
from flask_babel import gettext as _
from flask_login import current_user

from models import HelpContact, HelpContactKind, db
from tend import clock
from tend.access import client_required
from tend.help import bp, pages
from tend.help.forms import ContactForm, RegionForm
from tend.help.labels import KIND_LABELS
from tend.services import help as help_rules
from tend.services.errors import FieldError


def _region_form(**kwargs) -> RegionForm:
    derived = help_rules.derived_region(current_user)
    return RegionForm(choices=pages.region_choices(derived), **kwargs)


@bp.get("/help")
@client_required
def index():
    context = pages.help_page(current_user)
    region = context["region"]
    form = _region_form(data={"region": region.code if region.chosen else ""})
    return render_template("help/index.html", **context, region_form=form)


@bp.post("/help/region")
@client_required
def region():
    form = _region_form()
    if form.validate_on_submit():
        help_rules.choose_region(db.session, current_user, form.region.data or None)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("help.index", _anchor="emergency"))
    context = pages.help_page(current_user)
    return render_template("help/index.html", **context, region_form=form), 400


def _contact_or_404(contact_id: int) -> HelpContact:
    contact = help_rules.contact_of(db.session, current_user, contact_id)
    if contact is None:
        abort(404)
    return contact


def _contact_page(form: ContactForm, contact: HelpContact | None = None):
    status = 400 if form.errors else 200
    return render_template("help/contact_form.html", form=form, contact=contact), status


def _save(form: ContactForm, contact: HelpContact | None):
    """Valid input saved (then back to Get help), else the form with the messages."""
    if form.validate_on_submit():
        try:
            if contact is None:
                help_rules.add_contact(db.session, current_user, form.as_input(), clock.now())
            else:
                help_rules.update_contact(contact, form.as_input(), clock.now())
        except FieldError as error:
            db.session.rollback()
            form[error.field].errors = [*form[error.field].errors, error.message]
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("help.index", _anchor="contacts"))
    return _contact_page(form, contact)


@bp.route("/help/contacts/new", methods=["GET", "POST"])
@client_required
def contact_new():
    kind = request.args.get("kind")
    start = {"kind": kind} if kind in {k.value for k in HelpContactKind} else {}
    form = ContactForm(data=start) if request.method == "GET" else ContactForm()
    return _save(form, None)


@bp.route("/help/contacts/<int:contact_id>", methods=["GET", "POST"])
@client_required
def contact_edit(contact_id: int):
    contact = _contact_or_404(contact_id)
    saved = {"kind": contact.kind.value, "name": contact.name, "phone": contact.phone,
             "texting": contact.texting, "note": contact.note}
    form = ContactForm(data=saved) if request.method == "GET" else ContactForm()
    return _save(form, contact)


@bp.route("/help/contacts/<int:contact_id>/delete", methods=["GET", "POST"])
@client_required
def contact_delete(contact_id: int):
    contact = _contact_or_404(contact_id)
    if request.method == "GET":
        return render_template("help/contact_delete.html", contact=contact,
                               kind_label=KIND_LABELS[contact.kind])
    db.session.delete(contact)
    db.session.commit()
    flash(_("Deleted."), "success")
    return redirect(url_for("help.index", _anchor="contacts"))


@bp.get("/help/offline-copy")
@client_required
def offline_copy():
    """Kept on the phone by static/js/help.js (IndexedDB, owned by this account, wiped at
    sign-out) and shown by the offline Get help page."""
    return jsonify(pages.offline_copy(current_user))


@bp.get("/help/offline")
def offline():
    """Get help without a connection: kept in Cache Storage, so it names nobody; the kept
    copy of the client's contacts and emergency number is filled in from IndexedDB."""
    return render_offline_page()


def render_offline_page() -> str:
    return render_template("help/offline.html")


@bp.app_template_global()
def help_kind_label(kind) -> str:
    return KIND_LABELS[HelpContactKind(getattr(kind, "value", kind))]


@bp.app_template_global()
def dial_string(phone: str) -> str:
    return help_rules.dial_string(phone)
