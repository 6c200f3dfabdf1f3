"""Admin console: packs (pages under /admin/packs, JSON under /api/v1/admin/packs).

Every change goes through app/admin/packs_services.py, as the CLI's do; the actor is the admin's
Matrix ID. Console forms post, then redirect back to the list with a flash message.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import flash, g, jsonify, redirect, render_template, request, url_for

from app.admin import packs_services as packs
from app.admin.access import ADMIN_API, ADMIN_PAGE, admin_api, admin_page
from app.exceptions import AppError, InvalidInput
from app.payments.money import decimals, format_money
from app.web.json_input import json_object
from app.web.policy import PolicyBlueprint

bp = PolicyBlueprint("admin_packs", __name__, policy=ADMIN_PAGE)
api = PolicyBlueprint("admin_packs_api", __name__, policy=ADMIN_API)
blueprints = (bp, api)

FIELDS = ("status", "price_amount", "position")
STATUS_ACTIONS = {"published": "Publish", "hidden": "Hide", "removed": "Remove"}
DONE = {"published": "is published: in the store and pickers.",
        "hidden": "is hidden: not listed; owners keep it in their pickers.",
        "removed": "is removed: nobody sees it; owners' entitlements stay recorded."}


# --- JSON ----------------------------------------------------------------------------------------
@api.post("/api/v1/admin/packs/<slug>")
@admin_api
def update_pack_json(slug: str):
    """Body {"status"?, "price_amount"?, "position"?}: the pack's admin view after the change."""
    body = json_object()
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise InvalidInput(f"Unknown field(s) {', '.join(unknown)}: send status, price_amount or position.")
    pack = packs.update_pack(slug, actor=g.admin.matrix_id, **{name: body.get(name) for name in FIELDS})
    return jsonify(packs.pack_view(pack))


@api.delete("/api/v1/admin/packs/<slug>")
@admin_api
def delete_pack_json(slug: str):
    packs.delete_pack(slug, actor=g.admin.matrix_id)
    return jsonify(deleted=slug)


# --- console -------------------------------------------------------------------------------------
@bp.get("/admin/packs")
@admin_page
def pack_list():
    rows = packs.admin_packs()
    return render_template("admin/packs.html", rows=rows, status_actions=STATUS_ACTIONS,
                           price_text=_price_text, price_input=_price_input, step=_step)


@bp.post("/admin/packs/<slug>/status")
@admin_page
def set_status(slug: str):
    status = request.form.get("status", "")
    return _change(slug, lambda: f"{packs.update_pack(slug, actor=g.admin.matrix_id, status=status).name} "
                                 f"{DONE.get(status, '')}")


@bp.post("/admin/packs/<slug>/price")
@admin_page
def set_price(slug: str):
    def change() -> str:
        pack = packs.admin_pack(slug)
        amount = _minor_units(request.form.get("price", ""), pack.currency)
        pack = packs.update_pack(slug, actor=g.admin.matrix_id, price_amount=amount)
        return f"{pack.name} is now free." if pack.is_free else f"{pack.name} now costs {_price_text(pack)}."

    return _change(slug, change)


@bp.post("/admin/packs/<slug>/position")
@admin_page
def set_position(slug: str):
    def change() -> str:
        try:
            position = int(request.form.get("position", ""))
        except ValueError:
            raise InvalidInput("Give the position as a whole number from 1 (first in the store).") from None
        pack = packs.update_pack(slug, actor=g.admin.matrix_id, position=position)
        return f"{pack.name} is now number {pack.position} in the store."

    return _change(slug, change)


@bp.get("/admin/packs/<slug>/delete")
@admin_page
def confirm_delete(slug: str):
    rows = [row for row in packs.admin_packs() if row.pack.slug == slug]
    if not rows:
        flash(f"No pack named {slug!r}.", "error")
        return redirect(url_for("admin_packs.pack_list"))
    return render_template("admin/pack_delete.html", row=rows[0], deletable=packs.deletable(rows[0].pack))


@bp.post("/admin/packs/<slug>/delete")
@admin_page
def delete_pack(slug: str):
    def change() -> str:
        packs.delete_pack(slug, actor=g.admin.matrix_id)
        return f"Deleted {slug}, with its stickers."

    return _change(slug, change)


def _change(slug: str, change) -> object:
    """Run one change; flash what happened (or why not) and go back to the list at its row."""
    try:
        flash(change(), "success")
    except AppError as error:
        flash(error.message, "error")
    return redirect(url_for("admin_packs.pack_list") + f"#pack-{slug}")


# --- money in the console: people type 4.99, the API and CLI take minor units (499) -------------
def _minor_units(text: str, currency: str) -> int:
    places = decimals(currency)
    try:
        value = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise InvalidInput("Type the price as a number such as 4.99, or 0 for free.")
    minor = value.scaleb(places)
    if minor != minor.to_integral_value():
        raise InvalidInput(f"{currency.upper()} prices have {places} decimal places at most.")
    return int(minor)


def _price_text(pack) -> str:
    return "Free" if pack.price_amount == 0 else format_money(pack.price_amount, pack.currency)


def _price_input(pack) -> str:
    places = decimals(pack.currency)
    return str(Decimal(pack.price_amount).scaleb(-places).quantize(Decimal(1).scaleb(-places)))


def _step(pack) -> str:
    places = decimals(pack.currency)
    return "1" if places == 0 else "0." + "0" * (places - 1) + "1"
