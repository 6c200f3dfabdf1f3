"""The studio's money pages: Get paid (a form that starts Stripe's onboarding) and Sales (the
creator's ledger). The Get paid section itself is part of /studio (page_views.studio_home)."""
from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, url_for

from app.exceptions import AppError
from app.payments.ledger import ledger
from app.payments.payout_services import start_onboarding
from app.studio.access import STUDIO_PAGE, creator_page
from app.web.policy import PolicyBlueprint

bp = PolicyBlueprint("studio_payouts", __name__, policy=STUDIO_PAGE)
blueprints = (bp,)


@bp.post("/studio/payouts")
@creator_page
def onboarding_form():
    """Get paid / Continue setup: a fresh onboarding link, opened in this tab (Stripe's page cannot be framed)."""
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    try:
        url = start_onboarding(user=g.user, refresh_url=base + url_for("payouts.onboarding_refresh"),
                               return_url=base + url_for("studio_pages.studio_home", payouts=1))
    except AppError as error:
        flash(f"Could not start Stripe's setup: {error.message}", "error")
        return redirect(url_for("studio_pages.studio_home", _anchor="get-paid"))
    return redirect(url, code=303)


@bp.get("/studio/sales")
@creator_page
def sales_page():
    """The creator's sales per pack and month; buyers are not shown."""
    return render_template("studio/sales.html", ledger=ledger(creator_id=g.user.id))
