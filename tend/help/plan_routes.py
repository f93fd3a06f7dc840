"""My plan for hard times: the client's own page, its entries added, changed, moved and
removed, and the shell the service worker shows for it offline.

Views validate, call ``tend.services.plan``, commit and redirect back to the entry. A form
with a mistake re-renders the plan with the message at the field and the words kept."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from models import Category, db
from tend import access, clock
from tend.access import client_required
from tend.care.forms import ConfirmForm
from tend.help import bp
from tend.help.plan_forms import MOVES, ItemForm, MoveForm
from tend.services import plan as plans
from tend.services.errors import FieldError


def _client():
    return current_user._get_current_object()


def _render_plan(status: int = 200, failed: ItemForm | None = None,
                 failed_section=None):
    client = _client()
    plan = plans.plan_of(db.session, client)
    add_forms = {section: ItemForm(section, formdata=None) for section in plans.SECTIONS}
    if failed is not None:
        add_forms[failed_section] = failed
    return render_template(
        "help/plan.html", plan=plan, sections=plans.sections(plan.items if plan else []),
        add_forms=add_forms, move_form=MoveForm(formdata=None),
        shared_with=access.who_may_see(client, Category.SAFETY_PLAN, clock.now())), status


def _item_or_404(item_id: int):
    item = plans.item_of(db.session, _client(), item_id)
    if item is None:
        abort(404)
    return item


def _back_to(item=None, section=None):
    anchor = f"item-{item.id}" if item is not None else section.value
    return redirect(url_for("help.plan", _anchor=anchor))


@bp.get("/help/plan")
@client_required
def plan():
    return _render_plan()


@bp.post("/help/plan/<section>")
@client_required
def plan_add(section: str):
    plan_section = plans.section_named(section)
    if plan_section is None:
        abort(404)
    form = ItemForm(plan_section)
    if form.validate_on_submit():
        try:
            item = plans.add_item(db.session, _client(), plan_section, form.text.data,
                                  clock.now())
        except FieldError as error:
            db.session.rollback()
            form.text.errors = [str(error.message)]
        else:
            db.session.commit()
            flash(_("Added to your plan."), "success")
            return _back_to(item)
    return _render_plan(400, form, plan_section)


@bp.route("/help/plan/items/<int:item_id>", methods=["GET", "POST"])
@client_required
def plan_item(item_id: int):
    item = _item_or_404(item_id)
    form = ItemForm(data={"text": item.text}) if request.method == "GET" else ItemForm()
    if form.validate_on_submit():
        try:
            plans.change_item(item, form.text.data, clock.now())
        except FieldError as error:
            form.text.errors = [str(error.message)]
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return _back_to(item)
    return render_template("help/plan_item.html", item=item, form=form,
                           section=plans.SECTION_TEXT[item.section],
                           confirm=ConfirmForm(formdata=None)), 400 if form.errors else 200


@bp.post("/help/plan/items/<int:item_id>/move")
@client_required
def plan_item_move(item_id: int):
    item = _item_or_404(item_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    if plans.move_item(db.session, item, MOVES[form.direction.data], clock.now()):
        db.session.commit()
    return _back_to(item)


@bp.post("/help/plan/items/<int:item_id>/remove")
@client_required
def plan_item_remove(item_id: int):
    item = _item_or_404(item_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    section = item.section
    plans.remove_item(db.session, item, clock.now())
    db.session.commit()
    flash(_("Removed from your plan."), "success")
    return _back_to(section=section)


@bp.get("/help/plan/offline")
def plan_offline():
    """The page the service worker shows for the plan without a connection. Kept in Cache
    Storage, so it names nobody: static/js/plan.js fills in the copy of the plan this phone
    kept (IndexedDB, owned by the signed-in account)."""
    return render_plan_offline()


def render_plan_offline() -> str:
    return render_template("help/plan_offline.html", sections=plans.sections([]))
