"""The studio's pages: /studio (your packs, a new one) and /studio/<slug> (the editor).

Forms post here (CSRF like every page form) and go back to the page with a message; the editor's
script calls the JSON API (app/studio/views.py) for uploads, sticker edits and the order, and
reloads the sticker list fragment and the preview, which the real picker template renders.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import current_app, flash, g, redirect, render_template, request, url_for

from app.exceptions import AppError, InvalidInput
from app.packs.images import ACCEPTED_EXTENSIONS
from app.payments.money import decimals
from app.payments.payout_services import payouts_panel
from app.studio import services, version_services, versions
from app.studio.access import STUDIO_PAGE, creator_page
from app.studio.rules import EDITABLE, LICENSES, ensure_may_create
from app.web.policy import ErrorFormat, PolicyBlueprint, TrustPolicy
from app.widget.page import picker_page, theme_name

bp = PolicyBlueprint("studio_pages", __name__, policy=STUDIO_PAGE, claims=("/studio",))
# The preview is the real picker page, framed by the editor (same origin).
preview = PolicyBlueprint("studio_preview", __name__, policy=TrustPolicy(errors=ErrorFormat.HTML, frameable=True,
                                                                          cache_control="no-store"))
FORM_FIELDS = ("name", "description", "license", "attribution", "currency")


@bp.get("/studio")
@creator_page
def studio_home():
    try:
        ensure_may_create(g.user.matrix_id)
        refusal = None
    except AppError as error:
        refusal = error.message
    return render_template("studio/index.html", packs=services.creator_packs(g.user), licenses=LICENSES,
                           currencies=_currencies(), refusal=refusal,
                           payouts=payouts_panel(user=g.user, refresh=request.args.get("payouts") == "1"))


@bp.post("/studio/packs")
@creator_page
def create_form():
    try:
        pack = services.create_pack(g.user, _form_fields())
    except AppError as error:
        flash(error.message, "error")
        return redirect(url_for("studio_pages.studio_home"))
    flash(f"Created “{pack.name}”. Add stickers below.", "info")
    return redirect(url_for("studio_pages.editor", slug=pack.slug))


@bp.get("/studio/<slug>")
@creator_page
def editor(slug: str):
    pack = services.owned_pack(g.user, slug)
    return render_template("studio/pack.html", pack=pack, editable=pack.status in EDITABLE, licenses=LICENSES,
                           currencies=_currencies(), price=_price_text(pack.price_amount, pack.currency),
                           pending=versions.open_version(pack), accept=",".join((*ACCEPTED_EXTENSIONS, ".zip")))


@bp.get("/studio/<slug>/stickers")
@creator_page
def sticker_list(slug: str):
    """The editor's sticker list alone, for its script to swap in after a change."""
    pack = services.owned_pack(g.user, slug)
    return render_template("studio/_stickers.html", pack=pack, editable=pack.status in EDITABLE)


@bp.post("/studio/<slug>")
@creator_page
def update_form(slug: str):
    return _act(slug, lambda: services.update_pack(g.user, slug, _form_fields()), "Saved.")


@bp.post("/studio/<slug>/submit")
@creator_page
def submit_form(slug: str):
    return _act(slug, lambda: services.submit_pack(g.user, slug),
                "Submitted for review. The bot will message you when an admin has looked at it.")


@bp.post("/studio/<slug>/withdraw")
@creator_page
def withdraw_form(slug: str):
    return _act(slug, lambda: services.withdraw_pack(g.user, slug), "Withdrawn: the pack is a draft again.")


@bp.post("/studio/<slug>/versions")
@creator_page
def version_form(slug: str):
    try:
        version = version_services.start_version(g.user, slug)
    except AppError as error:
        flash(error.message, "error")
        return redirect(url_for("studio_pages.editor", slug=slug))
    flash(f"Version {version.version} started: change it here and submit it; buyers keep the live pack meanwhile.",
          "info")
    return redirect(url_for("studio_pages.editor", slug=version.slug))


@bp.post("/studio/<slug>/delete")
@creator_page
def delete_form(slug: str):
    try:
        services.delete_pack(g.user, slug)
    except AppError as error:
        flash(error.message, "error")
        return redirect(url_for("studio_pages.editor", slug=slug))
    flash("Deleted the draft.", "info")
    return redirect(url_for("studio_pages.studio_home"))


@preview.get("/studio/<slug>/preview")
@creator_page
def preview_page(slug: str):
    pack = services.owned_pack(g.user, slug)
    page = picker_page(keys=[(pack.id, pack.revision)], theme=theme_name(request.args.get("theme")), cacheable=False)
    return page.body, 200, {"Content-Type": "text/html; charset=utf-8"}


def _act(slug: str, action, done: str):
    try:
        action()
    except AppError as error:
        flash(error.message, "error")
    else:
        flash(done, "info")
    return redirect(url_for("studio_pages.editor", slug=slug))


def _form_fields() -> dict:
    data = {field: request.form.get(field, "") for field in FORM_FIELDS}
    data["price_amount"] = _price_amount(request.form.get("price", "0"), data["currency"])
    return data


def _price_amount(text: str, currency: str) -> int:
    """"1.99" in usd -> 199; "" or "0" -> 0 (free)."""
    try:
        value = Decimal((text or "0").strip().replace(",", "."))
    except InvalidOperation:
        raise InvalidInput(f"The price {text!r} is not a number; write it like 1.99, or 0 for free.") from None
    amount = value * (10 ** decimals(currency))
    if amount != amount.to_integral_value():
        raise InvalidInput(f"The price {text!r} has more decimals than {currency.upper()} allows.")
    return int(amount)


def _price_text(amount: int, currency: str) -> str:
    places = decimals(currency)
    return str(Decimal(amount).scaleb(-places)) if places else str(amount)


def _currencies() -> list[str]:
    return [code.strip().lower() for code in current_app.config["STORE_CURRENCIES"].split(",") if code.strip()]


blueprints = (bp, preview)
