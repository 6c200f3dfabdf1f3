"""Creators' payouts: the studio's payouts API, the onboarding refresh page, and Stripe's two
Connect endpoints (thin events; the Connect webhook), each verified with its own secret only."""
from __future__ import annotations

from flask import current_app, g, jsonify, redirect, request, url_for
from flask_login import current_user

from app.auth.request import signed_in_api
from app.payments.ledger import ledger
from app.payments.payout_services import (handle_connect_event, handle_thin_event, payout_summary, refresh_account,
                                          start_onboarding)
from app.web.bodies import body_limit, read_body
from app.web.json_input import json_object
from app.web.policy import PAGE, ErrorFormat, PolicyBlueprint, TrustPolicy

# Bearer token or cookie session; signed_in_api checks CSRF for cookie-authenticated changes.
api = PolicyBlueprint("payouts_api", __name__, policy=TrustPolicy(errors=ErrorFormat.JSON, csrf=False,
                                                                   cache_control="no-store"))
pages = PolicyBlueprint("payouts", __name__, policy=TrustPolicy(errors=ErrorFormat.HTML, cache_control="no-store"))
# Authenticated by Stripe-Signature over the raw body, each with its own secret.
hooks = PolicyBlueprint("stripe_connect", __name__, policy=TrustPolicy(errors=ErrorFormat.JSON, csrf=False,
                                                                        cache_control="no-store"))
blueprints = (api, pages, hooks)
EVENT_MAX_BYTES = 256 * 1024  # thin events are a few hundred bytes; snapshot events a few KiB


def _links() -> dict:
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    return {"refresh_url": base + url_for("payouts.onboarding_refresh"), "return_url": base + "/studio?payouts=1"}


@api.post("/api/v1/studio/payouts/onboarding")
@signed_in_api
def onboarding():
    if read_body():  # the body is optional; when sent it must be a JSON object
        json_object()
    return jsonify(url=start_onboarding(user=g.user, **_links()))


@api.get("/api/v1/studio/payouts")
@signed_in_api
def payouts():
    if request.args.get("refresh") == "1":  # back from Stripe: returning proves nothing, read the account
        refresh_account(user=g.user)
    return jsonify(payout_summary(user=g.user))


@api.get("/api/v1/studio/sales")
@signed_in_api
def sales():
    """The creator's ledger: per pack and month, gross, platform fee, refunds, disputes, net."""
    return jsonify(ledger(creator_id=g.user.id))


@pages.get("/studio/payouts/refresh")
def onboarding_refresh():
    """Stripe sends the creator here when their onboarding link expired or was used: a new link."""
    if not current_user.is_authenticated:
        return redirect(url_for("signin.signin_page", next=request.full_path.rstrip("?")))
    return redirect(start_onboarding(user=current_user._get_current_object(), **_links()), code=303)


@hooks.post("/stripe/events")
@body_limit(EVENT_MAX_BYTES)
def stripe_thin_events():
    outcome = handle_thin_event(payload=read_body(), signature=request.headers.get("Stripe-Signature"))
    return jsonify(received=True, outcome=outcome)


@hooks.post("/stripe/connect-webhook")
@body_limit(EVENT_MAX_BYTES)
def stripe_connect_webhook():
    outcome = handle_connect_event(payload=read_body(), signature=request.headers.get("Stripe-Signature"))
    return jsonify(received=True, outcome=outcome)
